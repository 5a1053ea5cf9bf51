from datetime import date

from odoo import Command
from odoo.tests import new_test_user

from .common import TODAY, DebtCollectionCommon

APRIL_30 = date(2026, 4, 30)
MAY_31 = date(2026, 5, 31)


class SnapshotCommon(DebtCollectionCommon):
    """Two customers of one salesperson, collected by C1 until mid-May, when C2 takes the second one over; real
    invoices, a partial payment, a credit note and a euro invoice paid in part in euros (2 EUR = 1 USD in the tests).

    Open (company currency, USD) on 30 April, all collected by C1:
      - Alpha: invoice A 1,000 of 10 April, due that day (20 days overdue);
      - Beta: invoice E 800 EUR = 400 USD of 20 April, due that day (10 days overdue).
    May:
      - 5 May: Alpha pays 400 of A (partial payment);
      - 10 May: Beta pays 400 EUR = 200 USD of E (partial payment, in euros);
      - 15 May: Beta moves to collector C2;
      - 15 May: Beta invoice F 500, due in 30 days (14 June);
      - 20 May: Alpha invoice B 600, due that day;
      - 25 May: Alpha credit note 100 (left open: -100).
    Open on 31 May: Alpha 600 (A, 51 days overdue) + 600 (B, 11 days) - 100 (credit note, 6 days) = 1,100, all
    overdue; Beta 200 (E, 41 days overdue) + 500 (F, not due) = 700.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        group = "sales_team.group_sale_salesman"
        company = [Command.set(cls.company.ids)]
        cls.seller = new_test_user(cls.env, login="dc_snap_seller", name="Snap Seller", groups=group,
                                   company_id=cls.company.id, company_ids=company)
        cls.collector_1 = new_test_user(cls.env, login="dc_snap_c1", name="Collector One", groups=group,
                                        company_id=cls.company.id, company_ids=company)
        cls.collector_2 = new_test_user(cls.env, login="dc_snap_c2", name="Collector Two", groups=group,
                                        company_id=cls.company.id, company_ids=company)
        cls.tag_vip = cls.env["res.partner.category"].create({"name": "Snapshot VIP"})
        cls.alpha = cls._customer("Alpha", user_id=cls.seller.id, category_id=[Command.set(cls.tag_vip.ids)])
        cls.beta = cls._customer("Beta", user_id=cls.seller.id)
        for customer in cls.alpha | cls.beta:
            customer.with_company(cls.company).debt_collector_id = cls.collector_1
        cls.inv_a = cls._invoice_on(cls.alpha, 1000.0, date(2026, 4, 10))
        cls.inv_e = cls._invoice_on(cls.beta, 800.0, date(2026, 4, 20), currency=cls.eur)

    @classmethod
    def _invoice_on(cls, partner, amount, day, **kwargs):
        return cls._invoice(partner, amount, (TODAY - day).days, **kwargs)

    @classmethod
    def _may(cls):
        """May's events (see the class), the collector change included: after the snapshot of 30 April."""
        cls._pay(cls.inv_a, 400.0, (TODAY - date(2026, 5, 5)).days)
        cls._pay(cls.inv_e, 400.0, (TODAY - date(2026, 5, 10)).days, currency=cls.eur)
        cls.beta.with_company(cls.company).debt_collector_id = cls.collector_2
        cls.inv_f = cls._invoice_on(cls.beta, 500.0, date(2026, 5, 15), payment_term=cls.pay_terms_30)
        cls.inv_b = cls._invoice_on(cls.alpha, 600.0, date(2026, 5, 20))
        cls.refund = cls._invoice_on(cls.alpha, 100.0, date(2026, 5, 25), move_type="out_refund")

    def _take(self, day):
        return self.env["debt.aging.snapshot"]._take_snapshots(day, self.company)

    def _rows(self, day, **domain):
        """{(collector login, column number): (amount, items)} of the test's salesperson on ``day``."""
        rows = self.env["debt.aging.snapshot"].search([
            ("snapshot_date", "=", day), ("company_id", "=", self.company.id), ("salesperson_id", "=", self.seller.id),
            *[(key, "=", value) for key, value in domain.items()]])
        return {(row.collector_id.login, row.bucket_index): (round(row.amount, 2), row.item_count)
                for row in rows}
