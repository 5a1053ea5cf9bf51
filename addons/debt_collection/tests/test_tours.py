import io
import logging
import re
from datetime import timedelta

import openpyxl

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import load_shipped_translations

CUSTOMER = "Lotus Trading Tour"


@tagged("post_install", "-at_install")
class TestCollectionTours(HttpCase):
    """The screens as people use them, in a real browser (static/tests/tours/debt_collection_tours.js).

    One customer, "Lotus Trading Tour": an invoice of 950.00 due 100 days ago, 300.00 of it paid.
    """

    browser_size = "1366x768"  # the width every screen must fit (issue 13); Odoo's default, said here

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        company_values = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)], "tz": "UTC"}
        cls.salesperson = new_test_user(
            cls.env, login="dc_tour_sales", name="Tour Salesperson", groups="sales_team.group_sale_salesman",
            **company_values)
        cls.collector = new_test_user(
            cls.env, login="dc_tour_collector", name="Tour Collector", groups="sales_team.group_sale_salesman",
            **company_values)
        cls.accountant = new_test_user(
            cls.env, login="dc_tour_accountant", name="Tour Accountant",
            groups="account.group_account_manager,sales_team.group_sale_salesman_all_leads", **company_values)
        cls.manager = new_test_user(
            cls.env, login="dc_tour_manager", name="Tour Manager",
            groups="sales_team.group_sale_salesman_all_leads,debt_collection.group_debt_collection_manager",
            **company_values)
        cls.customer = cls.env["res.partner"].create({
            "name": CUSTOMER, "is_company": True, "tz": "UTC", "user_id": cls.salesperson.id,
            "collector_id": cls.collector.id, "email": "lotus@example.com", "company_id": False,
        })
        today = fields.Date.context_today(cls.customer)
        immediate = cls.env.ref("account.account_payment_term_immediate")
        cls.invoice = cls.env["account.move"].with_company(cls.company).create({
            "move_type": "out_invoice",
            "partner_id": cls.customer.id,
            "invoice_date": today - timedelta(days=100),
            "invoice_payment_term_id": immediate.id,
            "invoice_line_ids": [Command.create({
                "name": "Tour services", "quantity": 1, "price_unit": 950.0, "tax_ids": [Command.clear()],
            })],
        })
        cls.invoice.action_post()
        cls.env["account.payment.register"].with_company(cls.company).with_context(
            active_model="account.move", active_ids=cls.invoice.ids,
        ).create({"amount": 300.0, "payment_date": today - timedelta(days=50)})._create_payments()

    def test_00_data(self):
        # what the tours read on the screens
        self.assertEqual(self.invoice.amount_residual, 650.0)
        self.assertEqual(self.customer.with_company(self.company).overdue_amount, 650.0)
        self.assertEqual(self.customer.with_company(self.company).oldest_overdue_days, 100)

    def test_salesperson_logs_a_call_with_a_promise(self):
        self.start_tour(f"/odoo/res.partner/{self.customer.id}", "debt_collection_salesperson_tour",
                        login=self.salesperson.login)
        call = self.env["debt.call"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(call.outcome, "promised")
        self.assertEqual(call.promise_ids.amount, 650.0)
        self.assertEqual(call.promise_ids.currency_id, self.company.currency_id)
        self.assertEqual(call.promise_ids.promised_date, fields.Date.context_today(call) + timedelta(days=7))

    def test_collector_works_the_worklist(self):
        self.start_tour("/odoo", "debt_collection_collector_tour", login=self.collector.login)
        call = self.env["debt.call"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(call.outcome, "no_answer")
        self.assertEqual(call.user_id, self.collector)

    def test_accountant_drills_the_aging_down_to_the_invoice(self):
        # the tour clicks Excel: the browser downloads the file from /web/content (a download, the page stays)
        # the level as a number: Odoo names its level 25 "INFO" too (logging.RUNBOT), and "INFO" would mean 25
        with self.assertLogs("werkzeug", logging.INFO) as served:
            self.start_tour("/odoo", "debt_collection_accountant_tour", login=self.accountant.login)
        report = self.env["debt.aging.report"].search([("create_uid", "=", self.accountant.id)])
        self.assertEqual(len(report), 1)
        # the browser asked the report's file of the route and was answered 200
        prefix = f"/web/content/?model=debt.aging.report&id={report.id}&field=xlsx_file&"
        downloads = [re.search(r'"GET (\S+) HTTP/1.1" 200 ', line) for line in served.output if prefix in line]
        self.assertTrue(downloads and all(downloads), f"the browser did not download {prefix}...")
        url = downloads[0].group(1)
        # what that route sends the accountant: the report as an XLSX attachment
        self.authenticate(self.accountant.login, self.accountant.login)
        response = self.url_open(url)
        self.assertEqual(response.headers["Content-Type"],
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        self.assertTrue(response.headers["Content-Disposition"].startswith("attachment;"))
        self.assertIn(report.xlsx_filename, response.headers["Content-Disposition"])
        workbook = openpyxl.load_workbook(io.BytesIO(response.content))
        cells = {cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row}
        self.assertIn(CUSTOMER, cells)
        self.assertIn(650.0, cells)

    def test_manager_previews_reminders(self):
        self.start_tour("/odoo", "debt_collection_manager_tour", login=self.manager.login)

    def test_manager_previews_the_customers_reminder(self):
        self.start_tour(f"/odoo/res.partner/{self.customer.id}", "debt_collection_customer_preview_tour",
                        login=self.manager.login)

    def test_manager_opens_the_collections_dashboard(self):
        # today's aging snapshot and the indicators, as the daily job takes them, for the dashboard to show
        self.env["debt.aging.snapshot"]._take_snapshots(fields.Date.context_today(self.customer), self.company)
        self.env["debt.collection.indicator"]._refresh(self.company)
        self.start_tour("/odoo/action-spreadsheet_dashboard.ir_actions_dashboard_action",
                        "debt_collection_dashboard_tour", login=self.manager.login)

    def test_worklist_headers_read_whole(self):
        self.start_tour("/odoo", "debt_collection_worklist_headers_tour", login=self.collector.login)

    def test_worklist_headers_read_whole_in_vietnamese(self):
        load_shipped_translations(self.env, files=(("vi_VN", "vi.po"),))
        self.collector.lang = "vi_VN"
        self.start_tour("/odoo", "debt_collection_worklist_headers_tour", login=self.collector.login)
