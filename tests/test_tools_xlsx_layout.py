"""The export layout of ``addons/debt_collection/tools/xlsx_layout.py``, outside Odoo.

The last tests write a real file with xlsxwriter in ``constant_memory`` mode from this layout and read it
back with openpyxl: text stays text, the number formats are the ones asked for.
"""

import io
from datetime import date

import pytest
from _tools import load_tool

layout = load_tool("xlsx_layout")

WORDS = {
    "customer": "Customer", "company": "Company", "total": "Total", "credit_limit": "Credit Limit",
    "credit_used": "% Used", "invoice": "Invoice", "invoice_date": "Invoice Date", "due_date": "Due Date",
    "days": "Days Overdue", "bucket": "Column", "currency": "Currency", "amount_currency": "Amount in Currency",
    "amount": "Open Amount",
}
LABELS = ["Not due", "1-15", "16-30", "31-45", "46-60", "61-75", "76-90", "Over 90"]


# --- safe text ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    (None, ""), (False, ""), ("", ""), ("ACME", "ACME"), (42, "42"), (0, "0"),
    ("=1+1", "=1+1"), ('=HYPERLINK("http://x","y")', '=HYPERLINK("http://x","y")'), ("+1", "+1"), ("-2", "-2"),
    ("@SUM(A1)", "@SUM(A1)"), ("Công ty TNHH Ánh Dương", "Công ty TNHH Ánh Dương"), ("台灣公司", "台灣公司"),
    ("a\x00b\x07c\x1fd", "abcd"), ("tab\tnew\nline\r", "tab\tnew\nline\r"), ("x\ufffey", "xy"),
])
def test_safe_text(value, expected):
    assert layout.safe_text(value) == expected


def test_safe_text_is_cut_to_excel_cell_size():
    assert len(layout.safe_text("x" * 40000)) == layout.MAX_CELL_TEXT == 32767


# --- sheet names -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, used, expected", [
    ("Summary", (), "Summary"),
    ("Tóm tắt", (), "Tóm tắt"),
    ("A/B: [C]*?\\", (), "A B C"),
    ("'quoted'", (), "quoted"),
    ("", (), "Sheet"),
    ("  ", (), "Sheet"),
    ("History", (), "History 1"),
    ("x" * 40, (), "x" * 31),
    ("Summary", ("summary",), "Summary (2)"),
    ("Summary", ("Summary", "Summary (2)"), "Summary (3)"),
    ("y" * 31, ("y" * 31,), "y" * 27 + " (2)"),
])
def test_sheet_name(name, used, expected):
    result = layout.sheet_name(name, used)
    assert result == expected
    assert 0 < len(result) <= 31


# --- number formats ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("places, symbol, position, expected", [
    (2, None, "after", "#,##0.00;-#,##0.00"),
    (0, None, "after", "#,##0;-#,##0"),  # VND
    (3, None, "after", "#,##0.000;-#,##0.000"),  # KWD
    (0, "₫", "after", '#,##0\u00a0"₫";-#,##0\u00a0"₫"'),
    (2, "$", "before", '"$"\u00a0#,##0.00;-"$"\u00a0#,##0.00'),
    (2, 'a"b', "after", '#,##0.00\u00a0"a""b";-#,##0.00\u00a0"a""b"'),
])
def test_number_format(places, symbol, position, expected):
    assert layout.number_format(places, symbol, position) == expected


@pytest.mark.parametrize("places", [None, -1])
def test_number_format_refuses_bad_places(places):
    with pytest.raises(ValueError):
        layout.number_format(places)


def test_percent_format():
    assert layout.percent_format() == "0.0%"
    assert layout.percent_format(0) == "0%"
    assert layout.percent_format(2) == "0.00%"


@pytest.mark.parametrize("strftime, expected", [
    ("%m/%d/%Y", "mm/dd/yyyy"), ("%d/%m/%Y", "dd/mm/yyyy"), ("%Y-%m-%d", "yyyy-mm-dd"), ("%d.%m.%y", "dd.mm.yy"),
    ("%Y年%m月%d日", 'yyyy"年"mm"月"dd"日"'), ("%d %b %Y", "dd mmm yyyy"), ("", "yyyy-mm-dd"), (None, "yyyy-mm-dd"),
    ("%H:%M", "yyyy-mm-dd"),
])
def test_date_format(strftime, expected):
    assert layout.date_format(strftime) == expected


# --- columns -----------------------------------------------------------------------------------------------------


def test_summary_columns_grouped_single_company():
    columns = layout.summary_columns(WORDS, LABELS, group_header="Salesperson")
    assert [c.header for c in columns] == ["Customer", "Salesperson", *LABELS, "Total", "Credit Limit", "% Used"]
    assert [c.key for c in columns][2:4] == ["bucket_0", "bucket_1"]
    assert [c.kind for c in columns] == ["text", "text"] + ["money"] * 9 + ["money", "percent"]
    assert all(c.kind in layout.KINDS and c.width >= 8 for c in columns)
    assert layout.column_index(columns, "total") == 10


def test_summary_columns_ungrouped_multi_company():
    columns = layout.summary_columns(WORDS, ["Not due", "1-30", "Over 30"], multi_company=True)
    assert [c.key for c in columns] == [
        "customer", "company", "bucket_0", "bucket_1", "bucket_2", "total", "credit_limit", "credit_used"]
    with pytest.raises(KeyError):
        layout.column_index(columns, "group")


