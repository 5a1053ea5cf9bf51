"""The aging report as an XLSX file: a summary sheet and a detail sheet.

xlsxwriter (``constant_memory`` mode) builds the workbook: styles, sheets, column widths, the title and
parameters, the column headers, frozen panes and autofilters. The rows of customers and of open items
(50,000 and 1,000,000 of them on bench/aging.py's ledger) are written as SpreadsheetML text instead and
spliced into the finished file (``tools/xlsx_rows.py``): the customers' rows in Python, the items' rows by
PostgreSQL itself, streamed through a server-side cursor into the compressed sheet. xlsxwriter would spend
20-30 µs per cell on them (five minutes for the detail sheet).

The layout (columns, sheet names, number formats, safe text, subtotals) is in ``tools/xlsx_layout.py``.
Every text is written as an inline string: a customer named ``=1+1`` is text, never a formula.
"""

import io
import math
import queue
import threading
import zipfile

import xlsxwriter

from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_date, get_lang

from ..tools import xlsx_layout as layout
from ..tools import xlsx_rows

# Characters an XML file cannot hold, removed from the texts PostgreSQL writes into the detail sheet (as
# xlsx_layout.safe_text() does in Python), as a PostgreSQL regular expression (regexp_replace() is ten times
# faster than translate() there).
_XML_ILLEGAL_RE = r"[\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"


def _escaped(expression):
    """The SQL of a text as XML content (as xlsx_rows.escape() does in Python)."""
    return SQL(
        "replace(replace(replace(left(regexp_replace(%s, %s, '', 'g'), %s), '&', '&amp;'), '<', '&lt;'), "
        "'>', '&gt;')", expression, _XML_ILLEGAL_RE, layout.MAX_CELL_TEXT)


def _sql_cell(value, style=None):
    """A cell's format() template and the SQL of its values, the cell written without its reference (optional
    in SpreadsheetML: a cell without one is the next column's): a text (already XML content) when ``style``
    is None, else a number with that style (an xf index, or the SQL of it). NULL text is an empty text, a NULL
    number 0 (see _sql_number_or_empty for a number that may be missing)."""
    if style is None:
        return '<c t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>', [value]
    if isinstance(style, int):
        return f'<c s="{style}"><v>%s</v></c>', [SQL("COALESCE(%s, 0)", value)]
    return '<c s="%s"><v>%s</v></c>', [style, SQL("COALESCE(%s, 0)", value)]


def _sql_number_or_empty(value, style):
    """A number cell, or an empty cell (keeping the next cells in their columns) when ``value`` is NULL; ``style``
    an xf index or the SQL of it."""
    style = SQL("%s", str(style)) if isinstance(style, int) else style
    return "%s", [SQL("""COALESCE('<c s="' || %s || '"><v>' || %s || '</v></c>', '<c/>')""", style, value)]


def _sql_cells(cells):
    """The SQL of a row's cells in one format() call (one pass, where a concatenation per piece would copy the
    row's text again and again): ``cells`` a list of (template, values) from _sql_cell()."""
    return SQL("format(%s, %s)", "".join(template for template, _values in cells),
               SQL(", ").join(value for _template, values in cells for value in values))


class XlsxWriteError(RuntimeError):
    """xlsxwriter refused a cell (in constant_memory mode: a row written out of order)."""


