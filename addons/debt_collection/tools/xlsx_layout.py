"""Layout of the aging report's exports: columns, sheet names, number formats, safe text, subtotals.

Pure Python (no Odoo, no xlsxwriter import) so that it is unit-tested outside Odoo. The Odoo side
(``reports/aging_xlsx.py``, ``reports/aging_report.py``) passes in the translated words and the data,
and writes the cells.

Rows reach the writer in the order they are written (xlsxwriter's ``constant_memory`` mode cannot go
back to a previous row), so :func:`rows_with_subtotals` works on a stream: it yields each customer row,
then a subtotal row when its group ends, without keeping more than the running sums.
"""

import re
from collections import namedtuple

MAX_SHEET_NAME = 31
"""Excel's longest sheet name."""

MAX_CELL_TEXT = 32767
"""Excel's longest text in one cell."""

_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
# Characters XML 1.0 cannot hold (the cell text of an .xlsx file is XML): the C0 controls but tab,
# line feed and carriage return, and the two non-characters U+FFFE and U+FFFF.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Column = namedtuple("Column", "key header kind width")
"""One column of a sheet. ``kind``: ``text``, ``date``, ``integer``, ``money`` (company currency),
``currency_money`` (the row's own currency), ``percent``. ``width`` in Excel's character units."""

KINDS = ("text", "date", "integer", "money", "currency_money", "percent")
_WIDTHS = {"text": 14, "date": 11, "integer": 8, "money": 14, "currency_money": 14, "percent": 9}


# --- text --------------------------------------------------------------------------------------------------------


def safe_text(value):
    """``value`` as the text to write with ``write_string``: never a formula, never invalid XML.

    ``None`` and ``False`` (Odoo's empty value) give ``""``; anything else is ``str()``-ed. Characters
    an .xlsx file cannot hold are removed and the text is cut to :data:`MAX_CELL_TEXT`. A text that
    starts with ``=``, ``+``, ``-`` or ``@`` is kept as it is: written as a string cell it is shown,
    not evaluated (an apostrophe in front would change what the user reads).
    """
    if value is None or value is False:
        return ""
    text = _XML_ILLEGAL.sub("", str(value))
    return text[:MAX_CELL_TEXT]