def test_detail_columns():
    columns = layout.detail_columns(WORDS)
    assert [c.key for c in columns] == [
        "customer", "invoice", "invoice_date", "due_date", "days", "bucket", "currency", "amount_currency", "amount"]
    assert [c.kind for c in columns] == [
        "text", "text", "date", "date", "integer", "text", "text", "currency_money", "money"]
    assert "company" in [c.key for c in layout.detail_columns(WORDS, multi_company=True)]


def test_header_rows():
    assert layout.header_rows(5) == (1, 7)  # title, 5 parameters (rows 1-5), a blank row, the headers
    assert layout.header_rows(0) == (1, 2)


# --- subtotals ---------------------------------------------------------------------------------------------------


def test_rows_with_subtotals_grouped():
    rows = [
        ("C1", "Ann", [10.0, None], "a"),
        ("C1", "Ann", [1.0, 2.0], "b"),
        ("C1", "Bob", [None, 5.0], "c"),
        ("C1", None, [7.0, 0.0], "d"),  # no salesperson: a group of its own
    ]
    events = list(layout.rows_with_subtotals(iter(rows), 2))
    assert events == [
        ("row", "C1", "Ann", "a"),
        ("row", "C1", "Ann", "b"),
        ("subtotal", "C1", "Ann", [11.0, 2.0]),
        ("row", "C1", "Bob", "c"),
        ("subtotal", "C1", "Bob", [0.0, 5.0]),
        ("row", "C1", None, "d"),
        ("subtotal", "C1", None, [7.0, 0.0]),
        ("grand_total", None, None, [18.0, 7.0]),
    ]


def test_rows_with_subtotals_by_company():
    rows = [
        ("C1", "Ann", [1.0], "a"),
        ("C2", "Ann", [2.0], "b"),  # same salesperson, other company: a new group
        ("C2", "Ann", [3.0], "c"),
    ]
    events = list(layout.rows_with_subtotals(rows, 1, by_company=True, grand_total=False))
    assert events == [
        ("row", "C1", "Ann", "a"),
        ("subtotal", "C1", "Ann", [1.0]),
        ("company_total", "C1", None, [1.0]),
        ("row", "C2", "Ann", "b"),
        ("row", "C2", "Ann", "c"),
        ("subtotal", "C2", "Ann", [5.0]),
        ("company_total", "C2", None, [5.0]),
    ]


def test_rows_without_grouping_and_empty():
    rows = [(1, None, [1.0, 1.0], "a"), (1, None, [2.0, -3.0], "b")]
    assert list(layout.rows_with_subtotals(rows, 2, grouped=False)) == [
        ("row", 1, None, "a"), ("row", 1, None, "b"), ("grand_total", None, None, [3.0, -2.0])]
    assert list(layout.rows_with_subtotals([], 3)) == [("grand_total", None, None, [0.0, 0.0, 0.0])]


def test_rows_with_subtotals_stream_lazily():
    def rows():
        yield ("C", "G", [1.0], "a")
        raise RuntimeError("read no further than asked")

    events = layout.rows_with_subtotals(rows(), 1)
    assert next(events) == ("row", "C", "G", "a")
    with pytest.raises(RuntimeError):
        next(events)


def test_rows_with_subtotals_refuses_ragged_rows():
    with pytest.raises(ValueError):
        list(layout.rows_with_subtotals([("C", "G", [1.0, 2.0], "a")], 3))


# --- a real file -------------------------------------------------------------------------------------------------


def test_constant_memory_file_keeps_text_as_text():
    xlsxwriter = pytest.importorskip("xlsxwriter")
    openpyxl = pytest.importorskip("openpyxl")
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "strings_to_formulas": False})
    name = layout.sheet_name("Summary: all/[customers]")
    sheet = workbook.add_worksheet(name)
    vnd = workbook.add_format({"num_format": layout.number_format(0, "₫")})
    when = workbook.add_format({"num_format": layout.date_format("%d/%m/%Y")})
    texts = ["=1+1", '=HYPERLINK("http://example.com","click")', "+33 1 23", "a\x00b"]
    for row, text in enumerate(texts):
        assert sheet.write_string(row, 0, layout.safe_text(text)) == 0
        assert sheet.write_number(row, 1, 1234567.0, vnd) == 0
        assert sheet.write_datetime(row, 2, date(2026, 6, 15), when) == 0
    # constant_memory: a row before the last one written is refused, not silently rewritten
    assert sheet.write_string(0, 3, "late") != 0
    workbook.close()

    book = openpyxl.load_workbook(io.BytesIO(buffer.getvalue()))
    assert book.sheetnames == ["Summary all customers"]
    cells = list(book.active.iter_rows(values_only=False))
    assert [row[0].value for row in cells] == ["=1+1", '=HYPERLINK("http://example.com","click")', "+33 1 23", "ab"]
    assert all(row[0].data_type == "s" for row in cells)
    assert cells[0][1].value == 1234567 and cells[0][1].number_format == layout.number_format(0, "₫")
    assert cells[0][2].value.date() == date(2026, 6, 15) and cells[0][2].number_format == "dd/mm/yyyy"
