from datetime import datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common_reminder import ReminderCommon, d


@tagged("post_install", "-at_install")
class TestReminderPause(ReminderCommon):
    """Reminders wait while an open promise to pay covers the overdue amount, or while a call flagged
    the debt as disputed, and start again when the promise is broken or the dispute cleared."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.debt_promise_grace_days = 1
        cls.customer = cls._reminder_customer("Promised")
        cls.invoice = cls._invoice_due(cls.customer, 1000.0, d("2026-06-08"))  # +7 on Monday 15 June

    def _promise(self, amount, promised_date, made_on):
        with freeze_time(made_on):
            return self.env["debt.promise"].create({
                "partner_id": self.customer.id,
                "amount": amount,
                "promised_date": promised_date,
                "invoice_ids": [Command.set(self.invoice.ids)],
            })

    def _evaluate_promises(self, moment):
        with freeze_time(moment):
            self.env["debt.promise"]._cron_evaluate_promises()
        self.env.invalidate_all()

    def test_pause_during_open_promise_and_restart_when_broken(self):
        # Friday 12 June: the customer promises to pay everything by Tuesday 16 (1 grace day)
        promise = self._promise(1000.0, d("2026-06-16"), "2026-06-12 04:00:00")
        self.assertTrue(self.customer.debt_promised)
        with self.gateways():
            for moment in ("2026-06-15 03:00:00", "2026-06-16 03:00:00", "2026-06-17 03:00:00"):
                self.run_cron(moment)
            self.assertFalse(self.reminders(self.customer), "no reminder while the promise is open")
            self.assertFalse(self._new_mails)
            preview = self.env["debt.reminder.preview"].create({"run_time": "2026-06-17 03:00:00"})
            preview.action_compute()
            line = preview.line_ids.filtered(lambda line: line.partner_id == self.customer)
            self.assertEqual(line.status, "hold")
            self.assertIn("open promise to pay covers its overdue amount", line.reason)
            # Thursday 18 June: nothing was paid, the promise is broken; the held +7 reminder goes out
            self._evaluate_promises("2026-06-18 01:00:00")
            self.assertEqual(promise.state, "broken")
            self.assertFalse(self.customer.debt_promised)
            self.run_cron("2026-06-18 03:00:00")
        reminder = self.reminders(self.customer)
        self.assertRecordValues(reminder, [{
            "state": "queued", "rule_id": self.rule[7].id, "sent_time": datetime(2026, 6, 18, 3),
            "amount_due": 1000.0}])
        self.assertEqual(len(self._new_mails), 1)

    def test_partial_promise_does_not_pause(self):
        self._promise(300.0, d("2026-06-19"), "2026-06-12 04:00:00")
        self.assertFalse(self.customer.debt_promised)
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
        self.assertEqual(self.reminders(self.customer).state, "queued")

    def test_promise_made_after_planning_skips_the_planned_reminder(self):
        self.run_cron("2026-06-15 12:00:00")  # 19:00 local: planned for Tuesday 08:00
        planned = self.reminders(self.customer)
        self.assertEqual(planned.state, "planned")
        promise = self._promise(1000.0, d("2026-06-17"), "2026-06-15 13:00:00")
        with self.gateways():
            self.run_cron("2026-06-16 01:00:00")
            self.assertEqual(planned.state, "skipped")
            self.assertIn("open promise to pay", planned.reason)
            self.assertFalse(self._new_mails)
            # the promise is broken on Friday 19 (17 + 1 grace day): the reminder starts again
            self._evaluate_promises("2026-06-19 01:00:00")
            self.assertEqual(promise.state, "broken")
            self.run_cron("2026-06-19 03:00:00")
        reminders = self.reminders(self.customer)
        self.assertEqual(reminders.mapped("state"), ["skipped", "queued"])
        self.assertEqual(reminders[1].rule_id, self.rule[7])
        self.assertEqual(len(self._new_mails), 1)

    def test_disputed_call_pauses_until_cleared(self):
        with freeze_time("2026-06-12 04:00:00"):
            self.env["debt.call"].create({
                "partner_id": self.customer.id, "user_id": self.salesman_a.id, "outcome": "disputed"})
        self.assertEqual((self.customer.debt_attention, self.customer.debt_attention_reason), (True, "disputed"))
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
            self.assertFalse(self.reminders(self.customer))
            with self.assertRaisesRollback(UserError, "disputed"):
                self.customer.with_user(self.salesman_a).action_debt_send_reminder_now()
            self.customer.with_user(self.salesman_a).action_debt_clear_attention()
            self.run_cron("2026-06-15 04:00:00")
        self.assertEqual(self.reminders(self.customer).state, "queued")
        self.assertEqual(len(self._new_mails), 1)

    def test_wrong_number_does_not_pause(self):
        with freeze_time("2026-06-12 04:00:00"):
            self.env["debt.call"].create({
                "partner_id": self.customer.id, "user_id": self.salesman_a.id, "outcome": "wrong_number"})
        self.assertTrue(self.customer.debt_attention)
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
        self.assertEqual(self.reminders(self.customer).state, "queued")
