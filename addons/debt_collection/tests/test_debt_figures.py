from odoo.tests import freeze_time, tagged

from .common import DebtCollectionCommon, days_ago


@tagged("post_install", "-at_install")
class TestDebtFigures(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Cong ty Minh Phat", user_id=cls.salesman_a.id)
        cls.contact = cls.env["res.partner"].create({
            "name": "Nguyen Van An", "parent_id": cls.customer.id, "type": "invoice"})
        # 1000 invoiced 100 days ago, 400 of it paid 50 days ago: 600 open, 100 days overdue
        cls.inv_old = cls._invoice(cls.customer, 1000.0, 100)
        cls._pay(cls.inv_old, 400.0, 50)
        # 500 invoiced to the child contact 40 days ago: rolls up to the company
        cls.inv_contact = cls._invoice(cls.contact, 500.0, 40)
        # 300 invoiced 5 days ago at 30 days: due in 25 days
        cls.inv_not_due = cls._invoice(cls.customer, 300.0, 5, payment_term=cls.pay_terms_30)
        # 200 EUR invoiced 10 days ago; 1 USD = 2 EUR, so 100.00 in company currency
        cls.inv_eur = cls._invoice(cls.customer, 200.0, 10, currency=cls.eur)
        # an open credit note of 200 dated 10 days ago and an unreconciled payment of 50 received today
        cls.refund = cls._invoice(cls.customer, 200.0, 10, move_type="out_refund")
        cls.payment = cls._unreconciled_payment(cls.customer, 50.0, 0)
        # a confirmed sale order of 250, not invoiced
        cls.order = cls._sale_order(cls.customer, 250.0)

    def test_figures_exact(self):
        partner = self.customer
        self.assertEqual(self.inv_old.amount_residual, 600.0)
        self.assertEqual(self.inv_eur.amount_residual, 200.0)  # in EUR
        self.assertEqual(partner.debt_currency_id, self.currency)
        # 600 + 500 + 300 + 100 - 200 - 50
        self.assertAlmostEqual(partner.debt_total_receivable, 1250.0, places=2)
        # 600 + 500 + 100 - 200 (the credit note is dated 10 days ago)
        self.assertAlmostEqual(partner.overdue_amount, 1000.0, places=2)
        # 300 - 50 (the payment was received today)
        self.assertAlmostEqual(partner.debt_not_due_amount, 250.0, places=2)
        self.assertEqual(partner.overdue_invoice_count, 3)
        self.assertEqual(partner.oldest_overdue_days, 100)
        self.assertAlmostEqual(partner.debt_sale_to_invoice, 250.0, places=2)
        self.assertAlmostEqual(partner.credit_exposure, 1500.0, places=2)
        self.assertEqual(partner.last_payment_date, days_ago(0))

    def test_child_contact_shows_the_commercial_figures(self):
        self.assertAlmostEqual(self.contact.debt_total_receivable, 1250.0, places=2)
        self.assertAlmostEqual(self.contact.overdue_amount, 1000.0, places=2)
        self.assertEqual(self.contact.oldest_overdue_days, 100)

    def test_credit_used_percent(self):
        self.customer.with_company(self.company).sudo().credit_limit = 1200.0
        self.customer.invalidate_recordset()
        self.assertAlmostEqual(self.customer.debt_credit_limit, 1200.0, places=2)
        self.assertAlmostEqual(self.customer.credit_used_percent, 125.0, places=2)  # 1500 / 1200

    def test_company_default_credit_limit(self):
        self.env["ir.default"].set("res.partner", "credit_limit", 3000.0, company_id=self.company.id)
        other = self._customer("Default Limit Co")
        self._invoice(other, 750.0, 1)
        self.assertAlmostEqual(other.debt_credit_limit, 3000.0, places=2)
        self.assertAlmostEqual(other.credit_used_percent, 25.0, places=2)

    def test_full_payment_and_reconciled_credit_note_close_items(self):
        customer = self._customer("Paid Up Ltd")
        invoice = self._invoice(customer, 400.0, 20)
        self._pay(invoice, 400.0, 3)
        invoice2 = self._invoice(customer, 100.0, 15)
        refund = self._invoice(customer, 100.0, 15, move_type="out_refund")
        (invoice2 + refund).line_ids.filtered(lambda ln: ln.account_id.account_type == "asset_receivable").reconcile()
        self.assertEqual(customer.debt_total_receivable, 0.0)
        self.assertEqual(customer.overdue_amount, 0.0)
        self.assertEqual(customer.overdue_invoice_count, 0)
        self.assertEqual(customer.oldest_overdue_days, 0)
        self.assertEqual(customer.last_payment_date, days_ago(3))

    def test_foreign_currency_partial_payment(self):
        customer = self._customer("Taipei Trading 台北貿易")
        invoice = self._invoice(customer, 1000.0, 20, currency=self.eur)  # 500.00 USD
        self._pay(invoice, 300.0, 2, currency=self.eur)  # 150.00 USD
        self.assertAlmostEqual(customer.debt_total_receivable, 350.0, places=2)
        self.assertAlmostEqual(customer.overdue_amount, 350.0, places=2)

    def test_installments_age_separately(self):
        customer = self._customer("Installment Buyer")
        term = self.env["account.payment.term"].create({
            "name": "50% now, 50% in 60 days",
            "line_ids": [
                (0, 0, {"value": "percent", "value_amount": 50, "nb_days": 0}),
                (0, 0, {"value": "percent", "value_amount": 50, "nb_days": 60}),
            ],
        })
        self._invoice(customer, 800.0, 20, payment_term=term)
        self.assertAlmostEqual(customer.overdue_amount, 400.0, places=2)
        self.assertAlmostEqual(customer.debt_not_due_amount, 400.0, places=2)
        self.assertEqual(customer.oldest_overdue_days, 20)

    def test_only_the_current_company(self):
        company_2 = self.setup_other_company(name="Debt Co 2")["company"]
        self.env.user.company_ids |= company_2
        self._invoice(self.customer, 999.0, 30, company=company_2)
        self.assertAlmostEqual(self.customer.debt_total_receivable, 1250.0, places=2)
        in_company_2 = self.customer.with_company(company_2)
        self.assertAlmostEqual(in_company_2.debt_total_receivable, 999.0, places=2)
        self.assertAlmostEqual(in_company_2.overdue_amount, 999.0, places=2)
        self.assertEqual(in_company_2.oldest_overdue_days, 30)
        self.assertEqual(in_company_2.debt_currency_id, company_2.currency_id)

    def test_today_follows_the_customer_timezone(self):
        # 20:00 UTC on 15 June is already 16 June in Ho Chi Minh City (UTC+7).
        customer_vn = self._customer("Hanoi Foods", tz="Asia/Ho_Chi_Minh")
        customer_utc = self._customer("London Foods", tz="UTC")
        self._invoice(customer_vn, 100.0, 0)  # due 15 June
        self._invoice(customer_utc, 100.0, 0)
        with freeze_time("2026-06-15 20:00:00"):
            (customer_vn | customer_utc).invalidate_recordset()
            self.assertEqual(customer_vn.overdue_amount, 100.0)
            self.assertEqual(customer_vn.oldest_overdue_days, 1)
            self.assertEqual(customer_utc.overdue_amount, 0.0)
            self.assertEqual(customer_utc.debt_not_due_amount, 100.0)

    def test_no_debt(self):
        nobody = self._customer("Owes Nothing")
        self.assertEqual(nobody.debt_total_receivable, 0.0)
        self.assertEqual(nobody.credit_exposure, 0.0)
        self.assertFalse(nobody.last_payment_date)
        self.assertFalse(nobody.on_credit_hold)

    def test_figures_take_constant_queries(self):
        partners = self.env["res.partner"]
        for index in range(50):
            partner = self._customer(f"Bulk Customer {index}")
            self._invoice(partner, 10.0 + index, index)
            partners |= partner
        fnames = ["debt_total_receivable", "overdue_amount", "oldest_overdue_days", "credit_exposure",
                  "credit_used_percent", "last_payment_date", "on_credit_hold", "overdue_invoice_count"]
        partners.read(fnames)  # warm the registry caches (defaults, field ids) once
        for records in (partners[:1], partners):
            self.env.invalidate_all()
            records.mapped("name")  # load the records themselves outside the count
            # the figures query, Odoo's credit to invoice (its search of the orders), the last payments, the
            # manual holds: 4 queries for 1 or 50 partners
            with self.assertQueryCount(4):
                records.read(fnames)
        self.assertEqual(partners[7].oldest_overdue_days, 7)
        self.assertAlmostEqual(sum(partners.mapped("debt_total_receivable")), sum(10.0 + i for i in range(50)))
