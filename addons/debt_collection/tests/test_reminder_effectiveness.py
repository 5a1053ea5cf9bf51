from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import TODAY
from .common_reminder import ReminderCommon, d

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City: the reminders' day


@tagged("post_install", "-at_install")
class TestReminderEffectiveness(ReminderCommon):
    """Reminders sent by the reminder job on 15 June 2026, then paid (or not) through Odoo's payment wizard, in
    part, in euros at another rate, after a credit note; each figure of debt.reminder.effectiveness compared
    with the arithmetic written here. The windows: paid from the day of sending (15 June) to 22 June (7 days)
    and to 29 June (14 days)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.alice, cls.bob = cls.salesman_a, cls.salesman_b
        cls.Effect = cls.env["debt.reminder.effectiveness"]

    def _pay_on(self, invoice, amount, day, currency=None):
        with freeze_time(f"{day} 04:00:00"):
            wizard = self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids,
            ).create({"amount": amount, "payment_date": day, **({"currency_id": currency.id} if currency else {})})
            return wizard._create_payments()

    def _story(self):
        overdue = TODAY - timedelta(days=7)  # 8 June: the "Overdue: 1 week" rule (e-mail) fires on 15 June
        self.paid_5 = self._reminder_customer("Paid In Five Days")
        inv_1 = self._invoice_due(self.paid_5, 1000.0, overdue)
        self.credit_note = self._reminder_customer("Credit Note")
        inv_2 = self._invoice_due(self.credit_note, 800.0, overdue)
        self._pay_on(inv_2, 200.0, "2026-06-10")  # before the reminder: 600 is reminded
        self.euros = self._reminder_customer("In Euros")
        inv_3 = self._invoice_due(self.euros, 300.0, overdue, currency=self.eur)  # 300 EUR = 150.00 USD at 2.0
        self.paid_10 = self._reminder_customer("Paid In Ten Days", user_id=self.bob.id)
        inv_5 = self._invoice_due(self.paid_10, 200.0, overdue)
        self.both = self._reminder_customer("Never Paid")  # due today: the "Due today" rule, e-mail and SMS
        self._invoice_due(self.both, 500.0, TODAY)
        self.unreachable = self._reminder_customer("Unreachable", email=False, mobile=False)
        self._invoice_due(self.unreachable, 700.0, overdue)
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminders = self.reminders(self.paid_5 | self.credit_note | self.euros | self.paid_10 | self.both)
        self.assertEqual(set(reminders.mapped("state")), {"queued"})
        self.assertEqual(set(reminders.mapped("send_date")), {d("2026-06-15")})
        self.assertNotIn(self.reminders(self.unreachable).state, ("queued", "sent", "partial"))
        # after the reminders
        self._pay_on(inv_1, 400.0, "2026-06-17")
        self._pay_on(inv_1, 600.0, "2026-06-20")  # fully paid 5 days after
        with freeze_time("2026-06-16 04:00:00"):
            refund = self.init_invoice("out_refund", partner=self.credit_note, invoice_date=d("2026-06-16"),
                                       amounts=[100.0], taxes=[])
            refund.action_post()
            (refund + inv_2).line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable") \
                .reconcile()
        self._pay_on(inv_2, 300.0, "2026-06-19")
        self._pay_on(inv_2, 200.0, "2026-06-26")  # settled: 100 by the credit note, 500 paid
        # 150 EUR on 18 June at 1.5 EUR per USD (100.00 USD): half the euros, valued at the invoice's rate
        self.env["res.currency.rate"].create({
            "name": "2026-06-18", "rate": 1.5, "currency_id": self.eur.id, "company_id": self.company.id})
        self._pay_on(inv_3, 150.0, "2026-06-18", currency=self.eur)
        self._pay_on(inv_5, 200.0, "2026-06-25")  # 10 days after, outside the 7-day window
        # 16 June: Paid In Five Days gets Bob as collector
        with freeze_time("2026-06-16 04:00:00"):
            self.paid_5.collector_id = self.bob
        return {r.partner_id: r for r in reminders}

    def _row(self, partner):
        return self.Effect.search([("partner_id", "=", partner.id)])

    def test_each_reminder(self):
        reminders = self._story()
        rows = {p: self._row(p) for p in reminders}
        self.assertEqual(rows[self.paid_5].reminder_id, reminders[self.paid_5])
        self.assertFalse(self._row(self.unreachable), "a reminder that did not go out is not counted")
        self.assertRecordValues(rows[self.paid_5], [{
            "rule_id": self.rule[7].id, "channel": "email", "sent_date": d("2026-06-15"), "item_count": 1,
            "reminded_amount": 1000.0, "paid_7_amount": 1000.0, "paid_14_amount": 1000.0, "paid_amount": 1000.0,
            "paid_7_rate": 100.0, "paid_14_rate": 100.0, "days_to_pay": 5,  # 20 June - 15 June
            "collector_id": self.bob.id, "salesperson_id": self.alice.id,
        }])
        # 800 - 200 paid on 10 June = 600 reminded; 300 on 19 June (day 4); 200 on 26 June (day 11); the credit
        # note of 100 is not a payment: 500 paid, never fully: no days to pay
        self.assertRecordValues(rows[self.credit_note], [{
            "reminded_amount": 600.0, "paid_7_amount": 300.0, "paid_14_amount": 500.0, "paid_amount": 500.0,
            "paid_7_rate": 50.0, "paid_14_rate": round(500 * 100 / 600, 1), "days_to_pay": False,
        }])
        # 300 EUR reminded = 150.00 USD; 150 EUR paid = half, 75.00 USD at the invoice's rate (not the 100.00 USD
        # the payment is worth at 1.5: the exchange difference is not a payment)
        self.assertRecordValues(rows[self.euros], [{
            "reminded_amount": 150.0, "paid_7_amount": 75.0, "paid_14_amount": 75.0, "paid_amount": 75.0,
            "paid_7_rate": 50.0, "days_to_pay": False,
        }])
        self.assertRecordValues(rows[self.paid_10], [{
            "reminded_amount": 200.0, "paid_7_amount": 0.0, "paid_14_amount": 200.0, "paid_7_rate": 0.0,
            "paid_14_rate": 100.0, "days_to_pay": 10, "collector_id": self.bob.id,
        }])
        self.assertRecordValues(rows[self.both], [{
            "rule_id": self.rule[0].id, "channel": "both", "reminded_amount": 500.0, "paid_7_amount": 0.0,
            "paid_14_amount": 0.0, "days_to_pay": False,
        }])
        action = rows[self.euros].action_open_reminder()
        self.assertEqual((action["res_model"], action["res_id"]), ("debt.reminder", reminders[self.euros].id))

    def test_per_rule_and_channel(self):
        reminders = self._story()
        domain = [("partner_id", "in", [p.id for p in reminders])]
        groups = self.Effect.read_group(
            domain, ["reminder_count:sum", "reminded_amount:sum", "paid_7_amount:sum", "paid_14_amount:sum",
                     "paid_7_rate:sum", "paid_14_rate:sum", "days_to_pay:max"],
            ["rule_id", "channel"], lazy=False)
        figures = {(g["rule_id"][0], g["channel"]): g for g in groups}
        self.assertEqual(set(figures), {(self.rule[7].id, "email"), (self.rule[0].id, "both")})
        week = figures[self.rule[7].id, "email"]
        # reminded 1000 + 600 + 150 + 200 = 1,950; within 7 days 1000 + 300 + 75 + 0 = 1,375 (70.5 %); within 14
        # days 1000 + 500 + 75 + 200 = 1,775 (91.0 %): the shares of the sums, not the average of the shares
        self.assertEqual(week["reminder_count"], 4)
        self.assertAlmostEqual(week["reminded_amount"], 1950.0)
        self.assertAlmostEqual(week["paid_7_amount"], 1375.0)
        self.assertAlmostEqual(week["paid_14_amount"], 1775.0)
        self.assertEqual(week["paid_7_rate"], round(1375 * 100 / 1950, 1))
        self.assertEqual(week["paid_14_rate"], round(1775 * 100 / 1950, 1))
        # days to pay, sorted, the unpaid as never: 5, 10, never, never; half (2 of 4) were paid within 10 days
        self.assertEqual(week["days_to_pay"], 10)
        due_today = figures[self.rule[0].id, "both"]
        self.assertEqual((due_today["reminded_amount"], due_today["paid_14_rate"], due_today["days_to_pay"]),
                         (500.0, 0.0, False))
        # fewer than half paid (2 of 5 over both rules): no median yet
        total = self.Effect.read_group(domain, ["days_to_pay:max", "paid_14_rate:sum"], [], lazy=False)[0]
        self.assertFalse(total["days_to_pay"])
        self.assertEqual(total["paid_14_rate"], round(1775 * 100 / (1950 + 500), 1))
        # drill-down: the group's domain gives its reminders
        self.assertEqual(self.Effect.search(week["__domain"]).reminder_id,
                         reminders[self.paid_5] | reminders[self.credit_note] | reminders[self.euros]
                         | reminders[self.paid_10])
        # per collector of today: Paid In Five Days went to Bob on 16 June, after its reminder: its figures are
        # Bob's now (a reminder has no collector of its own, and Bob follows the customer)
        by_collector = {g["collector_id"][0]: g for g in self.Effect.read_group(
            domain, ["reminded_amount:sum", "paid_7_amount:sum"], ["collector_id"], lazy=False)}
        self.assertAlmostEqual(by_collector[self.bob.id]["reminded_amount"], 1000.0 + 200.0)
        self.assertAlmostEqual(by_collector[self.alice.id]["reminded_amount"], 600.0 + 150.0 + 500.0)
        # customer tags
        tag = self.env["res.partner.category"].create({"name": "Wholesale"})
        (self.euros | self.both).category_id = tag
        self.assertEqual(self.Effect.search([*domain, ("partner_category_ids", "in", tag.ids)]).partner_id,
                         self.euros | self.both)

    def test_collection_user_sees_own_customers_only(self):
        reminders = self._story()
        domain = [("partner_id", "in", [p.id for p in reminders])]
        # Bob: Paid In Ten Days (his as salesperson) and Paid In Five Days (his as collector)
        self.assertEqual(self.Effect.with_user(self.bob).search(domain).partner_id, self.paid_5 | self.paid_10)
        groups = self.Effect.with_user(self.bob).read_group(domain, ["reminded_amount:sum"], [], lazy=False)
        self.assertAlmostEqual(groups[0]["reminded_amount"], 1200.0)
        # Alice: her customers as salesperson (Paid In Five Days still is one)
        self.assertEqual(self.Effect.with_user(self.alice).search(domain).partner_id,
                         self.paid_5 | self.credit_note | self.euros | self.both)
        self.assertEqual(self.Effect.with_user(self.collection_manager).search_count(domain), 5)
        with self.assertRaises(AccessError):
            self.Effect.with_user(self.collection_manager).create({"channel": "email"})

    def test_labels_translated(self):
        """The shipped translations (loaded by ReminderCommon) name the figures in Vietnamese and Chinese."""
        for lang, label, menu in (("vi_VN", "Đã thanh toán trong 7 ngày (%)", "Hiệu quả nhắc nợ"),
                                  ("zh_TW", "7 天內付款（%）", "催款成效")):
            fields = self.Effect.with_context(lang=lang).fields_get(["paid_7_rate"], ["string"])
            self.assertEqual(fields["paid_7_rate"]["string"], label)
            self.assertEqual(
                self.env.ref("debt_collection.menu_debt_reminder_effectiveness").with_context(lang=lang).name, menu)
        activity = self.env["debt.collection.activity.report"].with_context(lang="vi_VN")
        self.assertEqual(activity.fields_get(["kept_rate"], ["string"])["kept_rate"]["string"], "Tỷ lệ giữ lời hứa (%)")