def sheet_name(name, used=(), fallback="Sheet"):
    """A valid Excel sheet name from ``name``, different from the names in ``used`` (any case).

    Excel refuses ``[ ] : * ? / \\``, names longer than 31 characters, blank names, names that start
    or end with an apostrophe, and the reserved name "History"; sheet names are compared without case.
    """
    text = _SHEET_NAME_FORBIDDEN.sub(" ", safe_text(name)).strip().strip("'").strip()
    text = re.sub(r"\s+", " ", text)
    if not text or text.lower() == "history":
        text = f"{text} 1".strip() if text else fallback
    text = text[:MAX_SHEET_NAME].rstrip().rstrip("'")
    taken = {n.lower() for n in used}
    candidate, number = text, 1
    while candidate.lower() in taken:
        number += 1
        suffix = f" ({number})"
        candidate = text[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
    return candidate


# --- number formats ----------------------------------------------------------------------------------------------


def _quoted(text):
    return '"' + text.replace('"', '""') + '"'


def number_format(decimal_places, symbol=None, position="after"):
    """An Excel number format with thousands separators and ``decimal_places`` decimals.

    ``number_format(2)`` is ``#,##0.00``, ``number_format(0)`` (VND, JPY...) is ``#,##0``; with a
    ``symbol`` it is shown before or after the number (``position``, as Odoo's currencies say),
    quoted so that any character is allowed. Negative amounts get a minus sign.
    """
    if decimal_places is None or decimal_places < 0:
        raise ValueError(f"decimal places must be 0 or more, not {decimal_places!r}")
    number = "#,##0" + ("." + "0" * int(decimal_places) if decimal_places else "")
    if symbol:
        number = f"{_quoted(symbol)}\u00a0{number}" if position == "before" else f"{number}\u00a0{_quoted(symbol)}"
    return f"{number};-{number}"


def percent_format(decimal_places=1):
    """``0.0%``: for a ratio written as a fraction (0.5 shows as 50.0%)."""
    return "0" + ("." + "0" * decimal_places if decimal_places else "") + "%"


_STRFTIME_TO_EXCEL = {
    "%d": "dd", "%e": "d", "%m": "mm", "%Y": "yyyy", "%y": "yy", "%b": "mmm", "%B": "mmmm",
    "%a": "ddd", "%A": "dddd", "%%": "%",
}


def date_format(strftime_format, default="yyyy-mm-dd"):
    """Excel date format equivalent to a language's ``strftime`` date format (``%m/%d/%Y`` gives
    ``mm/dd/yyyy``); ``default`` when the format holds anything but a date."""
    if not strftime_format:
        return default
    parts = re.split(r"(%.)", strftime_format)
    out = []
    for part in parts:
        if part.startswith("%") and len(part) == 2:
            if part not in _STRFTIME_TO_EXCEL:
                return default
            out.append(_STRFTIME_TO_EXCEL[part])
        elif part:
            # separators Excel takes as they are; any other literal text is quoted
            out.append(part if re.fullmatch(r"[ \-/.,:]+", part) else _quoted(part))
    return "".join(out)


# --- columns -----------------------------------------------------------------------------------------------------


def _width(header, kind, minimum=None):
    return max(minimum or _WIDTHS[kind], min(len(header) + 2, 40))


def summary_columns(words, bucket_labels, group_header=None, multi_company=False):
    """Columns of the summary sheet: customer, [group], [company], one per bucket, total, credit
    limit, % used.

    ``words`` holds the translated headers: ``customer``, ``company``, ``total``, ``credit_limit``,
    ``credit_used``. ``group_header`` (e.g. "Salesperson") adds the group's column when the report is
    grouped. Bucket columns have keys ``bucket_0``... in age order.
    """
    columns = [Column("customer", words["customer"], "text", _width(words["customer"], "text", 32))]
    if group_header:
        columns.append(Column("group", group_header, "text", _width(group_header, "text", 20)))
    if multi_company:
        columns.append(Column("company", words["company"], "text", _width(words["company"], "text", 18)))
    for index, label in enumerate(bucket_labels):
        columns.append(Column(f"bucket_{index}", label, "money", _width(label, "money")))
    columns += [
        Column("total", words["total"], "money", _width(words["total"], "money", 15)),
        Column("credit_limit", words["credit_limit"], "money", _width(words["credit_limit"], "money")),
        Column("credit_used", words["credit_used"], "percent", _width(words["credit_used"], "percent")),
    ]
    return columns


def detail_columns(words, multi_company=False):
    """Columns of the detail sheet (one row per open item).

    ``words``: translated headers ``customer``, ``company``, ``invoice``, ``invoice_date``,
    ``due_date``, ``days``, ``bucket``, ``currency``, ``amount_currency``, ``amount``.
    """
    spec = [
        ("customer", "text", 32), ("company", "text", 18), ("invoice", "text", 20), ("invoice_date", "date", None),
        ("due_date", "date", None), ("days", "integer", None), ("bucket", "text", 10), ("currency", "text", 9),
        ("amount_currency", "currency_money", None), ("amount", "money", 15),
    ]
    return [
        Column(key, words[key], kind, _width(words[key], kind, minimum))
        for key, kind, minimum in spec
        if key != "company" or multi_company
    ]


def column_index(columns, key):
    """Position of the column ``key`` in ``columns``."""
    for index, column in enumerate(columns):
        if column.key == key:
            return index
    raise KeyError(key)


def header_rows(parameter_count):
    """Rows of the summary sheet's top: the title (row 0), one row per parameter from row 1, a blank
    row, then the column headers. Returns ``(first_parameter_row, header_row)``."""
    return 1, 1 + parameter_count + 1


# --- rows with subtotals -----------------------------------------------------------------------------------------


def _add(sums, amounts, size):
    if len(amounts) != size:
        raise ValueError(f"a row has {len(amounts)} amounts instead of {size}")
    if sums is None:
        sums = [0.0] * size
    for index, amount in enumerate(amounts):
        if amount:
            sums[index] += amount
    return sums


def rows_with_subtotals(rows, size, grouped=True, by_company=False, grand_total=True):
    """Stream customer rows with their subtotals, for a writer that writes rows in order.

    ``rows`` yields ``(company_key, group_key, amounts, row)``, ordered by company then group;
    ``amounts`` is a list of ``size`` numbers (``None`` counts as 0) to add up.
    Yields, in order:

    - ``("row", company_key, group_key, row)`` for each row;
    - ``("subtotal", company_key, group_key, sums)`` after the last row of each group (``grouped``);
    - ``("company_total", company_key, None, sums)`` after the last row of each company (``by_company``);
    - ``("grand_total", None, None, sums)`` at the end (``grand_total``; ``size`` zeros when no row).

    Only the running sums are kept, never the rows.
    """
    current_company = current_group = None
    group_sums = company_sums = total_sums = None
    started = False
    for company_key, group_key, amounts, row in rows:
        if started and grouped and (company_key, group_key) != (current_company, current_group):
            yield ("subtotal", current_company, current_group, group_sums)
            group_sums = None
        if started and by_company and company_key != current_company:
            yield ("company_total", current_company, None, company_sums)
            company_sums = None
        started = True
        current_company, current_group = company_key, group_key
        group_sums = _add(group_sums, amounts, size)
        company_sums = _add(company_sums, amounts, size)
        total_sums = _add(total_sums, amounts, size)
        yield ("row", company_key, group_key, row)
    if started and grouped:
        yield ("subtotal", current_company, current_group, group_sums)
    if started and by_company:
        yield ("company_total", current_company, None, company_sums)
    if grand_total:
        yield ("grand_total", None, None, total_sums or [0.0] * size)
