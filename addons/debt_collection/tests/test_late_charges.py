from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import TODAY
from .common_reminder import ReminderCommon, d


@tagged("post_install", "-at_install")
class TestLateCharges(ReminderCommon):
    """Late-payment charges: actual/365 interest on each overdue item's open amount in company currency, per day
    overdue after the grace days, never twice for the same days; or a fee per reminder sent. Proposed as draft
    invoices, never posted. Today is Monday 15 June 2026 (frozen)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({
            "debt_charge_enabled": True, "debt_charge_method": "interest", "debt_charge_rate": 12.0,
            "debt_charge_grace_days": 5,
        })
        cls.customer = cls._reminder_customer("Late Payer")
        # due 6 May (immediate terms): 40 days overdue, 35 after the grace days; 400.00 paid on 5 June
        cls.invoice = cls._invoice(cls.customer, 1000.0, 40)
        cls._pay(cls.invoice, 400.0, 10)
        # 730.00 EUR at 2 EUR per unit of company currency: 365.00 open in company currency; 20 days overdue
        cls.eur_invoice = cls._invoice(cls.customer, 730.0, 20, currency=cls.eur)
        cls.in_grace = cls._invoice(cls.customer, 500.0, 3)  # 3 days overdue: within the grace days
        cls.not_due = cls._invoice(cls.customer, 800.0, 10, payment_term=cls.pay_terms_30)  # due 5 July

    def _propose(self, partners=None, charge_date=None, user=None):
        wizard = self.env["debt.late.charge.wizard"].with_user(user or self.env.user).create({
            "partner_ids": [(6, 0, (partners or self.customer).ids)],
            **({"charge_date": charge_date} if charge_date else {}),
        })
        action = wizard.action_propose()
        return self.env["account.move"].search([("id", "in", action["domain"][0][2])])

    def charges(self):
        return self.env["debt.late.charge"].search([("partner_id", "=", self.customer.id)], order="id")

    def test_interest_on_frozen_dates(self):
        self.assertEqual(self.eur_invoice.amount_residual_signed, 365.0)
        invoice = self._propose()
        # 600.00 x 12% x 35 / 365 = 6.9041... -> 6.90; 365.00 x 12% x 15 / 365 = 1.80 (company currency)
        self.assertRecordValues(invoice, [{
            "state": "draft", "move_type": "out_invoice", "partner_id": self.customer.id,
            "currency_id": self.currency.id, "invoice_date": TODAY, "amount_total": 8.70}])
        self.assertEqual(invoice.invoice_line_ids.mapped("price_unit"), [6.90, 1.80])
        self.assertIn(f"Late-payment interest on {self.invoice.name}", invoice.invoice_line_ids[0].name)
        self.assertIn("x 12.0% x 35 days / 365", invoice.invoice_line_ids[0].name)
        self.assertRecordValues(self.charges(), [
            {"kind": "interest", "date_from": d("2026-05-11"), "date_to": TODAY, "days": 35, "base_amount": 600.0,
             "rate": 12.0, "amount": 6.90, "invoice_id": invoice.id},
            {"kind": "interest", "date_from": d("2026-05-31"), "date_to": TODAY, "days": 15, "base_amount": 365.0,
             "rate": 12.0, "amount": 1.80, "invoice_id": invoice.id},
        ])
        # the same day again: every overdue day is charged already
        with self.assertRaisesRollback(UserError, "Nothing to charge"):
            self._propose()
        self.assertEqual(len(self.charges()), 2)
        # a month later: only the 30 new days. 600.00 x 12% x 30 / 365 = 5.917... -> 5.92; 365.00 x 12% x 30 / 365
        # = 3.60; the 500.00 now 33 days overdue, 28 after grace: 500.00 x 12% x 28 / 365 = 4.6027... -> 4.60;
        # the 800.00 due on 5 July: 10 days overdue, 5 after grace: 800.00 x 12% x 5 / 365 = 1.315... -> 1.32
        with freeze_time("2026-07-15 10:00:00"):
            later = self._propose()
        self.assertEqual(sorted(later.invoice_line_ids.mapped("price_unit")), [1.32, 3.60, 4.60, 5.92])
        self.assertEqual(self.charges()[2:].mapped("days"), [30, 30, 28, 5])
        self.assertEqual((invoice | later).mapped("state"), ["draft", "draft"], "never posted")

    def test_deleted_draft_frees_its_days(self):
        invoice = self._propose()
        invoice.unlink()
        self.assertFalse(self.charges())
        again = self._propose()
        self.assertEqual(again.amount_total, 8.70)

    def test_customer_rate_and_exemption(self):
        other = self._reminder_customer("Other Payer")
        self._invoice(other, 365.0, 15)  # 10 days after grace
        self.customer.debt_charge_rate = 24.0
        invoices = self._propose(self.customer | other)
        by_partner = {invoice.partner_id: invoice for invoice in invoices}
        # 600.00 x 24% x 35 / 365 = 13.808... -> 13.81; 365.00 x 24% x 15 / 365 = 3.60
        self.assertEqual(by_partner[self.customer].invoice_line_ids.mapped("price_unit"), [13.81, 3.60])
        self.assertEqual(by_partner[other].amount_total, 1.20)  # 365.00 x 12% x 10 / 365
        other.debt_charge_exempt = True
        with freeze_time("2026-07-15 10:00:00"):
            later = self._propose(self.customer | other)
        self.assertEqual(later.partner_id, self.customer)

    def test_fee_per_reminder(self):
        self.company.debt_charge_method = "fee"
        self.rule[7].charge_fee = 50.0
        customer = self._reminder_customer("Reminded")
        self._invoice_due(customer, 1000.0, d("2026-06-08"))
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
        reminder = self.reminders(customer)
        self.assertEqual((reminder.state, reminder.rule_id), ("queued", self.rule[7]))
        invoice = self._propose(customer)
        self.assertRecordValues(invoice.invoice_line_ids, [{"price_unit": 50.0, "quantity": 1.0}])
        self.assertIn(self.rule[7].name, invoice.invoice_line_ids.name)
        self.assertEqual(invoice.state, "draft")
        with self.assertRaisesRollback(UserError, "Nothing to charge"):
            self._propose(customer)

    def test_monthly_cron_drafts_never_posts(self):
        self.env.ref("debt_collection.ir_cron_debt_propose_late_charges").sudo().method_direct_trigger()
        invoices = self.charges().invoice_id
        self.assertEqual(invoices.partner_id, self.customer)
        self.assertEqual((invoices.state, invoices.amount_total), ("draft", 8.70))
        # run again: nothing more
        self.env.ref("debt_collection.ir_cron_debt_propose_late_charges").sudo().method_direct_trigger()
        self.assertEqual(self.charges().invoice_id, invoices)

    def test_collection_user_refused(self):
        with self.assertRaises(AccessError):
            self._propose(user=self.salesman_a)
        with self.assertRaises(AccessError):
            self.env["debt.late.charge"].with_user(self.salesman_a)._debt_propose(self.customer, self.company, TODAY)
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman_a).write({"debt_charge_rate": 1.0})
        self.assertFalse(self.charges())

    def test_bad_input(self):
        with self.assertRaisesRollback(ValidationError, "between 0 and 100"):
            self.company.debt_charge_rate = -1.0
        with self.assertRaisesRollback(ValidationError, "Interest Grace Days must be between 0 and 365"):
            self.company.debt_charge_grace_days = -2
        with self.assertRaisesRollback(ValidationError, "between 0 and 100"):
            self.customer.debt_charge_rate = -5.0
        with self.assertRaisesRollback(UserError, "in the future"):
            self._propose(charge_date=d("2026-06-16"))
        product = self.env.ref("debt_collection.product_debt_late_charge")
        product.active = False
        with self.assertRaisesRollback(UserError, "Choose the product"):
            self._propose()
        product.active = True
        # a product without income account, and a sales journal without default account
        bare = self.env["product.product"].create({"name": "Bare charge", "type": "service"})
        bare.categ_id = self.env["product.category"].create({"name": "No accounts"})
        bare.categ_id.property_account_income_categ_id = False
        self.company.debt_charge_product_id = bare
        journals = self.env["account.journal"].search([("company_id", "=", self.company.id), ("type", "=", "sale")])
        journals.default_account_id = False
        with self.assertRaisesRollback(UserError, "has no income account"):
            self._propose()
        self.company.debt_charge_enabled = False
        with self.assertRaisesRollback(UserError, "not enabled"):
            self._propose()
        self.assertFalse(self.charges())
        self.assertFalse(self.env["account.move"].search([("partner_id", "=", self.customer.id),
                                                          ("state", "=", "draft")]))
