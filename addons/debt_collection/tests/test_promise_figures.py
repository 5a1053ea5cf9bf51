from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .test_promise import PromiseCommon


@tagged("post_install", "-at_install")
class TestPromiseFigures(PromiseCommon):
    """The customer's promise figures, "promised", the kept rate and the last contact, on the partner
    and on the worklist."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.overdue_customer = cls._customer("Owes 1000", user_id=cls.salesman_a.id)
        cls.invoice = cls._invoice(cls.overdue_customer, 1000.0, 20)

    def _call(self, partner, outcome, when, **values):
        with freeze_time(when):
            return self.env["debt.call"].create({"partner_id": partner.id, "outcome": outcome, **values})

    def test_promised_when_open_promises_cover_the_overdue_amount(self):
        Partner = self.env["res.partner"]
        partner = self._customer("Owes 600 and 400", user_id=self.salesman_a.id)
        invoice_600 = self._invoice(partner, 600.0, 20)
        invoice_400 = self._invoice(partner, 400.0, 15)
        self.assertFalse(partner.debt_promised)
        first = self._promise(partner, 600.0, invoices=invoice_600)
        self.env.invalidate_all()
        self.assertFalse(partner.debt_promised)
        self.assertEqual(partner.debt_promise_amount, 600.0)
        self.assertEqual(Partner._debt_promised_partner_ids(partner.ids, self.company), set())
        self._promise(partner, 400.0, promised_date=date(2026, 6, 25), invoices=invoice_400)
        self.env.invalidate_all()
        self.assertTrue(partner.debt_promised)
        self.assertEqual(partner.debt_promise_amount, 1000.0)
        self.assertEqual(partner.debt_promise_date, date(2026, 6, 20))
        self.assertEqual(Partner._debt_promised_partner_ids(partner.ids, self.company), {partner.id})
        # a contact of the customer carries the figures of the commercial partner
        contact = Partner.create({"name": "Accountant", "parent_id": partner.id})
        self.assertTrue(contact.debt_promised)
        self.assertEqual(Partner._debt_promised_partner_ids((partner | contact).ids, self.company), {partner.id})
        # a payment reduces what remains promised (and the overdue amount)
        self._pay_on(invoice_600, 600.0, "2026-06-16")
        self.env.invalidate_all()
        self.assertEqual(partner.debt_promise_amount, 400.0)
        self.assertEqual(partner.debt_promise_date, date(2026, 6, 25))
        self.assertTrue(partner.debt_promised)
        # the first promise is kept, the second broken: nothing is promised any more
        self._run_cron("2026-06-29")
        self.assertEqual(first.state, "kept")
        self.env.invalidate_all()
        self.assertFalse(partner.debt_promised)
        self.assertEqual(partner.debt_promise_amount, 0.0)
        self.assertFalse(partner.debt_promise_date)
        self.assertEqual(partner.debt_promise_kept_rate, 50.0)

    def test_promised_without_overdue(self):
        partner = self._customer("Nothing Overdue")
        self._invoice(partner, 500.0, 1, payment_term=self.pay_terms_30)
        self._promise(partner, 500.0, promised_date=date(2026, 7, 10))
        self.assertTrue(partner.debt_promised)
        other_company = self.env["res.partner"]._debt_promised_partner_ids(
            partner.ids, self.setup_other_company(name="Figures Other Co")["company"])
        self.assertEqual(other_company, set())

    def test_promised_partner_ids_is_one_query(self):
        customers = self.env["res.partner"].create([
            {"name": f"Batch {i}", "is_company": True} for i in range(30)])
        self.env["debt.promise"].create([
            {"partner_id": p.id, "amount": 10.0, "promised_date": date(2026, 6, 20)} for p in customers])
        self.env["res.partner"]._debt_promised_partner_ids(customers[:1].ids, self.company)  # warm the caches
        with self.assertQueryCount(1):
            promised = self.env["res.partner"]._debt_promised_partner_ids(customers.ids, self.company)
        self.assertEqual(promised, set(customers.ids))

    def test_partner_figures_constant_queries(self):
        customers = self.env["res.partner"].create([
            {"name": f"Figures {i}", "is_company": True} for i in range(20)])
        self.env["debt.promise"].create([
            {"partner_id": p.id, "amount": 10.0, "promised_date": date(2026, 6, 20)} for p in customers])
        customers.mapped("commercial_partner_id")
        customers.mapped("debt_promise_amount")  # warm the caches
        for records in (customers[0].with_prefetch(), customers):
            customers.invalidate_recordset(["debt_promise_amount"])
            with self.assertQueryCount(1):
                records.mapped("debt_promise_amount")
        self.assertEqual(customers.mapped("debt_promise_amount"), [10.0] * 20)

    def test_kept_rate_last_12_months(self):
        partner = self.overdue_customer
        # a broken promise 14 months ago: outside the window
        with freeze_time("2025-04-01 10:00:00"):
            self._promise(partner, 50.0, promised_date=date(2025, 4, 2))
            self.env["debt.promise"]._cron_evaluate_promises()
        with freeze_time("2025-04-10 10:00:00"):
            self.env["debt.promise"]._cron_evaluate_promises()
        self.assertEqual(partner.debt_promise_kept_rate, 0.0)
        self.assertEqual(partner.debt_promise_evaluated_count, 0)
        invoices = [self._invoice(partner, 100.0, 10) for _i in range(4)]
        promises = [self._promise(partner, 100.0, invoices=inv) for inv in invoices]
        for invoice in invoices[:3]:
            self._pay_on(invoice, 100.0, "2026-06-18")
        self._run_cron("2026-06-24")
        self.assertEqual([p.state for p in promises], ["kept", "kept", "kept", "broken"])
        self.env.invalidate_all()
        self.assertEqual(partner.debt_promise_evaluated_count, 4)
        self.assertEqual(partner.debt_promise_kept_rate, 75.0)
        row = self.env["debt.worklist"].search([("partner_id", "=", partner.id)])
        self.assertEqual(row.promise_kept_rate, 75.0)

    def test_last_contact(self):
        partner = self.overdue_customer
        self.assertFalse(partner.debt_last_contact_date)
        self._call(partner, "no_answer", "2026-06-10 08:00:00")
        self._call(partner, "callback", "2026-06-12 08:00:00")
        self._call(partner, "left_message", "2026-06-11 08:00:00")
        self.env.invalidate_all()
        self.assertEqual(partner.debt_last_contact_date, datetime(2026, 6, 12, 8, 0))
        self.assertEqual(partner.debt_last_contact_outcome, "callback")

    def test_worklist_columns_equal_partner_fields(self):
        partner = self.overdue_customer
        self._promise(partner, 1000.0, invoices=self.invoice)
        self._call(partner, "wrong_number", "2026-06-14 08:00:00")
        self.env.invalidate_all()
        row = self.env["debt.worklist"].search([("partner_id", "=", partner.id)])
        self.assertEqual(len(row), 1)
        pairs = {
            "promise_amount": "debt_promise_amount",
            "promise_date": "debt_promise_date",
            "promise_kept_rate": "debt_promise_kept_rate",
            "last_contact_date": "debt_last_contact_date",
            "last_contact_outcome": "debt_last_contact_outcome",
            "promised": "debt_promised",
            "attention": "debt_attention",
            "attention_reason": "debt_attention_reason",
        }
        for row_field, partner_field in pairs.items():
            self.assertEqual(row[row_field], partner[partner_field], row_field)
        self.assertTrue(row.promised)
        self.assertEqual(row.attention_reason, "wrong_number")
        self.assertEqual(
            self.env["debt.worklist"].search([("partner_id", "=", partner.id), ("promised", "=", True)]), row)
