"""The aging report as an XLSX file: a summary sheet and a detail sheet, written with xlsxwriter in
``constant_memory`` mode (each row is written once, in order, and leaves memory when the next one starts).

The layout (columns, sheet names, number formats, safe text, subtotals) is in ``tools/xlsx_layout.py``;
this module reads the report's lines and items from PostgreSQL by batches and writes the cells.
Every text goes through ``write_string``: a customer named ``=1+1`` is text, never a formula.
"""

import io

import xlsxwriter

from odoo.tools.misc import format_date, get_lang

from ..tools import xlsx_layout as layout


class XlsxWriteError(RuntimeError):
    """xlsxwriter refused a cell (in constant_memory mode: a row written out of order)."""


class AgingXlsxWriter:
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

    def text(self, sheet, row, col, value, cell_format=None):
        self.check(sheet.write_string(row, col, layout.safe_text(value), cell_format), row, col)

    def number(self, sheet, row, col, value, cell_format=None):
        if value is None:
            return
        self.check(sheet.write_number(row, col, value, cell_format), row, col)

    def date(self, sheet, row, col, value):
        if value:
            self.check(sheet.write_datetime(row, col, value, self.fmt("date", num_format=self.date_format)), row, col)

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
        self.write_summary(self.workbook.add_worksheet(summary_name))
        if report.xlsx_detail:
            self.write_detail(self.workbook.add_worksheet(detail_name))
        self.workbook.close()
        return self.buffer.getvalue()

    def _multi_company(self):
        return len(self.report._allowed_company_ids()) > 1

    def write_summary(self, sheet):
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
        total_col, limit_col, used_col = (keys.index(key) for key in ("total", "credit_limit", "credit_used"))

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

        def source():
            for data in report._summary_rows(stream=True):
                yield data["company_id"], data["group_id"], data["cells"] + [data["total"]], data

        events = layout.rows_with_subtotals(
            source(), size, grouped=bool(report._group_column()), by_company=multi_company,
            grand_total=single_currency)
        row = header_row
        last_group_name = {}
        bold = self.fmt("bold", bold=True)
        total_text = self.fmt("total_text", bold=True, top=1, bottom=6)
        for kind, company_id, group_id, payload in events:
            row += 1
            if kind == "row":
                data = payload
                currency_id = data["currency_id"]
                money = self.money(currency_id)
                group_name = data["group_name"] or no_group
                last_group_name[company_id, group_id] = group_name
                self.text(sheet, row, 0, data["partner_name"])
                if "group" in keys:
                    self.text(sheet, row, keys.index("group"), group_name)
                if multi_company:
                    self.text(sheet, row, keys.index("company"), data["company_name"])
                for index, amount in enumerate(data["cells"]):
                    self.number(sheet, row, first_bucket + index, amount, money)
                self.number(sheet, row, total_col, data["total"], money)
                if data["credit_limit"]:
                    self.number(sheet, row, limit_col, data["credit_limit"], money)
                    self.number(sheet, row, used_col, data["credit_used_percent"] / 100.0, self.percent())
                continue
            currency_id = company_currency.get(company_id) if company_id else next(iter(company_currency.values()))
            if kind == "subtotal":
                group_name = last_group_name.get((company_id, group_id), no_group)
                label, text_format, style = env._("Subtotal %(group)s", group=group_name), bold, "bold"
            elif kind == "company_total":
                label = env._("Total %(company)s", company=env["res.company"].browse(company_id).name)
                text_format, style = total_text, "total"
            else:
                label, text_format, style = env._("Grand Total"), total_text, "total"
            money = self.money(currency_id, style)
            self.text(sheet, row, 0, label, text_format)
            if kind == "subtotal" and "group" in keys:
                self.text(sheet, row, keys.index("group"), group_name, text_format)
            if kind != "grand_total" and multi_company:
                self.text(sheet, row, keys.index("company"), env["res.company"].browse(company_id).name, text_format)
            for index, amount in enumerate(payload):
                self.number(sheet, row, first_bucket + index, amount, money)
        sheet.freeze_panes(header_row + 1, 1)
        sheet.autofilter(header_row, 0, max(row, header_row), len(columns) - 1)

    def write_detail(self, sheet):
        report, env = self.report, self.env
        labels = report.bucket_ids.sorted("bucket_index").mapped("name")
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
        columns = layout.detail_columns(words, self._multi_company())
        keys = [column.key for column in columns]
        self.headers(sheet, 0, columns)
        col = {key: index for index, key in enumerate(keys)}
        integer = self.fmt("integer", num_format="0")
        row = 0
        for item in report._iter_items():
            row += 1
            self.text(sheet, row, col["customer"], item["partner_name"])
            if "company" in col:
                self.text(sheet, row, col["company"], item["company_name"])
            self.text(sheet, row, col["invoice"], item["move_name"])
            self.date(sheet, row, col["invoice_date"], item["invoice_date"])
            self.date(sheet, row, col["due_date"], item["due_date"])
            self.number(sheet, row, col["days"], item["days_overdue"], integer)
            self.text(sheet, row, col["bucket"], labels[item["bucket_index"]])
            currency_id = item["currency_id"] or item["company_currency_id"]
            self.text(sheet, row, col["currency"], item["currency_name"])
            self.number(sheet, row, col["amount_currency"], item["amount_currency"], self.money(currency_id))
            self.number(sheet, row, col["amount"], item["amount"], self.money(item["company_currency_id"]))
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(row, 0), len(columns) - 1)


def render_aging_xlsx(report):
    """The report's XLSX file, as bytes."""
    return AgingXlsxWriter(report).render()
