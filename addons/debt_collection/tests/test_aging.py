from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import DebtCollectionCommon, days_ago


@tagged("post_install", "-at_install")
class TestAgingReport(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tag_vip = cls.env["res.partner.category"].create({"name": "VIP"})
        cls.customer = cls._customer("Aging Customer", user_id=cls.salesman_a.id, credit_days=30,
                                     category_id=[Command.set(cls.tag_vip.ids)])
        cls.customer.with_company(cls.company).sudo().credit_limit = 5300.0
        c = cls.customer
        cls.inv_15 = cls._invoice(c, 1000.0, 15)   # 15 days overdue: 1-15
        cls.inv_16 = cls._invoice(c, 500.0, 16)    # 16 days overdue: 16-30
        cls.inv_today = cls._invoice(c, 200.0, 0)  # due today: not due
        cls.inv_200 = cls._invoice(c, 300.0, 200)  # over 90
        cls.refund_40 = cls._invoice(c, 100.0, 40, move_type="out_refund")  # -100 in 31-45
        cls.payment_5 = cls._unreconciled_payment(c, 50.0, 5)  # -50 in 1-15
        cls.inv_eur = cls._invoice(c, 400.0, 50, currency=cls.eur)  # 200.00 USD in 46-60
        term = cls.env["account.payment.term"].create({
            "name": "Half now, half in 60 days",
            "line_ids": [
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 0}),
                Command.create({"value": "percent", "value_amount": 50, "nb_days": 60}),
            ],
        })
        # 600 invoiced 70 days ago: 300 due 70 days ago (61-75) and 300 due 10 days ago (1-15)
        cls.inv_installments = cls._invoice(c, 600.0, 70, payment_term=term)
        cls.other = cls._customer("Other Customer", user_id=cls.salesman_b.id)
        cls._invoice(cls.other, 90.0, 80)  # 76-90

    def _report(self, **values):
        return self.env["debt.aging.report"].create({
            "partner_ids": [Command.set((self.customer | self.other).ids)], **values})

    def _cells(self, report, partner=None):
        partner = partner or self.customer
        lines = report.line_ids.filtered(lambda ln: ln.partner_id == partner)
        return {line.bucket_index: round(line.amount, 2) for line in lines}

    def test_default_profile_and_labels(self):
        report = self._report()
        self.assertEqual(report.profile_id, self.env.ref("debt_collection.aging_profile_15_days"))
        report._compute_lines()
        self.assertEqual(report.bucket_ids.mapped("name"),
                         ["Not due", "1-15", "16-30", "31-45", "46-60", "61-75", "76-90", "Over 90"])

    def test_buckets_by_due_date(self):
        report = self._report()
        report._compute_lines()
        self.assertEqual(self._cells(report), {
            0: 200.0,               # due today
            1: 1000.0 - 50 + 300,   # 15 days, the payment of 5 days ago, the 2nd installment
            2: 500.0,               # 16 days
            3: -100.0,              # the credit note
            4: 200.0,               # 400 EUR
            5: 300.0,               # 1st installment, 70 days
            7: 300.0,               # 200 days
        })
        self.assertEqual(self._cells(report, self.other), {6: 90.0})
        # each customer's total equals its open receivable items, and the partner's figure
        total = sum(self._cells(report).values())
        self.assertAlmostEqual(total, 2650.0, places=2)
        self.assertAlmostEqual(total, self.customer.debt_total_receivable, places=2)
        line = report.line_ids.filtered(lambda ln: ln.partner_id == self.customer and ln.bucket_index == 1)
        self.assertEqual(line.item_count, 3)
        self.assertEqual(line.salesperson_id, self.salesman_a)
        self.assertAlmostEqual(line.customer_total, 2650.0, places=2)
        self.assertAlmostEqual(line.credit_limit, 5300.0, places=2)
        self.assertAlmostEqual(line.credit_used_percent, 50.0, places=2)

    def test_buckets_by_invoice_date(self):
        report = self._report(basis="invoice_date")
        report._compute_lines()
        self.assertEqual(self._cells(report), {
            0: 200.0, 1: 1000.0 - 50, 2: 500.0, 3: -100.0, 4: 200.0, 5: 600.0, 7: 300.0})

    def test_buckets_by_credit_days(self):
        # aged from invoice date + 30 credit days
        report = self._report(basis="credit_days")
        report._compute_lines()
        self.assertEqual(self._cells(report), {
            0: 1000.0 + 500 + 200 - 50,  # 15, 16, 0 and 5 days old: within the 30 days of credit
            1: -100.0,                    # 40 days old: 10 days past the credit
            2: 200.0,                     # 50 days old: 20 days past
            3: 600.0,                     # 70 days old: 40 days past (both installments)
            7: 300.0,                     # 200 days old
        })

    def test_width_and_count_and_list(self):
        report = self._report(interval_mode="width", interval_width=30, interval_count=2)
        report._compute_lines()
        self.assertEqual(report.bucket_ids.mapped("name"), ["Not due", "1-30", "31-60", "Over 60"])
        self.assertEqual(self._cells(report), {0: 200.0, 1: 1750.0, 2: 100.0, 3: 600.0})
        report.write({"interval_mode": "list", "interval_list": "10, 20"})
        report._compute_lines()
        self.assertEqual(report.bucket_ids.mapped("name"), ["Not due", "1-10", "11-20", "Over 20"])
        self.assertEqual(self._cells(report), {0: 200.0, 1: 250.0, 2: 1500.0, 3: 700.0})

    def test_save_profile(self):
        report = self._report(interval_mode="list", interval_list="7,14,21", save_as_name="Weekly")
        report.action_save_profile()
        self.assertEqual(report.interval_mode, "profile")
        self.assertEqual(report.profile_id.name, "Weekly")
        self.assertEqual(report.profile_id.bounds, "7,14,21")

    def test_only_managers_save_profiles(self):
        arch = self.env["debt.aging.report"].with_user(self.salesman_a).get_views([(False, "form")])["views"]["form"]
        self.assertNotIn("action_save_profile", arch["arch"])
        arch = self.env["debt.aging.report"].with_user(self.collection_manager).get_views(
            [(False, "form")])["views"]["form"]
        self.assertIn("action_save_profile", arch["arch"])
        report = self.env["debt.aging.report"].with_user(self.salesman_a).create({
            "interval_mode": "list", "interval_list": "7,14", "save_as_name": "Weekly"})
        with self.assertRaises(AccessError):
            report.action_save_profile()

    def test_bad_intervals_give_no_report(self):
        bad = [
            {"interval_mode": "list", "interval_list": "30,15"},
            {"interval_mode": "list", "interval_list": "0,15"},
            {"interval_mode": "list", "interval_list": "-5"},
            {"interval_mode": "list", "interval_list": " "},
            {"interval_mode": "list", "interval_list": ",".join(str(n) for n in range(1, 20))},
            {"interval_mode": "width", "interval_width": 30, "interval_count": 0},
        ]
        for values in bad:
            report = self._report(**values)
            with self.assertRaises(ValidationError, msg=str(values)):
                report.action_view_report()
            self.assertFalse(report.line_ids, str(values))
        with self.assertRaisesRegex(ValidationError, "strictly increasing"):
            self.env["debt.aging.profile"].create({"name": "Bad", "bounds": "30,15"})

    def test_single_default_profile(self):
        weekly = self.env["debt.aging.profile"].create({"name": "Weekly", "bounds": "7,14", "company_id": False})
        weekly.is_default = True
        self.assertFalse(self.env.ref("debt_collection.aging_profile_15_days").is_default)

    def test_past_date_rebuilds_open_amounts(self):
        customer = self._customer("Past Customer", user_id=self.salesman_a.id)
        invoice = self._invoice(customer, 800.0, 100)
        self._pay(invoice, 800.0, 20)  # paid in full 20 days ago
        advance = self._unreconciled_payment(customer, 300.0, 30)  # paid in advance 30 days ago...
        later = self._invoice(customer, 300.0, 10)  # ...for an invoice issued 10 days ago
        (advance.move_id.line_ids | later.line_ids).filtered(
            lambda ln: ln.account_id.account_type == "asset_receivable").reconcile()
        self.assertEqual(later.payment_state, "paid")

        today = self.env["debt.aging.report"].create({"partner_ids": [Command.set(customer.ids)]})
        today._compute_lines()
        self.assertFalse(today.line_ids)

        # 25 days ago: the invoice of 100 days ago was open (75 days overdue), the advance was
        # received 5 days before and not yet matched with anything: -300, not yet due... no: dated
        # 30 days ago, so 5 days "overdue" as a credit in 1-15.
        past = self.env["debt.aging.report"].create({
            "partner_ids": [Command.set(customer.ids)], "date_at": days_ago(25)})
        past._compute_lines()
        self.assertEqual(self._cells(past, customer), {5: 800.0, 1: -300.0})

        # 15 days ago: the invoice was paid (20 days ago); the advance still waited for its invoice
        between = self.env["debt.aging.report"].create({
            "partner_ids": [Command.set(customer.ids)], "date_at": days_ago(15)})
        between._compute_lines()
        self.assertEqual(self._cells(between, customer), {1: -300.0})

    def test_filters(self):
        report = self._report(salesperson_ids=[Command.set(self.salesman_b.ids)])
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.other)
        report = self._report(category_ids=[Command.set(self.tag_vip.ids)])
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.customer)
        report = self._report(min_amount=1000.0)
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.customer)
        report = self._report(collector_ids=[Command.set(self.salesman_b.ids)])
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.other)
        not_due = self._customer("Not Due Yet", user_id=self.salesman_a.id)
        self._invoice(not_due, 70.0, 1, payment_term=self.pay_terms_30)
        report = self.env["debt.aging.report"].create({
            "partner_ids": [Command.set((not_due | self.other).ids)], "overdue_only": True})
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.other)

    def test_grouping_in_the_pivot_action(self):
        report = self._report(groupby="collector")
        action = report.action_view_report()
        self.assertEqual(action["context"]["pivot_row_groupby"], ["collector_id", "partner_id"])
        self.assertEqual(action["context"]["pivot_column_groupby"], ["bucket_id"])
        groups = self.env["debt.aging.report.line"]._read_group(
            action["domain"], ["collector_id"], ["amount:sum"])
        self.assertEqual({user: round(amount, 2) for user, amount in groups},
                         {self.salesman_a: 2650.0, self.salesman_b: 90.0})
        # the pivot's columns come in age order
        columns = self.env["debt.aging.report.line"]._read_group(action["domain"], ["bucket_id"], ["amount:sum"])
        self.assertEqual([bucket.bucket_index for bucket, _amount in columns], [0, 1, 2, 3, 4, 5, 6, 7])

    def test_pivot_shows_every_column(self):
        # this customer has nothing in 76-90: the column is still there, empty, in its place
        report = self.env["debt.aging.report"].create({"partner_ids": [Command.set(self.customer.ids)]})
        action = report.action_view_report()
        lines = self.env["debt.aging.report.line"]
        self.assertEqual(sorted(report.line_ids.mapped("bucket_index")), [0, 1, 2, 3, 4, 5, 7])
        labels = ["Not due", "1-15", "16-30", "31-45", "46-60", "61-75", "76-90", "Over 90"]
        # the pivot's column headers: the columns alone, in eager mode
        columns = lines.read_group(action["domain"], ["amount:sum"], ["bucket_id"], lazy=False)
        self.assertEqual([column["bucket_id"][1] for column in columns], labels)
        self.assertEqual([column["__count"] for column in columns], [1, 1, 1, 1, 1, 1, 0, 1])
        self.assertEqual([round(column["amount"], 2) for column in columns],
                         [200.0, 1250.0, 500.0, -100.0, 200.0, 300.0, 0.0, 300.0])
        self.assertEqual(lines.search(columns[6]["__domain"]), lines)  # the empty column's cell opens nothing
        self.assertEqual(lines.search(columns[1]["__domain"]).bucket_index, 1)
        # the pivot's cells: only those that hold something
        cells = lines.read_group(action["domain"], ["amount:sum"], ["partner_id", "bucket_id"], lazy=False)
        self.assertEqual(len(cells), 7)
        # web_read_group (the graph's call; Odoo's graph view itself leaves out groups without records), and
        # the list grouped by column (lazy)
        graph = lines.web_read_group(action["domain"], ["amount:sum"], ["bucket_id"], lazy=False)
        self.assertEqual([group["bucket_id"][1] for group in graph["groups"]], labels)
        grouped = lines.read_group(action["domain"], ["amount:sum"], ["bucket_id"])
        self.assertEqual([group["bucket_id_count"] for group in grouped], [1, 1, 1, 1, 1, 1, 0, 1])
        # another report's columns never mix in
        other = self.env["debt.aging.report"].create({
            "partner_ids": [Command.set(self.other.ids)], "interval_mode": "list", "interval_list": "30"})
        other_columns = lines.read_group(other.action_view_report()["domain"], ["amount:sum"], ["bucket_id"],
                                         lazy=False)
        self.assertEqual([column["bucket_id"][1] for column in other_columns], ["Not due", "1-30", "Over 30"])

    def test_drill_down_to_items_and_invoice(self):
        report = self._report()
        report._compute_lines()
        line = report.line_ids.filtered(lambda ln: ln.partner_id == self.customer and ln.bucket_index == 1)
        action = line.action_open_items()
        items = self.env["debt.aging.report.item"].search(action["domain"])
        self.assertEqual(len(items), 3)
        self.assertAlmostEqual(sum(items.mapped("amount")), line.amount, places=2)
        self.assertEqual(set(items.mapped("days_overdue")), {15, 5, 10})
        invoice_item = items.filtered(lambda i: i.move_id == self.inv_15)
        self.assertEqual(invoice_item.action_open_move()["res_id"], self.inv_15.id)
        eur_line = report.line_ids.filtered(lambda ln: ln.partner_id == self.customer and ln.bucket_index == 4)
        eur_item = self.env["debt.aging.report.item"].search(eur_line.action_open_items()["domain"])
        self.assertEqual(eur_item.currency_id, self.eur)
        self.assertAlmostEqual(eur_item.amount_currency, 400.0, places=2)
        self.assertAlmostEqual(eur_item.amount, 200.0, places=2)

    def test_due_list_counts_installments(self):
        report = self._report(due_from=days_ago(12), due_to=days_ago(0))
        action = report.action_due_list()
        self.assertEqual(action["res_model"], "debt.aging.report.item")
        items = self.env["debt.aging.report.item"].search(action["domain"])
        # the 2nd installment (10 days ago) and the invoice due today; not the whole installment invoice,
        # not the unreconciled payment of 5 days ago (nothing is owed on it)
        self.assertEqual(sorted(items.mapped("amount")), [200.0, 300.0])
        self.assertEqual(items.move_id, self.inv_installments | self.inv_today)
        self.assertEqual(sorted(items.mapped("bucket_label")), ["1-15", "Not due"])
        installment = items.filtered(lambda i: i.move_id == self.inv_installments)
        self.assertEqual((installment.due_date, installment.days_overdue), (days_ago(10), 10))
        self.assertEqual(installment.action_open_move()["res_id"], self.inv_installments.id)
        # what falls due next week
        next_week = self._invoice(self.customer, 450.0, 25, payment_term=self.pay_terms_30)  # due in 5 days
        report.write({"due_from": days_ago(-1), "due_to": days_ago(-7)})
        items = self.env["debt.aging.report.item"].search(report.action_due_list()["domain"])
        self.assertEqual(items.move_id, next_week)
        self.assertEqual((items.amount, items.days_overdue, items.bucket_label), (450.0, -5, "Not due"))
        report.write({"due_from": days_ago(0), "due_to": days_ago(5)})
        with self.assertRaisesRegex(UserError, "starts after it ends"):
            report.action_due_list()
        report.write({"due_from": False})
        with self.assertRaisesRegex(UserError, "first and the last due date"):
            report.action_due_list()

    def test_due_list_of_a_salesperson(self):
        # the invoices were made by another user: Odoo's own invoice rules would hide them from the
        # salesperson, the due list still shows the items of their customers, and only those
        report = self.env["debt.aging.report"].with_user(self.salesman_b).create({
            "due_from": days_ago(90), "due_to": days_ago(0)})
        items = self.env["debt.aging.report.item"].with_user(self.salesman_b).search(report.action_due_list()["domain"])
        self.assertEqual(items.partner_id, self.other)
        self.assertEqual(items.mapped("amount"), [90.0])

    def test_salesperson_sees_own_customers_only(self):
        report = self.env["debt.aging.report"].with_user(self.salesman_b).create({})
        report._compute_lines()
        self.assertEqual(report.line_ids.partner_id, self.other)
        self.assertFalse(self.env["debt.aging.report"].with_user(self.salesman_a).search([("id", "=", report.id)]))
        manager_report = self.env["debt.aging.report"].with_user(self.collection_manager).create({
            "partner_ids": [Command.set((self.customer | self.other).ids)]})
        manager_report._compute_lines()
        self.assertEqual(manager_report.line_ids.partner_id, self.customer | self.other)

    def test_companies_limited_to_allowed(self):
        company_2 = self.setup_other_company(name="Aging Co 2")["company"]
        self._invoice(self.customer, 999.0, 30, company=company_2)
        # by default, the companies the user works in (the company switcher's selection)
        report = self._report()
        report._compute_lines()
        self.assertEqual(report.line_ids.company_id, self.company | company_2)
        report = self.env["debt.aging.report"].with_context(allowed_company_ids=self.company.ids).create({
            "partner_ids": [Command.set(self.customer.ids)]})
        self.assertEqual(report.company_ids, self.company)
        report._compute_lines()
        self.assertEqual(report.line_ids.company_id, self.company)
        # the companies filter
        report = self._report(company_ids=[Command.set(company_2.ids)])
        report._compute_lines()
        self.assertEqual(self._cells(report), {2: 999.0})
        self.assertEqual(report.line_ids.company_id, company_2)
        # a user never gets a company they are not allowed in, even when asked for
        report = self.env["debt.aging.report"].with_user(self.salesman_a).create({
            "company_ids": [Command.set((self.company | company_2).ids)]})
        report._compute_lines()
        self.assertEqual(report.line_ids.company_id, self.company)  # company 2 is not one of theirs
        report = self.env["debt.aging.report"].with_user(self.salesman_a).create({
            "company_ids": [Command.set(company_2.ids)]})
        with self.assertRaisesRegex(UserError, "companies you are working in"):
            report._compute_lines()
