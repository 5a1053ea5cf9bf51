from odoo.tests import tagged

from .common import DebtCollectionCommon

FIGURES = {
    "total_receivable": "debt_total_receivable",
    "not_due_amount": "debt_not_due_amount",
    "overdue_amount": "overdue_amount",
    "overdue_invoice_count": "overdue_invoice_count",
    "oldest_overdue_days": "oldest_overdue_days",
    "credit_limit": "debt_credit_limit",
    "sale_to_invoice": "debt_sale_to_invoice",
    "credit_exposure": "credit_exposure",
    "credit_used_percent": "credit_used_percent",
    "on_credit_hold": "on_credit_hold",
}


@tagged("post_install", "-at_install")
class TestWorklist(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.big = cls._customer("Big Overdue", user_id=cls.salesman_a.id)
        cls.big.with_company(cls.company).sudo().credit_limit = 2000.0
        inv = cls._invoice(cls.big, 3000.0, 70)
        cls._pay(inv, 500.0, 20)
        cls._invoice(cls.big, 200.0, 1, move_type="out_refund")
        cls._sale_order(cls.big, 100.0)
        cls.small = cls._customer("Small Not Due", user_id=cls.salesman_b.id)
        cls._invoice(cls.small, 80.0, 2, payment_term=cls.pay_terms_30)
        cls.mid = cls._customer("Mid Overdue", user_id=cls.salesman_b.id, tz="Asia/Taipei")
        cls._invoice(cls.mid, 640.0, 35, currency=cls.eur)
        cls.customers = cls.big | cls.small | cls.mid
        cls.company.debt_hold_on_credit_limit = True

    def test_worklist_equals_partner_figures(self):
        rows = self.env["debt.worklist"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(rows.partner_id, self.customers)
        for row in rows:
            self.assertEqual(row.company_id, self.company)
            self.assertEqual(row.currency_id, self.currency)
            for row_field, partner_field in FIGURES.items():
                self.assertEqual(row[row_field], row.partner_id[partner_field],
                                 f"{row.partner_id.name}: {row_field}")

    def test_worklist_values_and_order(self):
        rows = self.env["debt.worklist"].search([("partner_id", "in", self.customers.ids)])
        self.assertEqual(rows.partner_id.ids, [self.big.id, self.mid.id, self.small.id])  # overdue desc
        big = rows[0]
        self.assertAlmostEqual(big.total_receivable, 2300.0, places=2)  # 2500 - 200
        self.assertAlmostEqual(big.overdue_amount, 2300.0, places=2)
        self.assertAlmostEqual(big.credit_exposure, 2400.0, places=2)
        self.assertAlmostEqual(big.credit_used_percent, 120.0, places=2)
        self.assertTrue(big.on_credit_hold)
        self.assertEqual(big.salesperson_id, self.salesman_a)
        self.assertEqual(big.collector_id, self.salesman_a)
        self.assertAlmostEqual(rows[1].overdue_amount, 320.0, places=2)  # 640 EUR at 2 EUR per USD
        self.assertEqual(rows[2].overdue_amount, 0.0)
        self.assertAlmostEqual(rows[2].not_due_amount, 80.0, places=2)

    def test_filters(self):
        Worklist = self.env["debt.worklist"]
        base = [("partner_id", "in", self.customers.ids)]
        self.assertEqual(Worklist.search(base + [("oldest_overdue_days", ">", 30)]).partner_id, self.big | self.mid)
        self.assertEqual(Worklist.search(base + [("on_credit_hold", "=", True)]).partner_id, self.big)
        mine = Worklist.with_user(self.salesman_b).search(
            base + ["|", ("salesperson_id", "=", self.salesman_b.id), ("collector_id", "=", self.salesman_b.id)])
        self.assertEqual(mine.partner_id, self.small | self.mid)
        groups = Worklist._read_group(base, ["salesperson_id"], ["overdue_amount:sum"])
        self.assertEqual(dict((user, amount) for user, amount in groups),
                         {self.salesman_a: 2300.0, self.salesman_b: 320.0})

    def test_actions(self):
        row = self.env["debt.worklist"].search([("partner_id", "=", self.big.id)])
        action = row.action_open_items()
        lines = self.env["account.move.line"].search(action["domain"])
        self.assertAlmostEqual(sum(lines.mapped("amount_residual")), 2300.0, places=2)
        self.assertEqual(row.action_open_partner()["res_id"], self.big.id)