class AgingXlsxWriter:
    detail_rows_per_sheet = xlsx_rows.MAX_ROWS - 1
    """Items per detail sheet: Excel's rows under the header row; more items go on in "Detail (2)"..."""

    def __init__(self, report):
        report.ensure_one()
        self.report = report
        self.env = report.env
        self.buffer = io.BytesIO()
        # No in_memory option: it would turn constant_memory off. The worksheets stream to temporary
        # files; only the finished zip is assembled in the buffer.
        self.workbook = xlsxwriter.Workbook(self.buffer, {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        })
        self._formats = {}
        self._currencies = {}
        self.date_format = layout.date_format(get_lang(self.env).date_format)

    # Formats
    def fmt(self, key, **properties):
        """A workbook format, created once per key."""
        if key not in self._formats:
            self._formats[key] = self.workbook.add_format({"font_size": 10, **properties})
        return self._formats[key]

    def currency(self, currency_id):
        if currency_id not in self._currencies:
            self._currencies[currency_id] = self.env["res.currency"].browse(currency_id)
        return self._currencies[currency_id]

    def money(self, currency_id, style="normal"):
        """The number format of a currency: its decimal places (0 for VND) and its symbol."""
        key = ("money", currency_id, style)
        if key not in self._formats:  # called for every amount: the cache first
            currency = self.currency(currency_id)
            number = layout.number_format(currency.decimal_places, currency.symbol, currency.position)
            extra = {"normal": {}, "bold": {"bold": True}, "total": {"bold": True, "top": 1, "bottom": 6}}[style]
            self.fmt(key, num_format=number, **extra)
        return self._formats[key]

    def percent(self, style="normal"):
        return self.fmt(("percent", style), num_format=layout.percent_format(1), bold=style != "normal")

    # Cells
    @staticmethod
    def check(result, row, col):
        if result != 0:
            raise XlsxWriteError(f"xlsxwriter refused the cell at row {row}, column {col} (code {result})")

    @staticmethod
    def xf(cell_format):
        """The style index of an xlsxwriter format in the file, for the cells written as XML text. The
        format is then written into the file's styles, as for a cell written by xlsxwriter itself."""
        return cell_format._get_xf_index() if cell_format is not None else 0

    def text(self, sheet, row, col, value, cell_format=None):
        self.check(sheet.write_string(row, col, layout.safe_text(value), cell_format), row, col)

    def headers(self, sheet, row, columns):
        header = self.fmt("header", bold=True, text_wrap=True, valign="top", bottom=1, bg_color="#E9ECEF")
        for col, column in enumerate(columns):
            sheet.set_column(col, col, column.width)
            self.text(sheet, row, col, column.header, header)

    # Sheets
    def render(self):
        report = self.report
        report._ensure_lines()
        env = self.env
        summary_name = layout.sheet_name(env._("Summary"))
        detail_name = layout.sheet_name(env._("Detail"), used=[summary_name])
        sheets = [self.workbook.add_worksheet(summary_name)]
        splices = {xlsx_rows.worksheet_path(0): self.write_summary(sheets[0])}
        if report.xlsx_detail:
            count = self._item_count()
            per_sheet = self.detail_rows_per_sheet
            stream = _SheetStream(self._detail_rows(), per_sheet, env._(
                "The open items changed since the report was computed: compute it again."))
            sheet_count = max(1, math.ceil(count / per_sheet))
            for index in range(sheet_count):
                # more than Excel's rows: the items go on in "Detail (2)", "Detail (3)"...
                name = layout.sheet_name(f"{detail_name} ({index + 1})", used=[sheet.name for sheet in sheets]) \
                    if index else detail_name
                sheet = self.workbook.add_worksheet(name)
                sheets.append(sheet)
                rows = min(per_sheet, count - index * per_sheet)
                dimension = self.write_detail_header(sheet, rows)
                splices[xlsx_rows.worksheet_path(len(sheets) - 1)] = (stream.sheet(index, sheet_count), dimension)
        self.workbook.close()
        output = io.BytesIO()
        self.buffer.seek(0)
        _splice_in_thread(self.buffer, output, splices)
        return output.getvalue()

    def _multi_company(self):
        return len(self.report._allowed_company_ids()) > 1

    def _item_count(self):
        """The open items of the report, as its lines count them (same query, same transaction)."""
        self.env.cr.execute(SQL(
            "SELECT COALESCE(SUM(item_count), 0) FROM debt_aging_report_line WHERE report_id = %s", self.report.id))
        return self.env.cr.fetchone()[0]

    def write_summary(self, sheet):
        """Write the top of the summary sheet; return its rows of customers and totals (as XML text) and its
        dimension, for :func:`xlsx_rows.splice`."""
        report, env = self.report, self.env
        labels = report.bucket_ids.sorted("bucket_index").mapped("name")
        words = {
            "customer": env._("Customer"), "company": env._("Company"), "total": env._("Total"),
            "credit_limit": env._("Credit Limit"), "credit_used": env._("% Used"),
        }
        multi_company = self._multi_company()
        columns = layout.summary_columns(words, labels, report._group_header(), multi_company)
        keys = [column.key for column in columns]
        first_bucket = keys.index("bucket_0")
        group_col = keys.index("group") if "group" in keys else None
        company_col = keys.index("company") if multi_company else None

        # Title and parameters
        parameters = report._export_parameters()
        first_parameter_row, header_row = layout.header_rows(len(parameters))
        title = env._("Aging as of %(date)s", date=format_date(env, report.date_at))
        self.text(sheet, 0, 0, title, self.fmt("title", bold=True, font_size=14))
        label_format = self.fmt("label", bold=True)
        for offset, (label, value) in enumerate(parameters):
            self.text(sheet, first_parameter_row + offset, 0, label, label_format)
            self.text(sheet, first_parameter_row + offset, 1, value)
        self.headers(sheet, header_row, columns)

        # Customers, subtotals and totals, in the order they are read
        companies = env["res.company"].browse(report._allowed_company_ids())
        single_currency = len(companies.currency_id) <= 1
        company_currency = {company.id: company.currency_id.id for company in companies}
        no_group = report._no_group_label()
        size = len(labels) + 1  # the bucket columns and the total

        # the customers' cells are written by PostgreSQL (as the items' of the detail sheet), the subtotals here
        money_styles = {currency_id: self.xf(self.money(currency_id)) for currency_id in set(company_currency.values())}
        company_money = SQL("COALESCE((%s::int[])[comp.currency_id], 0)",
                            [money_styles.get(currency_id, 0) for currency_id in range(1, max(money_styles) + 1)])
        cells = [_sql_cell(_escaped(SQL("p.name")))]
        if group_col is not None:
            cells.append(_sql_cell(SQL("COALESCE(%s, %s)", _escaped(SQL("grp_p.name")), xlsx_rows.escape(no_group))))
        if company_col is not None:
            cells.append(_sql_cell(_escaped(SQL("comp.name"))))
        cells += [_sql_number_or_empty(SQL("c.cells[%s]", index + 1), company_money) for index in range(len(labels))]
        cells += [
            _sql_cell(SQL("c.total"), company_money),
            _sql_number_or_empty(SQL("NULLIF(c.credit_limit, 0)"), company_money),
            _sql_number_or_empty(SQL("CASE WHEN c.credit_limit != 0 THEN c.credit_used_percent / 100.0 END"),
                                 self.xf(self.percent())),
        ]
        customer_cells = _sql_cells(cells)

        def source():
            for data in report._summary_rows(stream=True, select=customer_cells):
                yield data["company_id"], data["group_id"], data["cells"] + [data["total"]], data

        events = layout.rows_with_subtotals(
            source(), size, grouped=bool(report._group_column()), by_company=multi_company,
            grand_total=single_currency)
        text_cell, number_cells = xlsx_rows.text_cell, xlsx_rows.number_cells
        bold = self.xf(self.fmt("bold", bold=True))
        total_text = self.xf(self.fmt("total_text", bold=True, top=1, bottom=6))
        money_styles = {}

        def money(currency_id, style="normal"):
            if (currency_id, style) not in money_styles:
                money_styles[currency_id, style] = self.xf(self.money(currency_id, style))
            return money_styles[currency_id, style]

        rows = []
        row = header_row
        last_group_name = {}
        for kind, company_id, group_id, payload in events:
            row += 1
            if kind == "row":
                last_group_name[company_id, group_id] = payload["group_name"] or no_group
                rows.append(f'<row r="{row + 1}">{payload["extra"]}</row>')
                continue
            currency_id = company_currency.get(company_id) if company_id else next(iter(company_currency.values()))
            if kind == "subtotal":
                group_name = last_group_name.get((company_id, group_id), no_group)
                label, text_style, style = env._("Subtotal %(group)s", group=group_name), bold, "bold"
            elif kind == "company_total":
                label = env._("Total %(company)s", company=env["res.company"].browse(company_id).name)
                text_style, style = total_text, "total"
            else:
                label, text_style, style = env._("Grand Total"), total_text, "total"
            style = money(currency_id, style)
            cells = [text_cell(row, 0, label, text_style)]
            if kind == "subtotal" and group_col is not None:
                cells.append(text_cell(row, group_col, group_name, text_style))
            if kind != "grand_total" and company_col is not None:
                cells.append(text_cell(row, company_col, env["res.company"].browse(company_id).name, text_style))
            # sums of floats (0.1 + 0.2 = 0.30000000000000004): written rounded as the currency rounds, as shown
            currency = self.currency(currency_id)
            cells.append(number_cells(row, first_bucket, [currency.round(value) for value in payload], style))
            rows.append(xlsx_rows.row_xml(row, cells))
        sheet.freeze_panes(header_row + 1, 1)
        sheet.autofilter(header_row, 0, max(row, header_row), len(columns) - 1)
        return _chunks(rows), xlsx_rows.dimension_ref(max(row, header_row), len(columns) - 1)

    def _detail_columns(self):
        report, env = self.report, self.env
        days_header = {
            "invoice_date": env._("Days Since Invoice"),
            "credit_days": env._("Days Past Credit Term"),
        }.get(report.basis, env._("Days Overdue"))
        words = {
            "customer": env._("Customer"), "company": env._("Company"), "invoice": env._("Invoice"),
            "invoice_date": env._("Invoice Date"), "due_date": env._("Due Date"), "days": days_header,
            "bucket": env._("Column"), "currency": env._("Currency"), "amount_currency": env._("Amount in Currency"),
            "amount": env._("Open Amount"),
        }
        return layout.detail_columns(words, self._multi_company())

    def write_detail_header(self, sheet, rows):
        """Write the top of a detail sheet that will hold ``rows`` items; return its dimension."""
        columns = self._detail_columns()
        self.headers(sheet, 0, columns)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(rows, 0), len(columns) - 1)
        return xlsx_rows.dimension_ref(max(rows, 0), len(columns) - 1)

    def _detail_rows(self):
        """The detail sheets' rows, as 1-tuples of the XML text of their cells, in order, written by PostgreSQL from
        the report's items query and read by batches from a server-side cursor."""
        report = self.report
        labels = report.bucket_ids.sorted("bucket_index").mapped("name")
        columns = self._detail_columns()
        date_style = self.xf(self.fmt("date", num_format=self.date_format))
        integer_style = self.xf(self.fmt("integer", num_format="0"))
        # the number format of every currency an item may be in (its own, its company's): a few styles, as an
        # array indexed by currency id (cheaper per row than a lookup in a JSON object)
        self.env.cr.execute(SQL(
            "SELECT id FROM res_currency WHERE active OR id IN %s ORDER BY id",
            tuple(self.env["res.company"].browse(report._allowed_company_ids()).currency_id.ids) or (None,)))
        money_styles = {currency_id: self.xf(self.money(currency_id)) for (currency_id,) in self.env.cr.fetchall()}
        default_money = next(iter(money_styles.values()), 0)
        money = [money_styles.get(currency_id, default_money)
                 for currency_id in range(1, max(money_styles, default=0) + 1)]

        def by_id(names):
            """The XML content of texts known by id (companies, currencies), as an array indexed by id."""
            return [xlsx_rows.escape(names.get(index, "")) for index in range(1, max(names, default=0) + 1)]

        companies = self.env["res.company"].browse(report._allowed_company_ids())
        company_names = by_id({company.id: company.name for company in companies})
        currencies = self.env["res.currency"].with_context(active_test=False).search_fetch([], ["name"])
        currency_names = by_id({currency.id: currency.name for currency in currencies})
        # the customers' names escaped once per customer, not once per item, and their order as a number (the
        # million items are sorted on numbers, not on names); of every partner: a condition here would make
        # PostgreSQL guess a few rows and plan nested loops over the items
        partner_table = SQL(
            "(SELECT id, name, %s AS xml_name, ROW_NUMBER() OVER (ORDER BY name, id) AS name_rank FROM res_partner)",
            _escaped(SQL("name")))

        own_money = SQL("COALESCE((%s::int[])[COALESCE(i.currency_id, comp.currency_id)], %s)", money, default_money)
        company_money = SQL("COALESCE((%s::int[])[comp.currency_id], %s)", money, default_money)

        def select(bucket, order):
            spec = {  # column: (value, style)
                "customer": (SQL("p.xml_name"), None),
                "company": (SQL("(%s::text[])[i.company_id]", company_names), None),
                "invoice": (_escaped(SQL("i.move_name")), None),
                "invoice_date": (SQL("(i.invoice_date - DATE '1899-12-30')"), date_style),
                "due_date": (SQL("(i.due_date - DATE '1899-12-30')"), date_style),
                "days": (SQL("i.days_overdue"), integer_style),
                "bucket": (SQL("(%s::text[])[%s + 1]", [xlsx_rows.escape(label) for label in labels], bucket), None),
                "currency": (SQL("(%s::text[])[i.currency_id]", currency_names), None),
                "amount_currency": (SQL("i.amount_currency"), own_money),
                "amount": (SQL("i.amount"), company_money),
            }
            # Python numbers the rows (a window function numbering them would copy the million rows into a
            # temporary file)
            return _sql_cells([_sql_cell(*spec[column.key]) for column in columns])

        report.env.flush_all()
        query = report._items_query(select=select, partner_table=partner_table, partner_order=SQL("p.name_rank"))
        return report._stream(query, batch_size=20000, dicts=False)


