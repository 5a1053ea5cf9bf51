from odoo import Command
from odoo.tests import Form, tagged

from ..models.sql_common import credit_figures_sql
from .common import TODAY, DebtCollectionCommon


@tagged("post_install", "-at_install")
class TestCreditExposure(DebtCollectionCommon):
    """Credit exposure, limit and "Credit Used (%)" are Odoo's own figures (``credit + credit_to_invoice``,
    ``credit_limit``, ``account_use_credit_limit``) on the form, the worklist, the aging report and the hold."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.debt_hold_on_credit_limit = True
        cls.eur_pricelist = cls.env["product.pricelist"].create({"name": "EUR prices", "currency_id": cls.eur.id})

    def _order(self, partner, price, quantity=1, company=None, pricelist=None, confirm=True):
        company = company or self.company
        order = self.env["sale.order"].with_company(company).create({
            "partner_id": partner.id,
            "company_id": company.id,
            **({"pricelist_id": pricelist.id} if pricelist else {}),
            "order_line": [Command.create({
                "product_id": self.product_a.id, "product_uom_qty": quantity, "price_unit": price,
                "tax_id": [Command.clear()],
            })],
        })
        if confirm:
            order.action_confirm()
        return order

    def _sql_figures(self, partner, company):
        """The row of sql_common.credit_figures_sql (what the worklist, the form and the aging report read)."""
        self.env.flush_all()
        self.env.cr.execute(credit_figures_sql(self.env, [company.id], [partner.id]))
        rows = self.env.cr.dictfetchall()
        self.assertEqual(len(rows), 1)
        return rows[0]

    def _odoo_exposure(self, partner, company):
        """Odoo's own figure, from the ORM: ``credit + credit_to_invoice`` in that company."""
        odoo_partner = partner.with_company(company).sudo()
        odoo_partner.invalidate_recordset(["credit", "credit_to_invoice"])
        return odoo_partner.credit + odoo_partner.credit_to_invoice

    def _worklist_row(self, partner, company):
        self.env.invalidate_all()  # as a new request reads it (the rows of an earlier search are cached)
        return self.env["debt.worklist"].with_company(company).search(
            [("partner_id", "=", partner.id), ("company_id", "=", company.id)])

    def assertSameExposure(self, partner, company, expected):
        """The SQL figure is Odoo's to the unit of the company currency (and rounded to it), and so are the
        form's and the worklist's; ``expected`` is worked out by hand in the test."""
        currency = company.currency_id
        odoo_figure = self._odoo_exposure(partner, company)
        self.assertTrue(currency.is_zero(odoo_figure - expected), f"Odoo's figure {odoo_figure} != {expected}")
        sql = self._sql_figures(partner, company)
        self.assertEqual(float(sql["credit_exposure"]), currency.round(float(sql["credit_exposure"])),
                         "the exposure is rounded to the company currency")
        self.assertAlmostEqual(float(sql["credit_exposure"]), odoo_figure, places=6)
        form = partner.with_company(company)
        form.invalidate_recordset()
        self.assertAlmostEqual(form.credit_exposure, odoo_figure, places=6)
        row = self._worklist_row(partner, company)
        if row:
            self.assertAlmostEqual(row.credit_exposure, odoo_figure, places=6)
        return sql

    def test_foreign_currency_order_at_todays_rate(self):
        customer = self._customer("Euro Trading")
        self._invoice(customer, 300.0, 10)
        order = self._order(customer, 1000.0, pricelist=self.eur_pricelist)  # 1000 EUR at 2 EUR per USD
        self.assertEqual(order.currency_id, self.eur)
        self.assertAlmostEqual(order.currency_rate, 2.0)
        # the euro falls after the order: Odoo counts the order at today's rate, 1000 / 2.5 = 400.00, not 500.00
        self.env["res.currency.rate"].create({
            "currency_id": self.eur.id, "company_id": self.company.id, "name": TODAY, "rate": 2.5})
        sql = self.assertSameExposure(customer, self.company, 300.0 + 400.0)
        self.assertAlmostEqual(float(sql["credit_to_invoice"]), 400.0, places=6)

    def test_partly_invoiced_order(self):
        customer = self._customer("Half Delivered Co")
        order = self._order(customer, 250.0, quantity=4)  # 1000
        invoice = order._create_invoices()
        with Form(invoice) as move:
            with move.invoice_line_ids.edit(0) as line:
                line.quantity = 1
        invoice.action_post()  # 250 invoiced and open
        order._create_invoices()  # one more unit in a draft invoice: Odoo counts posted invoices only
        # 250 open + 750 left to invoice on the order
        sql = self.assertSameExposure(customer, self.company, 1000.0)
        self.assertAlmostEqual(float(sql["credit"]), 250.0, places=6)
        self.assertAlmostEqual(float(sql["credit_to_invoice"]), 750.0, places=6)

    def test_vnd_company_rounds_to_the_dong(self):
        vnd = self.env.ref("base.VND")
        vnd.active = True
        company_vn = self.setup_other_company(name="Công ty Tín Dụng", currency_id=vnd.id)["company"]
        company_vn.account_use_credit_limit = True
        self.env.user.company_ids |= company_vn
        usd = self.company.currency_id
        # 1 VND = 0.0000394 USD: 1 USD = 25,380.71 VND
        self.env["res.currency.rate"].create({
            "currency_id": usd.id, "company_id": company_vn.id, "name": TODAY, "rate": 0.0000394})
        customer = self._customer("Nha Trang Seafood")
        customer.with_company(company_vn).sudo().credit_limit = 3_000_000.0
        self._invoice(customer, 1_234_567.0, 20, company=company_vn)
        usd_pricelist = self.env["product.pricelist"].create({
            "name": "USD prices", "currency_id": usd.id, "company_id": company_vn.id})
        self._order(customer, 123.45, company=company_vn, pricelist=usd_pricelist)
        # 123.45 / 0.0000394 = 3,133,248.73 VND, rounded to the dong by Odoo: 3,133,249
        sql = self.assertSameExposure(customer, company_vn, 1_234_567.0 + 3_133_249.0)
        self.assertEqual(float(sql["credit_to_invoice"]), 3_133_249.0)
        # 4,367,816 / 3,000,000: the same % on the form and on the worklist, over the limit
        expected_percent = 4_367_816.0 * 100 / 3_000_000.0
        self.assertAlmostEqual(float(sql["credit_used_percent"]), expected_percent, places=6)
        form = customer.with_company(company_vn)
        self.assertAlmostEqual(form.credit_used_percent, expected_percent, places=6)
        self.assertAlmostEqual(self._worklist_row(customer, company_vn).credit_used_percent, expected_percent,
                               places=6)

    def test_company_without_credit_limits(self):
        customer = self._customer("No Limits Co")
        customer.with_company(self.company).sudo().credit_limit = 500.0
        self._invoice(customer, 400.0, 5)
        self._order(customer, 300.0)
        # with the setting on: exposure 700 over the limit of 500, on hold
        self.assertSameExposure(customer, self.company, 700.0)
        self.assertTrue(customer.on_credit_hold)
        self.assertAlmostEqual(customer.credit_used_percent, 140.0, places=6)
        # off: Odoo counts no order (credit_to_invoice 0) and no limit; no %, no hold on the limit
        self.company.account_use_credit_limit = False
        sql = self.assertSameExposure(customer, self.company, 400.0)
        self.assertEqual(float(sql["credit_limit"]), 0.0)
        self.assertFalse(sql["over_credit_limit"])
        customer.invalidate_recordset()
        self.assertEqual(customer.debt_credit_limit, 0.0)
        self.assertEqual(customer.credit_used_percent, 0.0)
        self.assertFalse(customer.on_credit_hold)
        row = self._worklist_row(customer, self.company)
        self.assertEqual((row.credit_limit, row.credit_used_percent, row.on_credit_hold), (0.0, 0.0, False))
        # and the quotation is confirmed
        quotation = self._order(customer, 50.0, confirm=False)
        quotation.action_confirm()
        self.assertEqual(quotation.state, "sale")

    def test_aging_over_credit_limit_finds_the_customers_on_hold(self):
        customer = self._customer("Big Orders Co", user_id=self.salesman_a.id)
        customer.with_company(self.company).sudo().credit_limit = 1000.0
        self._invoice(customer, 600.0, 40)
        self._order(customer, 700.0)  # exposure 1300 over 1000; the receivable alone (600) is not
        under = self._customer("Small Orders Co", user_id=self.salesman_a.id)
        under.with_company(self.company).sudo().credit_limit = 1000.0
        self._invoice(under, 600.0, 40)
        self.assertTrue(customer.on_credit_hold)
        self.assertFalse(under.on_credit_hold)
        report = self.env["debt.aging.report"].create({"partner_ids": [Command.set((customer | under).ids)]})
        report._compute_lines()
        lines = self.env["debt.aging.report.line"].search([("report_id", "=", report.id)])
        # the domain of the search view's filter "Over Credit Limit"
        over = lines.search([("report_id", "=", report.id), ("credit_used_percent", ">", 100)])
        self.assertEqual(over.partner_id, customer)
        # one "% used": the aging line's, the form's and the worklist's
        self.assertAlmostEqual(over[:1].credit_used_percent, 130.0, places=6)
        self.assertAlmostEqual(customer.credit_used_percent, 130.0, places=6)
        self.assertAlmostEqual(self._worklist_row(customer, self.company).credit_used_percent, 130.0, places=6)
        under_line = lines.filtered(lambda line: line.partner_id == under)[:1]
        self.assertAlmostEqual(under_line.credit_used_percent, 60.0, places=6)
        self.assertAlmostEqual(under.credit_used_percent, 60.0, places=6)

    def test_one_definition_of_credit_used(self):
        """The three screens give the field the same label."""
        for model in ("res.partner", "debt.worklist", "debt.aging.report.line"):
            self.assertEqual(self.env[model]._fields["credit_used_percent"].string, "Credit Used (%)", model)
