from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

CUSTOMER = "Lotus Trading Tour"


@tagged("post_install", "-at_install")
class TestCollectionTours(HttpCase):
    """The screens as people use them, in a real browser (static/tests/tours/debt_collection_tours.js).

    One customer, "Lotus Trading Tour": an invoice of 950.00 due 100 days ago, 300.00 of it paid.
    """

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
        self.start_tour("/odoo", "debt_collection_accountant_tour", login=self.accountant.login)

    def test_manager_previews_reminders(self):
        self.start_tour("/odoo", "debt_collection_manager_tour", login=self.manager.login)