_END = object()  # the end of one sheet's rows in _splice_in_thread's pipe


def _splice_in_thread(source, target, sheets, depth=4):
    """:func:`xlsx_rows.splice` with the compression in a worker thread and the reading of the rows here.

    The rows of ``sheets`` are read by the caller's thread, the request's, the only one that uses the request's
    cursor (a cursor is not thread-safe; the rows of the summary and of the detail sheets come from its
    server-side cursors), and handed to the worker through a queue of at most ``depth`` chunks: PostgreSQL
    writes the next rows while the worker compresses the last ones (zlib releases the GIL: the machine's other
    core). The worker touches no cursor, no environment; an error there or here stops both and is raised here.
    """
    with zipfile.ZipFile(source) as zin:  # the order in which splice() reads the sheets: the file's
        order = [name for name in zin.namelist() if name in sheets]
    source.seek(0)
    pipe = queue.Queue(maxsize=depth)
    failure = []
    aborted = threading.Event()

    def piped_rows():
        while True:
            chunk = pipe.get()
            if chunk is _END:
                return
            if aborted.is_set():
                raise RuntimeError("the rows of the XLSX file were not all read")
            yield chunk

    def work():
        try:
            xlsx_rows.splice(source, target, {path: (piped_rows(), dimension)
                                              for path, (_rows, dimension) in sheets.items()})
        except Exception as error:  # noqa: BLE001 - handed to the caller's thread, raised there
            failure.append(error)

    def put(item):
        while worker.is_alive():
            try:
                pipe.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    worker = threading.Thread(target=work, name="debt_aging_xlsx_splice", daemon=True)
    worker.start()
    try:
        for path in order:
            for chunk in sheets[path][0]:  # the cursor is read here, in the request's thread
                if not put(chunk):
                    break
            if not put(_END):
                break
    except BaseException:
        aborted.set()
        put(None)  # wakes the worker up if it waits for rows: it stops there
        raise
    finally:
        worker.join()
    if failure:
        raise failure[0]


