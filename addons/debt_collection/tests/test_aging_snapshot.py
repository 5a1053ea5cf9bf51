from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import TODAY
from .common_snapshot import APRIL_30, MAY_31, SnapshotCommon


@tagged("post_install", "-at_install")
class TestAgingSnapshot(SnapshotCommon):
    """The daily aging snapshot: columns and owners of the day, idempotent per day, month ends, retention, the
    manager's backfill, the trend's filters and drill-down, and who sees which rows."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.april = cls.env["debt.aging.snapshot"]._take_snapshots(APRIL_30, cls.company)
        cls._may()
        cls.may = cls.env["debt.aging.snapshot"]._take_snapshots(MAY_31, cls.company)

    def test_columns_and_owners_of_each_day(self):
        # 30 April (default profile 15,30,45,60,75,90: column 1 is 1-15 days, 2 is 16-30): A 1,000 20 days overdue,
        # E 800 EUR = 400 USD 10 days overdue, both collected by C1
        self.assertEqual(self._rows(APRIL_30), {
            ("dc_snap_c1", 2): (1000.0, 1),
            ("dc_snap_c1", 1): (400.0, 1),
        })
        # 31 May: Alpha (C1) B 600 (11 days) - credit note 100 (6 days) in 1-15, A 1,000 - 400 = 600 51 days
        # overdue in 46-60; Beta, now C2's: F 500 not due (column 0), E 800 - 400 = 400 EUR = 200 USD 41 days in 31-45
        self.assertEqual(self._rows(MAY_31), {
            ("dc_snap_c1", 1): (600.0 - 100.0, 2),
            ("dc_snap_c1", 4): (1000.0 - 400.0, 1),
            ("dc_snap_c2", 0): (500.0, 1),
            ("dc_snap_c2", 3): (400.0 / 2, 1),
        })
        self.assertEqual(self.may.amount, 1100.0 + 700.0)
        self.assertEqual(self.may.item_count, 5)
        columns = self.env["debt.aging.snapshot"].search([("day_id", "=", self.may.id)]).column_id
        self.assertEqual(set(columns.mapped("name")), {"Not due", "1-15", "31-45", "46-60"})
        self.assertTrue(all(row.overdue == (row.bucket_index > 0) for row in self.may.snapshot_ids))

    def test_taking_a_day_again_replaces_it(self):
        before = self._rows(MAY_31)
        rows_before = self.may.snapshot_ids
        again = self._take(MAY_31)
        self.assertEqual(again, self.may)  # the same day record, its rows replaced
        self.assertEqual(self._rows(MAY_31), before)
        self.assertEqual(len(self.may.snapshot_ids), len(rows_before))
        self.assertFalse(rows_before.exists())
        self.assertEqual(self.env["debt.aging.snapshot.day"].search_count([
            ("company_id", "=", self.company.id), ("snapshot_date", "=", MAY_31)]), 1)

    def test_month_end_flag_follows_the_last_day_taken(self):
        mid_may = self._take(date(2026, 5, 15))
        self.assertFalse(mid_may.is_month_end)
        self.assertTrue(self.may.is_month_end)
        self.assertTrue(self.april.is_month_end)
        self.assertTrue(all(self.may.snapshot_ids.mapped("is_month_end")))
        self.assertFalse(any(mid_may.snapshot_ids.mapped("is_month_end")))
        # a later day of April replaces 30 April as April's end? no: 30 April is its last day; a day of June does
        # not touch May
        june = self._take(date(2026, 6, 1))
        self.assertTrue(june.is_month_end)
        self.assertTrue(self.may.is_month_end)

    def test_cron_takes_today_and_purges_by_retention(self):
        self.company.debt_snapshot_retention_days = 30  # keep 16 May .. 15 June
        self.env["debt.aging.snapshot"]._cron_take_snapshots()
        today = self.env["debt.aging.snapshot.day"].search([
            ("company_id", "=", self.company.id), ("snapshot_date", "=", TODAY)])
        self.assertTrue(today)
        # on 15 June: Alpha as on 31 May (A 66 days overdue: 61-75, B 26 days: 16-30, credit note 21 days: 16-30);
        # Beta: F due 14 June (1 day overdue), E 56 days (46-60)
        self.assertEqual(self._rows(TODAY), {
            ("dc_snap_c1", 5): (600.0, 1),
            ("dc_snap_c1", 2): (500.0, 2),
            ("dc_snap_c2", 1): (500.0, 1),
            ("dc_snap_c2", 4): (200.0, 1),
        })
        # and the indicators computed again: June's period ends today
        june = self.env["debt.collection.indicator"].search([
            ("company_id", "=", self.company.id), ("dimension", "=", "company"), ("period", "=", "month"),
            ("date_start", "=", date(2026, 6, 1))])
        self.assertEqual((june.date_end, june.ar_end), (TODAY, 1100.0 + 700.0))
        self.assertFalse(self.april.exists())  # older than 30 days
        self.assertTrue(self.may.exists())
        self.assertFalse(self.env["debt.aging.snapshot"].search([("snapshot_date", "=", APRIL_30)]))
        # a second run the same day replaces the day; retention 0 keeps every day
        self.company.debt_snapshot_retention_days = 0
        self.env["debt.aging.snapshot"]._cron_take_snapshots()
        self.assertEqual(self.env["debt.aging.snapshot.day"].search_count([
            ("company_id", "=", self.company.id), ("snapshot_date", "=", TODAY)]), 1)
        self.assertTrue(self.may.exists())

    def test_retention_bounded(self):
        with self.assertRaises(UserError):
            self.company.debt_snapshot_retention_days = -1
        with self.assertRaises(UserError):
            self.env["res.config.settings"].create({"debt_snapshot_retention_days": 2**31})
        self.assertEqual(self.company.debt_snapshot_retention_days, 731)

    def test_backfill_by_a_manager(self):
        self.april.unlink()
        wizard = self.env["debt.aging.snapshot.backfill"].with_user(self.collection_manager).create({
            "date_from": date(2026, 4, 1), "date_to": MAY_31, "frequency": "month_end",
            "company_ids": [Command.set(self.company.ids)]})
        self.assertEqual(wizard._dates(), [APRIL_30, MAY_31])
        wizard.action_backfill()
        april = self.env["debt.aging.snapshot.day"].search([
            ("company_id", "=", self.company.id), ("snapshot_date", "=", APRIL_30)])
        self.assertTrue(april.backfilled)
        # rebuilt as of 30 April: the payments of May are not counted; the owners are today's (Beta: C2)
        self.assertEqual(self._rows(APRIL_30), {
            ("dc_snap_c1", 2): (1000.0, 1),
            ("dc_snap_c2", 1): (400.0, 1),
        })
        daily = self.env["debt.aging.snapshot.backfill"].with_user(self.collection_manager).create({
            "date_from": date(2026, 5, 30), "date_to": MAY_31, "frequency": "daily"})
        self.assertEqual(daily._dates(), [date(2026, 5, 30), MAY_31])

    def test_backfill_bad_input(self):
        Backfill = self.env["debt.aging.snapshot.backfill"].with_user(self.collection_manager)
        for values in (
            {"date_from": MAY_31, "date_to": APRIL_30},  # ends before it starts
            {"date_from": APRIL_30, "date_to": date(2026, 6, 16)},  # tomorrow
            {"date_from": date(2023, 1, 1), "date_to": MAY_31},  # too long
        ):
            wizard = Backfill.create(values)
            with self.assertRaises(UserError):
                wizard.action_backfill()
        self.assertEqual(self.env["debt.aging.snapshot.day"].search_count([("company_id", "=", self.company.id)]), 2)

    def test_backfill_refused_to_users(self):
        with self.assertRaises(AccessError):
            self.env["debt.aging.snapshot.backfill"].with_user(self.collector_1).create({
                "date_from": APRIL_30, "date_to": MAY_31})
        with self.assertRaises(AccessError):
            self.env["debt.aging.snapshot.backfill"].with_user(self.collector_1).default_get(["date_from"])

    def test_tag_filter_and_trend_groups(self):
        Snapshot = self.env["debt.aging.snapshot"]
        vip = Snapshot.search([("category_ids", "in", self.tag_vip.ids), ("snapshot_date", "=", MAY_31)])
        self.assertEqual(sum(vip.mapped("amount")), 1100.0)  # Alpha only
        self.assertEqual(Snapshot.search([("category_ids", "ilike", "Snapshot VIP")]), vip | Snapshot.search([
            ("category_ids", "in", self.tag_vip.ids), ("snapshot_date", "=", APRIL_30)]))
        # the monthly trend: the month ends, stacked by column in age order
        groups = Snapshot.read_group(
            [("is_month_end", "=", True), ("salesperson_id", "=", self.seller.id)], ["amount:sum"],
            ["snapshot_date:month", "column_id"], lazy=False)
        may = [(group["column_id"][1], group["amount"])
               for group in groups if group["snapshot_date:month"] == "May 2026"]
        self.assertEqual(may, [("Not due", 500.0), ("1-15", 500.0), ("31-45", 200.0), ("46-60", 600.0)])

    def test_drill_down_to_the_customers(self):
        row = self.env["debt.aging.snapshot"].search([
            ("snapshot_date", "=", MAY_31), ("collector_id", "=", self.collector_2.id), ("bucket_index", "=", 3)])
        action = row.action_open_customers()
        lines = self.env[action["res_model"]].search(action["domain"])
        self.assertEqual(lines.partner_id, self.beta)
        self.assertEqual(sum(lines.mapped("amount")), 700.0)  # the customer's whole aging as of 31 May

    def test_users_see_the_rows_of_their_customers(self):
        Snapshot = self.env["debt.aging.snapshot"]
        for user, expected in (
            (self.collector_1, {("dc_snap_c1", 1), ("dc_snap_c1", 4)}),
            (self.collector_2, {("dc_snap_c2", 0), ("dc_snap_c2", 3)}),
            (self.seller, {("dc_snap_c1", 1), ("dc_snap_c1", 4), ("dc_snap_c2", 0), ("dc_snap_c2", 3)}),
            (self.salesman_a, set()),
        ):
            rows = Snapshot.with_user(user).search([("snapshot_date", "=", MAY_31)])
            self.assertEqual({(row.collector_id.login, row.bucket_index) for row in rows}, expected, user.login)
        # the days (the whole company's totals) are the managers'
        with self.assertRaises(AccessError):
            self.env["debt.aging.snapshot.day"].with_user(self.collector_1).search([])
        self.assertTrue(self.env["debt.aging.snapshot.day"].with_user(self.collection_manager).search([]))
        # the rows are written by the snapshot alone
        with self.assertRaises(AccessError):
            self.may.snapshot_ids[:1].with_user(self.collection_manager).write({"amount": 1.0})
        with self.assertRaises(AccessError):
            Snapshot.with_user(self.collection_manager).create({"day_id": self.may.id, "snapshot_date": MAY_31,
                                                                "company_id": self.company.id})
