from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_promise import PromiseCommon


@tagged("post_install", "-at_install")
class TestActivityIndicators(PromiseCommon):
    """The collection activity report (debt.collection.activity.report) over real invoices, payments (the
    payment wizard, a partial payment, a credit note, an invoice in euros), promises evaluated by the daily job
    and calls, on frozen days of May and June 2026. The customer "Mid-Month" changes collector on 16 June, from
    Alice to Bob: the calls and promises go to the collector recorded on them (who made the call, who took the
    promise), the customer's figures as a whole to its collector of today, and only Bob (and the managers)
    may read them now."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice, cls.bob = cls.salesman_a, cls.salesman_b
        cls.nobody = new_test_user(
            cls.env, login="dc_act_nobody", name="No Customers", groups="debt_collection.group_debt_collection_user",
            company_id=cls.company.id)
        # no salesperson: its collector is the one set explicitly, Alice until 16 June
        cls.mid = cls._customer("Mid-Month", debt_collector_id=cls.alice.id)
        cls.north = cls._customer("North", user_id=cls.alice.id)
        cls.inv_mid_1 = cls._invoice(cls.mid, 400.0, 20)
        cls.inv_mid_2 = cls._invoice(cls.mid, 300.0, 20)
        cls.inv_north_0 = cls._invoice(cls.north, 100.0, 40)  # 6 May
        cls.inv_north_eur = cls._invoice(cls.north, 300.0, 20, currency=cls.eur)  # 300 EUR = 150.00 USD at 2.0
        cls.inv_north_2 = cls._invoice(cls.north, 200.0, 20)
        cls.Report = cls.env["debt.collection.activity.report"]

    def _call(self, partner, user, outcome, when, **values):
        with freeze_time(when):
            return self.env["debt.call"].create({
                "partner_id": partner.id, "user_id": user.id, "outcome": outcome, **values})

    def _story(self):
        """May and June, day by day."""
        with freeze_time("2026-05-20 09:00:00"):
            p0 = self._promise(self.north, 100.0, promised_date=date(2026, 5, 22), invoices=self.inv_north_0)
        self._pay_on(self.inv_north_0, 100.0, "2026-05-25")
        self._run_cron("2026-05-28")  # P0 kept on 28 May
        call_1 = self._call(self.mid, self.alice, "promised", "2026-06-03 08:00:00", promise_ids=[Command.create({
            "amount": 400.0, "promised_date": date(2026, 6, 10), "invoice_ids": [Command.set(self.inv_mid_1.ids)]})])
        p1 = call_1.promise_ids
        with freeze_time("2026-06-04 09:00:00"):
            p_eur = self._promise(self.north, 300.0, promised_date=date(2026, 6, 6), invoices=self.inv_north_eur)
        self._call(self.north, self.alice, "no_answer", "2026-06-05 08:00:00", duration=0.25)
        with freeze_time("2026-06-05 09:00:00"):
            p_cn = self._promise(self.north, 200.0, promised_date=date(2026, 6, 10), invoices=self.inv_north_2)
        with freeze_time("2026-06-10 09:00:00"):
            cancelled = self._promise(self.north, 10.0, promised_date=date(2026, 6, 11))
            cancelled.action_cancel()
        # a credit note of 50 on the 200 invoice, then the rest paid: the promise's invoices are settled
        with freeze_time("2026-06-07 09:00:00"):
            refund = self.init_invoice("out_refund", partner=self.north, invoice_date=date(2026, 6, 7),
                                       amounts=[50.0], taxes=[])
            refund.action_post()
            (refund + self.inv_north_2).line_ids.filtered(
                lambda line: line.account_id.account_type == "asset_receivable").reconcile()
        self._pay_on(self.inv_mid_1, 400.0, "2026-06-08")
        self._pay_on(self.inv_north_2, 150.0, "2026-06-09")
        self._run_cron("2026-06-12")  # P1 kept, P_eur broken (6 June + 3 days of grace), P_cn kept
        with freeze_time("2026-06-16 09:00:00"):
            self.mid.collector_id = self.bob
        self._call(self.mid, self.bob, "refused", "2026-06-18 08:00:00", duration=0.5)
        call_4 = self._call(self.mid, self.bob, "promised", "2026-06-20 08:00:00", duration=0.25, promise_ids=[
            Command.create({"amount": 300.0, "promised_date": date(2026, 6, 25),
                            "invoice_ids": [Command.set(self.inv_mid_2.ids)]})])
        p2 = call_4.promise_ids
        self._pay_on(self.inv_mid_2, 100.0, "2026-06-24")  # a partial payment
        self._run_cron("2026-06-29")  # P2 partially kept: 100 of 300 (25 June + 3 days of grace)
        # the promises taken on a call: of the call's collector, on the call's day
        self.assertEqual((p1.user_id, p1.date, p2.user_id, p2.date),
                         (self.alice, date(2026, 6, 3), self.bob, date(2026, 6, 20)))
        self.assertEqual([p.state for p in (p0, p1, p_eur, p_cn, cancelled, p2)],
                         ["kept", "kept", "broken", "kept", "cancelled", "partial"])
        self.assertEqual(p_eur.amount_company, 150.0)
        return p0, p1, p_eur, p_cn, cancelled, p2

    def _figures(self, domain, groupby, report=None):
        report = self.Report if report is None else report  # an empty recordset is falsy
        measures = ["promise_count", "promised_amount", "evaluated_count", "kept_count", "partial_count",
                    "broken_count", "kept_rate", "promise_paid_amount", "call_count", "reached_count",
                    "call_promise_count", "call_duration"]
        groups = report.read_group(domain, [f"{m}:sum" for m in measures], groupby, lazy=False)
        result = {}
        for group in groups:
            key = tuple(group[g][0] if isinstance(group[g], tuple) else group[g] for g in groupby)
            result[key[0] if len(key) == 1 else key] = {
                m: group[m] for m in measures} | {"__domain": group["__domain"]}
        return result

    def test_company_and_collector_figures_by_month(self):
        p0, p1, p_eur, p_cn, _cancelled, p2 = self._story()
        mine = [("partner_id", "in", (self.mid | self.north).ids)]
        by_month = self._figures(mine, ["date:month"])
        june, may = by_month["June 2026"], by_month["May 2026"]
        # May: P0 made (100) and kept
        self.assertEqual((may["promise_count"], may["promised_amount"], may["evaluated_count"], may["kept_count"]),
                         (1, 100.0, 1, 1))
        self.assertEqual(may["kept_rate"], 100.0)
        # June, the company: made P1 400 + P_eur 150.00 (300 EUR at 2.0) + P_cn 200 + P2 300 = 1,050 (the
        # cancelled promise is not counted); evaluated P1, P_eur, P_cn, P2: kept 2, broken 1, partial 1;
        # kept rate 2 / 4 = 50 %; paid on them 400 + 0 + 200 (150 paid + the credit note of 50) + 100 = 700
        self.assertEqual(june["promise_count"], 4)
        self.assertAlmostEqual(june["promised_amount"], 400.0 + 150.0 + 200.0 + 300.0)
        self.assertEqual((june["evaluated_count"], june["kept_count"], june["broken_count"], june["partial_count"]),
                         (4, 2, 1, 1))
        self.assertEqual(june["kept_rate"], 50.0)
        self.assertAlmostEqual(june["promise_paid_amount"], 400.0 + 0.0 + 200.0 + 100.0)
        # calls: 3 June promised (Alice), 5 June no answer (Alice), 18 June refused, 20 June promised (Bob);
        # reached: all but the no answer = 3; ending in a promise: 2; 0.25 + 0.5 + 0.25 = 1 hour
        self.assertEqual((june["call_count"], june["reached_count"], june["call_promise_count"]), (4, 3, 2))
        self.assertAlmostEqual(june["call_duration"], 1.0)

        # per collector of the record, June: Alice made P1, P_eur, P_cn (400 + 150 + 200 = 750) and the first two
        # calls; Bob, P2 (300) and the last two calls, although the customer is Bob's for the whole month now
        june_only = [*mine, ("date", ">=", "2026-06-01"), ("date", "<", "2026-07-01")]
        by_user = self._figures(june_only, ["user_id"])
        alice, bob = by_user[self.alice.id], by_user[self.bob.id]
        self.assertEqual((alice["promise_count"], alice["promised_amount"]), (3, 750.0))
        # Alice: P1 kept, P_eur broken, P_cn kept: 2 / 3 = 66.7 %
        self.assertEqual((alice["evaluated_count"], alice["kept_count"], alice["broken_count"]), (3, 2, 1))
        self.assertEqual(alice["kept_rate"], round(2 * 100 / 3, 1))
        self.assertEqual((alice["call_count"], alice["reached_count"], alice["call_promise_count"]), (2, 1, 1))
        self.assertEqual((bob["promise_count"], bob["promised_amount"]), (1, 300.0))
        self.assertEqual((bob["evaluated_count"], bob["partial_count"], bob["kept_rate"]), (1, 1, 0.0))
        self.assertEqual((bob["call_count"], bob["reached_count"], bob["call_promise_count"]), (2, 2, 1))
        # per customer's collector of today: Mid-Month's whole June is Bob's (P1 and P2, Alice's call of 3 June
        # and Bob's two), North's is Alice's
        by_owner = self._figures(june_only, ["customer_collector_id"])
        self.assertEqual(by_owner[self.bob.id]["promise_count"], 2)  # P1 (taken by Alice) and P2
        self.assertEqual(by_owner[self.bob.id]["call_count"], 3)  # Alice's of 3 June, Bob's of 18 and 20 June
        self.assertEqual(by_owner[self.alice.id]["promise_count"], 2)  # P_eur, P_cn
        self.assertEqual(by_owner[self.alice.id]["call_count"], 1)

        # drill-down: the rows behind Alice's June kept figure are P1 and P_cn, and open them
        kept_rows = self.Report.search([*june_only, ("user_id", "=", self.alice.id), ("kept_count", ">", 0)])
        self.assertEqual(kept_rows.promise_id, p1 | p_cn)
        self.assertEqual(set(kept_rows.mapped("kind")), {"promise_result"})
        action = kept_rows.filtered(lambda row: row.promise_id == p1).action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("debt.promise", p1.id))
        rows = self.Report.search(alice["__domain"])
        self.assertEqual(rows.filtered(lambda r: r.kind == "promise").promise_id, p1 | p_eur | p_cn)
        call_row = rows.filtered(lambda r: r.kind == "call" and r.partner_id == self.north)
        self.assertEqual(call_row.call_outcome, "no_answer")
        action = call_row.action_open_record()
        self.assertEqual((action["res_model"], action["res_id"]), ("debt.call", call_row.call_id.id))
        self.assertEqual(call_row.date, date(2026, 6, 5))
        # the filters: customer tag, salesperson
        tag = self.env["res.partner.category"].create({"name": "Key account"})
        self.north.category_id = tag
        tagged_rows = self.Report.search([*june_only, ("partner_category_ids", "in", tag.ids)])
        self.assertEqual(tagged_rows.partner_id, self.north)
        self.assertEqual(self.Report.search([*june_only, ("salesperson_id", "=", self.alice.id)]).partner_id,
                         self.north)
        self.assertFalse(p0 & rows.promise_id)

    def test_collection_user_sees_own_customers_only(self):
        p0, p1, p_eur, p_cn, _cancelled, p2 = self._story()
        mine = [("partner_id", "in", (self.mid | self.north).ids)]
        # Bob, Mid-Month's collector now: all of Mid-Month's rows, Alice's call and promise of 3 June included
        bob_rows = self.Report.with_user(self.bob).search(mine)
        self.assertEqual(bob_rows.partner_id, self.mid)
        self.assertEqual(bob_rows.promise_id, p1 | p2)
        self.assertEqual(set(bob_rows.mapped("user_id.id")), {self.alice.id, self.bob.id})
        # Alice: North only (her customer as salesperson); Mid-Month is no longer hers, her own work on it
        # included, as its calls and promises themselves
        alice_rows = self.Report.with_user(self.alice).search(mine)
        self.assertEqual(alice_rows.partner_id, self.north)
        self.assertEqual(alice_rows.promise_id, p0 | p_eur | p_cn)
        with self.assertRaises(AccessError):
            p1.with_user(self.alice).check_access("read")
        # her figures through read_group (the pivot and graph): the same rows
        june = self._figures([*mine, ("date", ">=", "2026-06-01")], ["user_id"], self.Report.with_user(self.alice))
        self.assertEqual(list(june), [self.alice.id])
        self.assertEqual((june[self.alice.id]["promise_count"], june[self.alice.id]["call_count"]), (2, 1))
        # a user without customers sees nothing; the manager sees both customers
        self.assertFalse(self.Report.with_user(self.nobody).search(mine))
        self.assertEqual(self.Report.with_user(self.collection_manager).search(mine).partner_id, self.mid | self.north)
        # the report is read-only
        with self.assertRaises(AccessError):
            self.Report.with_user(self.collection_manager).create({"kind": "call"})

    def test_call_day_in_the_company_time_zone(self):
        """A call at 23:30 UTC on 4 June is on 5 June in Ho Chi Minh City (the company's time zone)."""
        self.company.partner_id.tz = "Asia/Ho_Chi_Minh"
        self.company.resource_calendar_id.tz = "Asia/Ho_Chi_Minh"
        call = self._call(self.north, self.alice, "callback", "2026-06-04 23:30:00")
        self.assertEqual(call.date, datetime(2026, 6, 4, 23, 30))
        row = self.Report.search([("call_id", "=", call.id)])
        self.assertEqual(row.date, date(2026, 6, 5))