class _SheetStream:
    """The rows of the detail sheets (1-tuples of the XML text of their cells), in order, handed out
    sheet by sheet: ``per_sheet`` rows per sheet, numbered from the second row of each sheet (under the header),
    as an iterable of text chunks per sheet, the sheets read in order (as the splice writes them)."""

    def __init__(self, rows, per_sheet, stale_message, chunk_size=20000):
        self.rows = iter(rows)
        self.per_sheet = per_sheet
        self.stale_message = stale_message
        self.chunk_size = chunk_size
        self.sheets_read = 0

    def sheet(self, index, sheet_count):
        if index != self.sheets_read:
            raise RuntimeError(f"detail sheet {index} read out of order")
        self.sheets_read += 1
        chunk = []
        row = 1  # 0-based; the header is row 0
        for (cells,) in self.rows:
            chunk.append(f'<row r="{row + 1}">{cells}</row>')
            row += 1
            if len(chunk) >= self.chunk_size:
                yield "".join(chunk)
                chunk = []
            if row > self.per_sheet:
                break
        if chunk:
            yield "".join(chunk)
        if index == sheet_count - 1 and next(self.rows, None) is not None:
            # more items than the report's lines count: they changed since it was computed
            raise UserError(self.stale_message)


def _chunks(rows, size=5000):
    for start in range(0, len(rows), size):
        yield "".join(rows[start:start + size])


def render_aging_xlsx(report):
    """The report's XLSX file, as bytes."""
    return AgingXlsxWriter(report).render()
