"""Bulk rows of an xlsxwriter workbook, written as SpreadsheetML text and spliced into the finished file.

Why: xlsxwriter spends some 20-30 µs of Python per cell (a cell object, its checks, its XML). The aging
report's detail sheet of a million open items has ten million cells: five minutes (bench/aging.py).
How: xlsxwriter still builds the workbook (styles, sheets, column widths, headers, frozen panes,
autofilter, the parameters on top); only the rows of the large blocks (customers of the summary, items of
the detail) are written as ``<row>`` elements by the caller (by PostgreSQL for the items), then
:func:`splice` copies the finished file once, inserting those rows at the end of each sheet's
``<sheetData>``, and setting the sheet's ``<dimension>`` to the new last cell.

The cells are written the way xlsxwriter writes them in ``constant_memory`` mode: texts as inline strings
(``t="inlineStr"``, never a formula), numbers as ``<v>`` values, dates as Excel serial numbers with a
date style, styles by the ``xf`` index of an xlsxwriter format.

Pure Python (no Odoo): unit-tested in the fast suite.
"""

import functools
import math
import re
import zipfile

from .xlsx_layout import safe_text

MAX_ROWS = 1_048_576
"""Excel's number of rows in a sheet."""

MAX_COLUMNS = 16_384

_DIMENSION = re.compile(rb'<dimension ref="[^"]*"\s*/>')
_EMPTY_SHEET_DATA = b"<sheetData/>"
_SHEET_DATA_END = b"</sheetData>"


@functools.lru_cache(maxsize=1024)
def column_name(index):
    """Excel's name of the column ``index`` (0-based): 0 is ``A``, 25 ``Z``, 26 ``AA``."""
    if not 0 <= index < MAX_COLUMNS:
        raise ValueError(f"no Excel column {index!r}")
    name = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        name = chr(65 + remainder) + name
    return name


def cell_ref(row, col):
    """``A1``-style reference of a cell, ``row`` and ``col`` 0-based as in xlsxwriter."""
    if not 0 <= row < MAX_ROWS:
        raise ValueError(f"no Excel row {row!r}")
    return f"{column_name(col)}{row + 1}"


def escape(text):
    """A text as XML element content: :func:`~.xlsx_layout.safe_text`, then ``&``, ``<`` and ``>`` escaped."""
    return safe_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _style(style):
    return f' s="{int(style)}"' if style else ""


# The cells below are written by the hundred thousand (the summary sheet of 50,000 customers): they take
# the row as it is (its range is checked once, by row_xml()), and cache the column names.


def text_cell(row, col, text, style=0):
    """An inline-string cell (always text: ``=1+1`` is shown, not computed); ``""`` for an empty text."""
    content = escape(text)
    if not content:
        return ""
    space = ' xml:space="preserve"' if content[0].isspace() or content[-1].isspace() else ""
    return f'<c r="{column_name(col)}{row + 1}"{_style(style)} t="inlineStr"><is><t{space}>{content}</t></is></c>'


def number_cell(row, col, value, style=0):
    """A number cell; ``""`` for ``None`` (no cell). Written as xlsxwriter writes numbers (``%.16G``)."""
    if value is None:
        return ""
    number = value if value.__class__ is float else float(value)
    if not math.isfinite(number):
        raise ValueError(f"{value!r} is not a number Excel can hold")
    return f'<c r="{column_name(col)}{row + 1}"{_style(style)}><v>{number:.16G}</v></c>'


def number_cells(row, first_col, values, style=0):
    """The number cells of ``values`` in the columns from ``first_col`` on, as one text (no cell for ``None``):
    :func:`number_cell` for a whole run of columns at once (the amounts of a customer's row)."""
    number = row + 1
    attribute = _style(style)
    cells = []
    for col, value in enumerate(values, first_col):
        if value is None:
            continue
        value = value if value.__class__ is float else float(value)
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a number Excel can hold")
        cells.append(f'<c r="{column_name(col)}{number}"{attribute}><v>{value:.16G}</v></c>')
    return "".join(cells)


def row_xml(row, cells):
    """A ``<row>`` element (``row`` 0-based) holding the cells' XML (empty strings are no cells)."""
    if not 0 <= row < MAX_ROWS:
        raise ValueError(f"no Excel row {row!r}")
    return f'<row r="{row + 1}">{"".join(cells)}</row>'


def dimension_ref(last_row, last_col):
    """The ``<dimension>`` reference of a sheet whose last cell is (``last_row``, ``last_col``), 0-based."""
    return f"A1:{cell_ref(last_row, last_col)}" if last_row or last_col else "A1"


def worksheet_path(sheet_index):
    """Path in the zip of the ``sheet_index``-th worksheet (0-based, in the order they were added), as
    xlsxwriter names them."""
    return f"xl/worksheets/sheet{sheet_index + 1}.xml"


class SpliceError(ValueError):
    """The file to splice into is not what xlsxwriter writes."""


def _splice_sheet(xml, rows, dimension, write):
    """Write the sheet ``xml`` with ``rows`` (an iterable of str) at the end of its sheetData."""
    if dimension:
        xml, count = _DIMENSION.subn(f'<dimension ref="{dimension}"/>'.encode(), xml, count=1)
        if not count:
            raise SpliceError("the sheet has no <dimension> element")
    if _SHEET_DATA_END in xml:
        head, tail = xml.split(_SHEET_DATA_END, 1)
        closing = _SHEET_DATA_END
    elif _EMPTY_SHEET_DATA in xml:
        head, tail = xml.split(_EMPTY_SHEET_DATA, 1)
        head += b"<sheetData>"
        closing = _SHEET_DATA_END
    else:
        raise SpliceError("the sheet has no <sheetData> element")
    write(head)
    for chunk in rows:
        if chunk:
            write(chunk.encode())
    write(closing + tail)


def splice(source, target, sheets, compresslevel=1):
    """Copy the xlsx file ``source`` to ``target`` (paths or binary file objects), adding rows to sheets.

    ``sheets`` maps a worksheet's path in the zip (see :func:`worksheet_path`) to ``(rows, dimension)``:
    ``rows`` an iterable of XML text (``<row>`` elements, in row order, after the rows already in the
    sheet; read lazily, one chunk at a time, in the order of the sheets in the file), ``dimension`` the
    sheet's new ``<dimension>`` reference (see :func:`dimension_ref`), or ``None`` to keep it.
    The sheets with rows are compressed at ``compresslevel`` (1: fast, the bulk of the time is there);
    every other member is copied as it is.
    """
    pending = dict(sheets)
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(
            target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as zout:
        for info in zin.infolist():
            if info.filename not in pending:
                zout.writestr(info, zin.read(info))
                continue
            rows, dimension = pending.pop(info.filename)
            # no ZIP64 (some Excel versions ask to repair such files): a sheet of Excel's 1,048,576 rows
            # stays far below the 2 GiB a member can hold without it
            with zout.open(info.filename, "w") as member:
                _splice_sheet(zin.read(info), rows, dimension, member.write)
    if pending:
        raise SpliceError(f"no such sheet in the file: {', '.join(sorted(pending))}")
