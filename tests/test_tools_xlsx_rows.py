"""Fast suite: tools/xlsx_rows.py, rows written as SpreadsheetML text and spliced into an xlsxwriter file,
read back with openpyxl."""

import datetime
import importlib.util
import io
import pathlib
import sys
import zipfile

import openpyxl
import pytest
import xlsxwriter

TOOLS = pathlib.Path(__file__).resolve().parent.parent / "addons" / "debt_collection" / "tools"


def _load_tools_package():
    """addons/debt_collection/tools as a package of its own (xlsx_rows imports xlsx_layout relatively), without
    importing the add-on (which needs Odoo)."""
    name = "dc_tools_pkg"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, TOOLS / "__init__.py",
                                                      submodule_search_locations=[str(TOOLS)])
        package = importlib.util.module_from_spec(spec)
        sys.modules[name] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{name}.xlsx_rows")


rows = _load_tools_package()


@pytest.mark.parametrize(("index", "name"), [
    (0, "A"), (1, "B"), (25, "Z"), (26, "AA"), (27, "AB"), (51, "AZ"), (52, "BA"), (701, "ZZ"), (702, "AAA"),
    (16383, "XFD"),
])
def test_column_name(index, name):
    assert rows.column_name(index) == name


@pytest.mark.parametrize("index", [-1, 16384])
def test_column_name_out_of_excel(index):
    with pytest.raises(ValueError):
        rows.column_name(index)


def test_cell_ref_and_rows_out_of_excel():
    assert rows.cell_ref(0, 0) == "A1"
    assert rows.cell_ref(1_048_575, 16_383) == "XFD1048576"
    with pytest.raises(ValueError):
        rows.cell_ref(1_048_576, 0)
    with pytest.raises(ValueError):
        rows.row_xml(1_048_576, [])
    with pytest.raises(ValueError):
        rows.row_xml(-1, [])


def test_escape_keeps_text_and_drops_what_xml_cannot_hold():
    assert rows.escape("A & B <C> \"D\" 'E'") == "A &amp; B &lt;C&gt; \"D\" 'E'"
    assert rows.escape("bad\x00\x01\x08\x0b\x0c\x1f\ufffe\uffff chars\ttab\nline") == "bad chars\ttab\nline"
    assert rows.escape(None) == ""
    assert rows.escape(False) == ""
    assert rows.escape(12) == "12"
    assert len(rows.escape("x" * 40000)) == 32767


def test_cells():
    assert rows.text_cell(0, 0, "=1+1") == '<c r="A1" t="inlineStr"><is><t>=1+1</t></is></c>'
    assert rows.text_cell(4, 2, " padded ", 3) == (
        '<c r="C5" s="3" t="inlineStr"><is><t xml:space="preserve"> padded </t></is></c>')
    assert rows.text_cell(0, 0, "") == ""
    assert rows.text_cell(0, 0, None) == ""
    assert rows.number_cell(1, 1, 1234.5, 7) == '<c r="B2" s="7"><v>1234.5</v></c>'
    assert rows.number_cell(1, 1, -0.1) == '<c r="B2"><v>-0.1</v></c>'
    assert rows.number_cell(1, 1, 10**20) == '<c r="B2"><v>1E+20</v></c>'
    assert rows.number_cell(1, 1, None) == ""
    assert rows.number_cell(1, 1, 0) == '<c r="B2"><v>0</v></c>'
    for bad in (float("nan"), float("inf"), float("-inf")):
        with pytest.raises(ValueError):
            rows.number_cell(0, 0, bad)
    assert rows.row_xml(2, ["<c/>", "", "<c/>"]) == '<row r="3"><c/><c/></row>'


def test_number_cells_equal_one_cell_at_a_time():
    values = [1.5, None, 0, -2, 10**20, 1 / 3]
    assert rows.number_cells(6, 2, values, 4) == "".join(
        rows.number_cell(6, 2 + index, value, 4) for index, value in enumerate(values))
    assert rows.number_cells(0, 0, []) == ""
    with pytest.raises(ValueError):
        rows.number_cells(0, 0, [1.0, float("nan")])


