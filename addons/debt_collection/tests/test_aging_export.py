import base64
import io
import unittest
from unittest.mock import patch

import openpyxl
from markupsafe import escape

from odoo import Command, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.base.models.ir_actions_report import wkhtmltopdf_state
from odoo.addons.debt_collection.reports.aging_xlsx import AgingXlsxWriter
from odoo.addons.debt_collection.tools import xlsx_layout

from .common import DebtCollectionCommon

LABELS = ["Not due", "1-15", "16-30", "31-45", "46-60", "61-75", "76-90", "Over 90"]
HEADERS = ["Customer", "Salesperson", *LABELS, "Total", "Credit Limit", "% Used"]
FORMULA_NAME = "=1+1"
HYPERLINK_NAME = '=HYPERLINK("http://example.com","click")'


@tagged("post_install", "-at_install")
class TestAgingExport(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        sales_a, sales_b = cls.salesman_a, cls.salesman_b
        cls.acme = cls._customer("ACME Export", user_id=sales_a.id)
        cls.acme.with_company(cls.company).sudo().credit_limit = 5000.0
        cls.formula = cls._customer(FORMULA_NAME, user_id=sales_a.id)
        cls.hyperlink = cls._customer(HYPERLINK_NAME, user_id=sales_b.id)
        cls.collected_by_a = cls._customer("Collected By A", user_id=sales_b.id, collector_id=sales_a.id)
        cls.no_seller = cls._customer("No Seller Ltd")
        cls.customers = cls.acme | cls.formula | cls.hyperlink | cls.collected_by_a | cls.no_seller

        cls.inv_15 = cls._invoice(cls.acme, 1000.0, 15)  # 1-15
        cls._invoice(cls.acme, 500.0, 16)  # 16-30
        cls._invoice(cls.acme, 200.0, 0)  # not due
        cls.refund = cls._invoice(cls.acme, 100.0, 40, move_type="out_refund")  # -100 in 31-45
        cls.inv_eur = cls._invoice(cls.acme, 400.0, 50, currency=cls.eur)  # 200.00 USD in 46-60
        cls._invoice(cls.formula, 300.0, 100)  # over 90
        cls._invoice(cls.hyperlink, 70.0, 5)  # 1-15
        cls._invoice(cls.collected_by_a, 60.0, 20)  # 16-30
        cls._invoice(cls.no_seller, 40.0, 30)  # 16-30

    # helpers
    def _report(self, user=None, **values):
        env = self.env(user=user) if user else self.env
        report = env["debt.aging.report"].create({"partner_ids": [Command.set(self.customers.ids)], **values})
        report._compute_lines()
        return report

    def _workbook(self, report):
        content = report._render_xlsx()
        self.assertEqual(content[:2], b"PK")  # a zip file
        return openpyxl.load_workbook(io.BytesIO(content))

    @staticmethod
    def _summary(book):
        """(header row number, headers, rows after the header as lists of cells)."""
        sheet = book.worksheets[0]
        rows = list(sheet.iter_rows())
        header_index = next(i for i, row in enumerate(rows) if row[0].value == "Customer")
        headers = [cell.value for cell in rows[header_index] if cell.value is not None]
        return header_index + 1, headers, [row for row in rows[header_index + 1:] if row[0].value is not None]

    @staticmethod
    def _values(row, start, count):
        return [round(cell.value or 0.0, 2) for cell in row[start:start + count]]

    def _line_cells(self, report, partner):
        cells = [0.0] * len(report.bucket_ids)
        for line in report.line_ids.filtered(lambda ln: ln.partner_id == partner):
            cells[line.bucket_index] += line.amount
        return [round(amount, 2) for amount in cells]

    # XLSX
    def test_xlsx_summary_sheet(self):
        report = self._report()
        book = self._workbook(report)
        self.assertEqual(book.sheetnames, ["Summary", "Detail"])
        sheet = book["Summary"]
        self.assertEqual(sheet["A1"].value, "Aging as of 06/15/2026")
        parameters = {sheet.cell(row, 1).value: sheet.cell(row, 2).value for row in range(2, 12)}
        self.assertEqual(parameters["As of"], "06/15/2026")
        self.assertEqual(parameters["Age from"], "Due date")
        self.assertEqual(parameters["Columns"], "Every 15 days: " + " | ".join(LABELS))
        self.assertEqual(parameters["Group by"], "Salesperson")
        self.assertIn("ACME Export", parameters["Customers"])

        header_row, headers, rows = self._summary(book)
        self.assertEqual(headers, HEADERS)
        self.assertEqual(sheet.freeze_panes, f"B{header_row + 1}")
        self.assertEqual(sheet.auto_filter.ref, f"A{header_row}:M{header_row + len(rows)}")

        # one row per customer; its cells and total are its lines
        by_name = {row[0].value: row for row in rows}
        for partner in self.customers:
            row = by_name[partner.name]
            cells = self._line_cells(report, partner)
            self.assertEqual(self._values(row, 2, 8), cells, partner.name)
            self.assertAlmostEqual(row[10].value, sum(cells), places=2)
        acme = by_name["ACME Export"]
        self.assertEqual(self._values(acme, 2, 8), [200.0, 1000.0, 500.0, -100.0, 200.0, 0.0, 0.0, 0.0])
        self.assertEqual(acme[1].value, "Sales A")
        self.assertEqual((acme[10].value, acme[11].value, round(acme[12].value, 4)), (1800.0, 5000.0, 0.36))
        self.assertIsNone(by_name[FORMULA_NAME][11].value)  # no credit limit: empty, not 0
        self.assertIsNone(acme[7].value)  # nothing in 61-75: an empty cell, not 0, and the next cells in place
        self.assertEqual(by_name["No Seller Ltd"][1].value, "No salesperson")

        # subtotal rows after their customers, and the grand total last
        labels = [row[0].value for row in rows]
        self.assertEqual(labels[-1], "Grand Total")
        subtotals = {label: rows[i] for i, label in enumerate(labels) if label.startswith("Subtotal ")}
        self.assertEqual(list(subtotals), ["Subtotal Sales A", "Subtotal Sales B", "Subtotal No salesperson"])
        self.assertLess(labels.index("ACME Export"), labels.index("Subtotal Sales A"))
        self.assertLess(labels.index(FORMULA_NAME), labels.index("Subtotal Sales A"))
        self.assertLess(labels.index("Subtotal Sales A"), labels.index(HYPERLINK_NAME))
        self.assertEqual(self._values(subtotals["Subtotal Sales A"], 2, 9),
                         [200.0, 1000.0, 500.0, -100.0, 200.0, 0.0, 0.0, 300.0, 2100.0])
        self.assertEqual(self._values(subtotals["Subtotal Sales B"], 2, 9),
                         [0.0, 70.0, 60.0, 0.0, 0.0, 0.0, 0.0, 0.0, 130.0])
        self.assertEqual(self._values(subtotals["Subtotal No salesperson"], 2, 9),
                         [0.0, 0.0, 40.0, 0.0, 0.0, 0.0, 0.0, 0.0, 40.0])
        grand = self._values(rows[-1], 2, 9)
        self.assertEqual(grand, [200.0, 1070.0, 600.0, -100.0, 200.0, 0.0, 0.0, 300.0, 2270.0])
        self.assertAlmostEqual(grand[-1], sum(report.line_ids.mapped("amount")), places=2)
        # the sums of the subtotals are the grand total
        for index in range(9):
            self.assertAlmostEqual(
                sum(self._values(row, 2, 9)[index] for row in subtotals.values()), grand[index], places=2)

        # money in the company currency's format (USD: 2 decimals, "$" before); % as a percentage
        money = xlsx_layout.number_format(2, "$", "before")
        self.assertEqual(acme[3].number_format, money)
        self.assertEqual(acme[10].number_format, money)
        self.assertEqual(rows[-1][10].number_format, money)
        self.assertEqual(acme[12].number_format, "0.0%")

    def test_xlsx_text_stays_text(self):
        book = self._workbook(self._report())
        _header_row, _headers, rows = self._summary(book)
        cells = {row[0].value: row[0] for row in rows}
        for name in (FORMULA_NAME, HYPERLINK_NAME):
            self.assertEqual(cells[name].value, name)
            self.assertEqual(cells[name].data_type, "s", name)  # a string, not a formula ("f")
        detail = [row[0] for row in book["Detail"].iter_rows(min_row=2)]
        formula_cells = [cell for cell in detail if cell.value == FORMULA_NAME]
        self.assertEqual(len(formula_cells), 1)
        self.assertEqual(formula_cells[0].data_type, "s")

    def test_xlsx_detail_sheet(self):
        report = self._report()
        sheet = self._workbook(report)["Detail"]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(list(rows[0]), [
            "Customer", "Invoice", "Invoice Date", "Due Date", "Days Overdue", "Column", "Currency",
            "Amount in Currency", "Open Amount"])
        self.assertEqual(sheet.freeze_panes, "B2")
        self.assertEqual(sheet.auto_filter.ref, f"A1:I{len(rows)}")
        items = report._fetch_items()
        self.assertEqual(len(rows) - 1, len(items))
        self.assertEqual(len(items), 9)
        # each row is an item, in the order of the query
        for row, item in zip(rows[1:], items, strict=True):
            self.assertEqual(row[0], item["partner_name"])
            self.assertEqual(row[1], item["move_name"])
            self.assertEqual(row[3].date(), item["due_date"])
            self.assertEqual(row[4], item["days_overdue"])
            self.assertEqual(row[5], LABELS[item["bucket_index"]])
            self.assertAlmostEqual(row[8], item["amount"], places=2)
        # the items add up to the lines
        self.assertAlmostEqual(sum(row[8] for row in rows[1:]), sum(report.line_ids.mapped("amount")), places=2)
        by_invoice = {row[1]: row for row in rows[1:]}
        invoice = by_invoice[self.inv_15.name]
        self.assertEqual(invoice[:7], ("ACME Export", self.inv_15.name, invoice[2], invoice[3], 15, "1-15", "USD"))
        self.assertEqual(invoice[2].date(), self.inv_15.invoice_date)
        refund = by_invoice[self.refund.name]
        self.assertEqual((refund[5], refund[7], refund[8]), ("31-45", -100.0, -100.0))
        # the foreign-currency invoice: its own currency and amount, and the company-currency open amount
        eur = by_invoice[self.inv_eur.name]
        self.assertEqual((eur[5], eur[6], eur[7], eur[8]), ("46-60", "EUR", 400.0, 200.0))
        eur_cells = next(row for row in sheet.iter_rows(min_row=2) if row[1].value == self.inv_eur.name)
        self.assertEqual(eur_cells[7].number_format, xlsx_layout.number_format(2, "€", "after"))
        self.assertEqual(eur_cells[8].number_format, xlsx_layout.number_format(2, "$", "before"))

    def test_xlsx_text_with_markup_and_control_characters(self):
        """Names are XML-escaped (PostgreSQL writes the detail rows, Python the summary rows) and characters an
        .xlsx file cannot hold are dropped, in both sheets."""
        odd = self._customer("Tom & Jerry <Ltd>\x02 ", user_id=self.salesman_a.id)
        self._invoice(odd, 10.0, 3)
        report = self.env["debt.aging.report"].create({"partner_ids": [Command.set((self.acme | odd).ids)]})
        report._compute_lines()
        book = self._workbook(report)
        _header_row, _headers, rows = self._summary(book)
        self.assertIn("Tom & Jerry <Ltd> ", [row[0].value for row in rows])
        detail = [row for row in book["Detail"].iter_rows(min_row=2, values_only=True)]
        self.assertEqual([row[0] for row in detail if row[0].startswith("Tom")], ["Tom & Jerry <Ltd> "])

    def test_xlsx_detail_over_several_sheets(self):
        """More items than a sheet holds (Excel: 1,048,575 under the header) go on in "Detail (2)"... in order."""
        report = self._report()
        one_sheet = list(self._workbook(report)["Detail"].iter_rows(min_row=2, values_only=True))
        self.assertEqual(len(one_sheet), 9)
        with patch.object(AgingXlsxWriter, "detail_rows_per_sheet", 4):
            book = self._workbook(report)
        self.assertEqual(book.sheetnames, ["Summary", "Detail", "Detail (2)", "Detail (3)"])
        sheets = [book[name] for name in book.sheetnames[1:]]
        for sheet in sheets:
            self.assertEqual(sheet["A1"].value, "Customer")
            self.assertEqual(sheet.freeze_panes, "B2")
        self.assertEqual([sheet.max_row - 1 for sheet in sheets], [4, 4, 1])
        self.assertEqual([sheet.auto_filter.ref for sheet in sheets], ["A1:I5", "A1:I5", "A1:I2"])
        split = [row for sheet in sheets for row in sheet.iter_rows(min_row=2, values_only=True)]
        self.assertEqual(split, one_sheet)

    def test_xlsx_items_changed_since_the_report(self):
        """Lines computed earlier, more items now than the detail sheets were laid out for: a clear error,
        not a broken file."""
        report = self._report()
        self._invoice(self.acme, 10.0, 1)
        with patch.object(AgingXlsxWriter, "detail_rows_per_sheet", 3), \
                self.assertRaisesRegex(UserError, "changed since the report was computed"):
            report._render_xlsx()
        # computed again, the file is right
        report._compute_lines()
        with patch.object(AgingXlsxWriter, "detail_rows_per_sheet", 3):
            book = self._workbook(report)
        self.assertEqual(len(book.sheetnames), 5)  # the summary and 10 items over 4 sheets

    def test_xlsx_grouped_by_collector_and_ungrouped(self):
        _header_row, headers, rows = self._summary(self._workbook(self._report(groupby="collector")))
        self.assertEqual(headers[1], "Collector")
        labels = [row[0].value for row in rows]
        self.assertEqual([label for label in labels if label.startswith("Subtotal")],
                         ["Subtotal Sales A", "Subtotal Sales B", "Subtotal No collector"])
        subtotal_a = rows[labels.index("Subtotal Sales A")]
        self.assertAlmostEqual(subtotal_a[10].value, 1800.0 + 300.0 + 60.0, places=2)  # with Collected By A
        self.assertLess(labels.index("Collected By A"), labels.index("Subtotal Sales A"))

        _header_row, headers, rows = self._summary(self._workbook(self._report(groupby="none")))
        self.assertEqual(headers, ["Customer", *LABELS, "Total", "Credit Limit", "% Used"])
        labels = [row[0].value for row in rows]
        self.assertEqual(len(labels), 6)  # five customers and the grand total
        self.assertEqual(labels[-1], "Grand Total")
        self.assertAlmostEqual(rows[-1][9].value, 2270.0, places=2)

    def test_xlsx_other_basis_and_intervals(self):
        report = self._report(basis="invoice_date", interval_mode="width", interval_width=30, interval_count=2)
        book = self._workbook(report)
        _header_row, headers, rows = self._summary(book)
        self.assertEqual(headers[2:6], ["Not due", "1-30", "31-60", "Over 60"])
        self.assertEqual(book["Detail"]["E1"].value, "Days Since Invoice")
        self.assertAlmostEqual(rows[-1][6].value, 2270.0, places=2)

    def test_xlsx_zero_decimal_currency_and_several_companies(self):
        vnd = self.env.ref("base.VND")
        vnd.active = True
        company_vn = self.setup_other_company(name="Công ty Việt", currency_id=vnd.id)["company"]
        self._invoice(self.acme, 1234567.0, 20, company=company_vn)
        report = self._report(company_ids=[Command.set(company_vn.ids)])
        book = self._workbook(report)
        _header_row, headers, rows = self._summary(book)
        acme = next(row for row in rows if row[0].value == "ACME Export")
        self.assertEqual(acme[4].value, 1234567.0)
        self.assertEqual(acme[4].number_format, "#,##0\u00a0\"₫\";-#,##0\u00a0\"₫\"")  # VND: no decimals
        self.assertEqual(rows[-1][0].value, "Grand Total")
        detail = list(book["Detail"].iter_rows(min_row=2))
        self.assertEqual([(row[6].value, row[8].value) for row in detail], [("VND", 1234567.0)])
        self.assertEqual(detail[0][8].number_format, xlsx_layout.number_format(0, "₫", "after"))

        # both companies: a company column, a total per company, no grand total over two currencies
        report = self._report(company_ids=[Command.set((self.company | company_vn).ids)])
        _header_row, headers, rows = self._summary(self._workbook(report))
        self.assertEqual(headers[:3], ["Customer", "Salesperson", "Company"])
        labels = [row[0].value for row in rows]
        totals = [label for label in labels if label.startswith("Total ")]
        self.assertEqual(sorted(totals), sorted([f"Total {self.company.name}", "Total Công ty Việt"]))
        self.assertNotIn("Grand Total", labels)
        total_vn = rows[labels.index("Total Công ty Việt")]
        self.assertEqual(total_vn[11].value, 1234567.0)  # the total column moved right by the company column
        self.assertEqual(total_vn[11].number_format, xlsx_layout.number_format(0, "₫", "after"))
        total_us = rows[labels.index(f"Total {self.company.name}")]
        self.assertAlmostEqual(total_us[11].value, 2270.0, places=2)

        # the PDF too: a section per company in its own currency, VND without decimals
        summary = self.env["report.debt_collection.report_debt_aging"]._get_report_values(report.ids)[
            "summaries"][report.id]
        self.assertEqual(summary["currency_note"], "")
        headings = [row["label"] for row in summary["rows"] if row["kind"] == "company"]
        self.assertIn("Công ty Việt (amounts in VND)", headings)
        self.assertIn(f"{self.company.name} (amounts in USD)", headings)
        totals = {row["label"]: row["total"] for row in summary["rows"] if row["kind"] == "company_total"}
        self.assertEqual(totals, {"Total Công ty Việt": "1,234,567", f"Total {self.company.name}": "2,270.00"})
        self.assertNotIn("grand_total", [row["kind"] for row in summary["rows"]])

    def test_xlsx_totals_written_to_the_cent(self):
        # 0.10 + 0.20 + 0.40 in binary floats is 0.7000000000000001: the subtotal and the grand total are written
        # as the cents they are, not as that float
        customers = self.env["res.partner"]
        for name, amount in (("Cents A", 0.10), ("Cents B", 0.20), ("Cents C", 0.40)):
            customers |= self._customer(name, user_id=self.salesman_b.id)
            self._invoice(customers[-1], amount, 3)
        self.assertNotEqual(0.10 + 0.20 + 0.40, 0.70)
        report = self.env["debt.aging.report"].create({"partner_ids": [Command.set(customers.ids)]})
        _header_row, _headers, rows = self._summary(self._workbook(report))
        labels = [row[0].value for row in rows]
        self.assertEqual(labels, ["Cents A", "Cents B", "Cents C", "Subtotal Sales B", "Grand Total"])
        for row in rows[3:]:
            self.assertEqual((row[3].value, row[10].value), (0.7, 0.7), row[0].value)

    def test_xlsx_without_detail_sheet(self):
        book = self._workbook(self._report(xlsx_detail=False))
        self.assertEqual(book.sheetnames, ["Summary"])
        _header_row, _headers, rows = self._summary(book)
        self.assertAlmostEqual(rows[-1][10].value, 2270.0, places=2)

    def test_xlsx_download_action(self):
        report = self.env["debt.aging.report"].create({"partner_ids": [Command.set(self.customers.ids)]})
        action = report.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"id={report.id}", action["url"])
        self.assertEqual(report.xlsx_filename, "aging_2026-06-15.xlsx")
        book = openpyxl.load_workbook(io.BytesIO(base64.b64decode(report.xlsx_file)))
        self.assertEqual(book.sheetnames, ["Summary", "Detail"])
        self.assertTrue(report.line_ids, "the action computes the lines first")

    def test_exports_run_a_constant_number_of_queries(self):
        """Neither export reads row by row: as many queries for 2 customers as for 5."""
        counts = []
        # the first run fills Odoo's caches (language, translations, currencies): not counted
        for partners in (self.acme | self.formula, self.acme | self.formula, self.customers):
            report = self.env["debt.aging.report"].create({"partner_ids": [Command.set(partners.ids)]})
            report._compute_lines()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            report._render_xlsx()
            middle = self.env.cr.sql_log_count
            self.env["report.debt_collection.report_debt_aging"]._get_report_values(report.ids)
            counts.append((middle - start, self.env.cr.sql_log_count - middle))
        self.assertEqual(counts[1], counts[2])

    def test_streamed_items_equal_fetched_items(self):
        report = self._report()
        self.assertEqual(list(report._iter_items(batch_size=2)), report._fetch_items())
        # the cursor is closed once read: reading again works
        self.assertEqual(len(list(report._iter_items(batch_size=4))), 9)

    # PDF
    def test_pdf_content(self):
        report = self._report()
        html = self.env["ir.actions.report"]._render_qweb_html(
            "debt_collection.action_report_debt_aging", report.ids)[0].decode()
        self.assertIn("Aging as of 06/15/2026", html)
        for text in ("As of", "Age from", "Due date", "Group by", "Salesperson: Sales A", "Salesperson: Sales B",
                     "Salesperson: No salesperson", "ACME Export", "Collected By A", "No Seller Ltd",
                     "Subtotal Sales A", "Subtotal Sales B", "Grand Total", "Amounts in USD", "Over 90", "76-90"):
            self.assertIn(text, html)
        self.assertIn(FORMULA_NAME, html)
        self.assertIn(str(escape(HYPERLINK_NAME)), html)  # escaped: shown as text
        for amount in ("1,800.00", "5,000.00", "36.0%", "2,100.00", "130.00", "2,270.00", "-100.00"):
            self.assertIn(amount, html)
        values = self.env["report.debt_collection.report_debt_aging"]._get_report_values(report.ids)
        rows = values["summaries"][report.id]["rows"]
        self.assertEqual([row["kind"] for row in rows][:4], ["group", "customer", "customer", "subtotal"])
        grand = rows[-1]
        self.assertEqual((grand["kind"], grand["total"]), ("grand_total", "2,270.00"))
        self.assertEqual(grand["cells"], ["200.00", "1,070.00", "600.00", "-100.00", "200.00", "0.00", "0.00",
                                          "300.00"])
        self.assertEqual(values["summaries"][report.id]["column_count"], 12)  # customer, 8 columns, 3 more

    def test_pdf_render(self):
        report = self._report()
        action = report.with_context(discard_logo_check=True).action_print_pdf()
        self.assertEqual(action["report_name"], "debt_collection.report_debt_aging")
        self.assertEqual(action["context"]["active_ids"], report.ids)
        # under --test-enable Odoo renders HTML unless forced
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "debt_collection.action_report_debt_aging", report.ids)
        self.assertEqual(kind, "html")
        self.assertIn(b"ACME Export", content)
        paperformat = self.env.ref("debt_collection.action_report_debt_aging").paperformat_id
        self.assertEqual(paperformat.orientation, "Landscape")

    @unittest.skipUnless(wkhtmltopdf_state == "ok", "wkhtmltopdf is not installed (apt-get install wkhtmltopdf)")
    def test_pdf_real_rendering(self):
        report = self._report()
        # wkhtmltopdf fetches the report's assets from this server: let it use the test's cursor (as
        # Odoo's own tests do), or its requests would wait for the test's transaction forever
        self.registry.enter_test_mode(self.cr)
        self.addCleanup(self.registry.leave_test_mode)
        # wkhtmltopdf asks for two stylesheets at once; the first requests of the server read every
        # add-on's manifest (http.root.statics), which Python 3.11's parser cannot do in two threads at
        # once ("AST constructor recursion depth mismatch"): read them here first
        http.root.statics  # noqa: B018
        content, kind = self.env["ir.actions.report"].with_context(force_report_rendering=True)._render_qweb_pdf(
            "debt_collection.action_report_debt_aging", report.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(content.startswith(b"%PDF"))

    # Rights
    def test_exports_contain_own_customers_only(self):
        report = self.env["debt.aging.report"].with_user(self.salesman_a).create({})
        book = self._workbook(report)  # computes the lines when they were not
        _header_row, _headers, rows = self._summary(book)
        customers = {row[0].value for row in rows} - {"Subtotal Sales A", "Subtotal Sales B", "Grand Total"}
        # their own customers and the one they collect from; not the others
        self.assertEqual(customers, {"ACME Export", FORMULA_NAME, "Collected By A"})
        self.assertAlmostEqual(rows[-1][10].value, 1800.0 + 300.0 + 60.0, places=2)
        detail_customers = {row[0] for row in book["Detail"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(detail_customers, {"ACME Export", FORMULA_NAME, "Collected By A"})

        html = self.env["ir.actions.report"].with_user(self.salesman_a)._render_qweb_html(
            "debt_collection.action_report_debt_aging", report.ids)[0].decode()
        self.assertIn("ACME Export", html)
        self.assertNotIn("No Seller Ltd", html)
        self.assertNotIn("=HYPERLINK", html)

        # another salesperson cannot print it, nor export it
        with self.assertRaises(AccessError):
            self.env["report.debt_collection.report_debt_aging"].with_user(self.salesman_b)._get_report_values(
                report.ids)
        with self.assertRaises(AccessError):
            report.with_user(self.salesman_b).action_export_xlsx()

    def test_drill_down_from_several_lines(self):
        report = self._report()
        lines = report.line_ids.filtered(lambda ln: ln.bucket_index == 2)  # 16-30 of three customers
        self.assertEqual(lines.partner_id, self.acme | self.collected_by_a | self.no_seller)
        action = self.env.ref("debt_collection.action_debt_aging_report_line_open_items").with_context(
            active_model="debt.aging.report.line", active_ids=lines.ids).run()
        items = self.env["debt.aging.report.item"].search(action["domain"])
        self.assertEqual(sorted(items.mapped("amount")), [40.0, 60.0, 500.0])
        self.assertEqual(set(items.mapped("bucket_label")), {"16-30"})
        self.assertEqual(items.line_id, lines)
