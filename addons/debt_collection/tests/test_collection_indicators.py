from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import TODAY
from .common_snapshot import APRIL_30, MAY_31, SnapshotCommon

MAY_1 = date(2026, 5, 1)


@tagged("post_install", "-at_install")
class TestCollectionIndicators(SnapshotCommon):
    """Each indicator of May 2026 compared with the arithmetic of the class's story (common_snapshot.SnapshotCommon):
    partial payments, a credit note, a euro invoice paid in euros, a customer who changed collector on 15 May."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["debt.aging.snapshot"]._take_snapshots(APRIL_30, cls.company)
        cls._may()
        cls.env["debt.aging.snapshot"]._take_snapshots(MAY_31, cls.company)
        cls.env["debt.collection.indicator"]._refresh(cls.company)

    def _row(self, dimension, user=None, period="month", date_start=MAY_1, model=None):
        rows = (model or self.env["debt.collection.indicator"]).search([
            ("company_id", "=", self.company.id), ("period", "=", period), ("date_start", "=", date_start),
            ("dimension", "=", dimension), ("user_id", "=", user.id if user else False)])
        self.assertEqual(len(rows), 1)
        return rows

    def assertFigures(self, row, **expected):
        for fname, value in expected.items():
            self.assertAlmostEqual(row[fname], value, places=2, msg=fname)

    def test_company_month(self):
        row = self._row("company")
        # open on 30 April: A 1,000 + E 400 (800 EUR) = 1,400; on 31 May: Alpha 1,100 + Beta 700 = 1,800,
        # of which not due: F 500
        # sales of May: F 500 + B 600 - credit note 100 = 1,000; collected: 400 (Alpha) + 200 (400 EUR, Beta) = 600
        # (and indeed 1,400 + 1,000 - 600 = 1,800)
        self.assertEqual((row.date_end, row.date_begin_snapshot, row.days), (MAY_31, APRIL_30, 31))
        self.assertFigures(row, ar_begin=1400.0, ar_end=1800.0, ar_current=500.0, ar_overdue=1300.0,
                           credit_sales=1000.0, collected=600.0)
        self.assertFigures(
            row,
            dso=1800.0 / 1000.0 * 31,                      # 55.8 days
            dso_average=(1400.0 + 1800.0) / 2 / 1000.0 * 31,  # 49.6 days
            best_dso=500.0 / 1000.0 * 31,                  # 15.5 days
            days_delinquent=1300.0 / 1000.0 * 31,          # 40.3 days = 55.8 - 15.5
            cei=(1400.0 + 1000.0 - 1800.0) / (1400.0 + 1000.0 - 500.0) * 100,  # 600 / 1,900 = 31.58 %
            overdue_share=1300.0 / 1800.0 * 100,           # 72.22 %
            # count-back: May's sales 1,000 are covered in full (31 days), the other 800 are 800 / 1,400 of April's
            # sales (30 days)
            dso_count_back=31 + (1800.0 - 1000.0) / 1400.0 * 30,  # 48.14 days
        )
        self.assertTrue(row.is_latest)
        # the salesperson holds both customers all month: the company's figures
        seller = self._row("salesperson", self.seller)
        for fname in ("ar_begin", "ar_end", "ar_current", "credit_sales", "collected", "dso", "cei"):
            self.assertAlmostEqual(seller[fname], row[fname], places=2, msg=fname)

    def test_collector_changed_mid_month(self):
        # the open amounts belong to whoever held the customer on the snapshot's day (30 April: C1 both; 31 May:
        # Beta is C2's), the month's sales and collections to the customer's collector now
        one = self._row("collector", self.collector_1)
        self.assertFigures(one, ar_begin=1400.0, ar_end=1100.0, ar_current=0.0, credit_sales=600.0 - 100.0,
                           collected=400.0)
        self.assertFigures(
            one,
            dso=1100.0 / 500.0 * 31,                                     # 68.2 days
            best_dso=0.0,
            days_delinquent=1100.0 / 500.0 * 31,
            cei=(1400.0 + 500.0 - 1100.0) / (1400.0 + 500.0 - 0.0) * 100,  # 800 / 1,900 = 42.11 %
            overdue_share=100.0,
            # May: 500 sold (31 days), then 600 of April's 1,000 (Alpha's A)
            dso_count_back=31 + (1100.0 - 500.0) / 1000.0 * 30,          # 49.0 days
        )
        two = self._row("collector", self.collector_2)
        self.assertFigures(two, ar_begin=0.0, ar_end=700.0, ar_current=500.0, credit_sales=500.0, collected=200.0)
        self.assertFigures(two, dso=700.0 / 500.0 * 31, best_dso=500.0 / 500.0 * 31,  # 43.4 and 31 days
                           overdue_share=200.0 / 700.0 * 100,
                           # May: 500 (31 days), then 200 of April's 400 (Beta's E, 800 EUR), 30 days
                           dso_count_back=31 + (700.0 - 500.0) / 400.0 * 30)  # 46.0 days
        # CEI: 0 + 500 - 500 = 0 collectible: not computable (empty, read as 0)
        self.assertFalse(two.cei)

    def test_rolling_three_months(self):
        row = self._row("company", period="rolling_3", date_start=date(2026, 3, 1))
        # 1 March - 31 May (92 days); no snapshot before 1 March: no opening balance, no average DSO nor CEI
        # sales: April 1,000 + 400 (A, E), May 1,000
        self.assertEqual((row.date_end, row.days, row.date_begin_snapshot), (MAY_31, 92, False))
        self.assertFigures(row, ar_end=1800.0, credit_sales=2400.0, collected=600.0,
                           dso=1800.0 / 2400.0 * 92, best_dso=500.0 / 2400.0 * 92,  # 69.0 and 19.17 days
                           dso_count_back=31 + (1800.0 - 1000.0) / 1400.0 * 30)  # counted back from May's end
        self.assertFalse(row.dso_average)
        self.assertFalse(row.cei)

    def test_april_month_has_no_opening(self):
        row = self._row("company", date_start=date(2026, 4, 1))
        # 30 April: 1,400 open, all overdue; April's sales 1,400, nothing collected
        self.assertFigures(row, ar_end=1400.0, ar_current=0.0, credit_sales=1400.0, collected=0.0,
                           dso=1400.0 / 1400.0 * 30, overdue_share=100.0,
                           dso_count_back=30.0)  # April's sales exactly: its 30 days
        self.assertFalse(row.is_latest)

    def test_drill_down(self):
        one = self._row("collector", self.collector_1)
        sales = self.env["account.move.line"].search(one.action_open_sales()["domain"])
        self.assertEqual(sales.move_id, self.inv_b | self.refund)
        self.assertEqual(sum(sales.mapped("balance")), 500.0)
        collected = self.env["account.move.line"].search(one.action_open_collected()["domain"])
        self.assertEqual(-sum(collected.mapped("balance")), 400.0)
        snapshot = self.env["debt.aging.snapshot"].search(one.action_open_snapshot()["domain"])
        self.assertEqual(sum(snapshot.mapped("amount")), 1100.0)

    def test_users_see_their_own_figures(self):
        Indicator = self.env["debt.collection.indicator"]
        mine = Indicator.with_user(self.collector_1).search([("company_id", "=", self.company.id)])
        self.assertTrue(mine)
        self.assertEqual(set(mine.mapped("dimension")), {"collector"})
        self.assertEqual(mine.user_id, self.collector_1)
        self._row("collector", self.collector_1, model=Indicator.with_user(self.collector_1))
        self.assertFalse(Indicator.with_user(self.collector_2).search([
            ("company_id", "=", self.company.id), ("user_id", "=", self.collector_1.id)]))
        self.assertFalse(Indicator.with_user(self.salesman_a).search([("company_id", "=", self.company.id)]))
        # managers see the company's and everyone's
        everything = Indicator.with_user(self.collection_manager).search([
            ("company_id", "=", self.company.id), ("period", "=", "month"), ("date_start", "=", MAY_1)])
        self.assertEqual(set(everything.mapped("dimension")), {"company", "salesperson", "collector"})

    def test_refresh_by_managers_and_own_figures_by_collectors(self):
        Indicator = self.env["debt.collection.indicator"]
        clerk = new_test_user(self.env, login="dc_snap_clerk", groups="base.group_user",
                              company_id=self.company.id, company_ids=[Command.set(self.company.ids)])
        with self.assertRaises(AccessError):
            Indicator.with_user(clerk).action_refresh()
        # a payment of 100 on B (Alpha's, collector 1) on 28 May, registered after the refresh: counted once the
        # indicators are refreshed
        self._pay(self.inv_b, 100.0, (TODAY - date(2026, 5, 28)).days)
        self.assertAlmostEqual(self._row("collector", self.collector_1).collected, 400.0, places=2)
        others = Indicator.search([("company_id", "=", self.company.id), ("user_id", "!=", self.collector_1.id)])
        # collector 1 refreshes their own rows only: 400 + 100; the company's and the salesperson's stay as they were
        # until a manager's refresh (600 collected: 400 Alpha + 200 Beta)
        Indicator.with_user(self.collector_1).action_refresh()
        self.assertAlmostEqual(self._row("collector", self.collector_1).collected, 400.0 + 100.0, places=2)
        self.assertEqual(Indicator.search([("company_id", "=", self.company.id),
                                           ("user_id", "!=", self.collector_1.id)]), others)
        self.assertAlmostEqual(self._row("company").collected, 600.0, places=2)
        self.assertAlmostEqual(self._row("salesperson", self.seller).collected, 600.0, places=2)
        # ... and still their whole figures: April, 1,400 open on 30 April (both customers theirs on that day), the
        # 1,000 sold to Alpha (theirs now; Beta's 400 is collector 2's now)
        april = self._row("collector", self.collector_1, date_start=date(2026, 4, 1))
        self.assertFigures(april, ar_end=1400.0, credit_sales=1000.0, collected=0.0)
        # 1,400 open, 1,000 sold in the only month before: not enough sales to count back (empty, not 30 days)
        self.assertFalse(april.dso_count_back)
        # the manager's refresh: everyone's, the company's included
        Indicator.with_user(self.collection_manager).action_refresh()
        self.assertAlmostEqual(self._row("company").collected, 600.0 + 100.0, places=2)
        self.assertAlmostEqual(self._row("salesperson", self.seller).collected, 600.0 + 100.0, places=2)
        self.assertAlmostEqual(self._row("collector", self.collector_2).collected, 200.0, places=2)
        # rows are written by the refresh alone
        with self.assertRaises(AccessError):
            self._row("company").with_user(self.collection_manager).write({"dso": 1.0})
        with self.assertRaises(AccessError):
            self._row("collector", self.collector_1).with_user(self.collector_1).write({"dso": 1.0})

    def test_dashboard_reads_the_indicators(self):
        """Every pivot and chart of the Collections dashboard names fields that exist and a domain that runs; a
        manager gets figures from each, a collection user only their own (none of the company's)."""
        dashboard = self.env.ref("debt_collection.dashboard_collections")
        self.assertIn(self.env.ref("debt_collection.group_debt_collection_user"), dashboard.group_ids)
        data = dashboard.with_user(self.collector_1).get_readonly_dashboard()["snapshot"]
        sources = {f"pivot {pid}": (pivot["model"], pivot["domain"],
                                    [f["fieldName"] + (f":{f['granularity']}" if f.get("granularity") else "")
                                     for f in pivot["rows"]],
                                    [f["fieldName"] for f in pivot["measures"]])
                   for pid, pivot in data["pivots"].items()}
        for sheet in data["sheets"]:
            for figure in sheet["figures"]:
                meta = figure["data"]["metaData"]
                sources[figure["id"]] = (meta["resModel"], figure["data"]["searchParams"]["domain"], meta["groupBy"],
                                         [meta["measure"]])
        self.assertEqual({source[0] for source in sources.values()},
                         {"debt.collection.indicator", "debt.aging.snapshot", "debt.collection.activity.report",
                          "debt.reminder.effectiveness"})

        def read(user, source):
            model, domain, groupby, measures = source
            records = self.env[model].with_user(user)
            for fname in groupby + measures:
                self.assertIn(fname.split(":")[0], records._fields, model)
            return records.read_group(domain + [("company_id", "=", self.company.id)], measures, groupby, lazy=False)

        for name, source in sources.items():
            groups = read(self.collection_manager, source)
            if source[0] in ("debt.collection.indicator", "debt.aging.snapshot"):
                self.assertTrue(groups, name)  # (this test makes no promise, call or reminder: their pivots read empty)
        # pivot 1: the company's figures by month; 2: per collector over the last 3 months
        self.assertFalse(read(self.collector_1, sources["pivot 1"]))
        mine = read(self.collector_1, sources["pivot 2"])
        self.assertEqual([group["user_id"][0] for group in mine], [self.collector_1.id])
        # the 3 months to 31 May (92 days): the sales of Alpha, C1's customer now: April 1,000 (A), May 600 - 100 = 500
        # (Beta's are C2's now); open at the end: Alpha's 1,100. DSO 1,100 / 1,500 x 92 = 67.47 days
        self.assertAlmostEqual(mine[0]["dso"], 1100.0 / 1500.0 * 92, places=2)