def test_dimension_ref():
    assert rows.dimension_ref(0, 0) == "A1"
    assert rows.dimension_ref(9, 3) == "A1:D10"


def _workbook(sheets=("One", "Two")):
    """An xlsxwriter file in constant_memory mode with a header row on each sheet; returns (bytes, formats)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    bold = workbook.add_format({"bold": True})
    money = workbook.add_format({"num_format": "#,##0.00"})
    date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for name in sheets:
        sheet = workbook.add_worksheet(name)
        sheet.write_string(0, 0, f"{name} header", bold)
        sheet.write_string(0, 1, "Amount", bold)
    # the styles of the spliced cells: registered before the file is closed
    styles = {"money": money._get_xf_index(), "date": date._get_xf_index()}
    workbook.close()
    return buffer.getvalue(), styles


def test_splice_rows_read_back_with_openpyxl():
    source, styles = _workbook()
    serial = (datetime.date(2026, 11, 28) - datetime.date(1899, 12, 30)).days
    one = [
        rows.row_xml(1, [rows.text_cell(1, 0, "=1+1"), rows.number_cell(1, 1, 1234.5, styles["money"])]),
        rows.row_xml(2, [rows.text_cell(2, 0, "Tom & Jerry <Co>"), rows.number_cell(2, 1, serial, styles["date"])]),
    ]
    consumed = []

    def lazy():  # the rows are read while the file is written, not before
        for row in one:
            consumed.append(row)
            yield row

    target = io.BytesIO()
    generator = lazy()
    assert not consumed
    rows.splice(io.BytesIO(source), target, {rows.worksheet_path(0): (generator, rows.dimension_ref(2, 1))})
    assert len(consumed) == 2

    book = openpyxl.load_workbook(io.BytesIO(target.getvalue()))
    assert book.sheetnames == ["One", "Two"]
    sheet = book["One"]
    assert sheet["A1"].value == "One header" and sheet["A1"].font.bold
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 1234.5 and sheet["B2"].number_format == "#,##0.00"
    assert sheet["A3"].value == "Tom & Jerry <Co>"
    assert sheet["B3"].value == datetime.datetime(2026, 11, 28)
    assert sheet.dimensions == "A1:B3"
    assert book["Two"]["A1"].value == "Two header" and book["Two"].max_row == 1

    # the other members are copied as they are
    with zipfile.ZipFile(io.BytesIO(source)) as before, zipfile.ZipFile(target) as after:
        assert before.namelist() == after.namelist()
        for name in before.namelist():
            if name != rows.worksheet_path(0):
                assert before.read(name) == after.read(name), name


def test_splice_into_an_empty_sheet_and_several_sheets():
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True})
    workbook.add_worksheet("Empty")
    workbook.add_worksheet("Other")
    workbook.close()
    target = io.BytesIO()
    rows.splice(io.BytesIO(buffer.getvalue()), target, {
        rows.worksheet_path(0): (iter([rows.row_xml(0, [rows.number_cell(0, 0, 1)])]), "A1"),
        rows.worksheet_path(1): ([rows.row_xml(4, [rows.text_cell(4, 2, "x")])], None),
    })
    book = openpyxl.load_workbook(io.BytesIO(target.getvalue()))
    assert book["Empty"]["A1"].value == 1
    assert book["Other"]["C5"].value == "x"


def test_splice_refuses_an_unknown_sheet_or_a_foreign_file():
    source, _styles = _workbook()
    with pytest.raises(rows.SpliceError):
        rows.splice(io.BytesIO(source), io.BytesIO(), {"xl/worksheets/sheet9.xml": ([], None)})
    foreign = io.BytesIO()
    with zipfile.ZipFile(foreign, "w") as archive:
        archive.writestr(rows.worksheet_path(0), "<worksheet/>")
    with pytest.raises(rows.SpliceError):
        rows.splice(io.BytesIO(foreign.getvalue()), io.BytesIO(), {rows.worksheet_path(0): ([], None)})
