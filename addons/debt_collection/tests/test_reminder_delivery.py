"""Issue 12: reminders follow their delivery through Odoo's mail and SMS machinery, and a failure anywhere in
the run is isolated."""

import smtplib
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.debt_collection.models.debt_reminder_planning import LOCK_NAME, DebtReminder

from .common import TODAY
from .common_reminder import ReminderCommon

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City
NEXT_HOUR = "2026-06-15 04:00:00"
LATER = "2026-06-15 05:00:00"


@tagged("post_install", "-at_install")
class TestReminderDelivery(ReminderCommon):

    def _queued_reminder(self, name, channel="email", **values):
        self.rule[7].channel = channel
        customer = self._reminder_customer(name, **values)
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertEqual(reminder.state, "queued")
        return customer, reminder

    def _notes(self, record):
        return record.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))

    def test_email_sent_when_the_server_accepts_it(self):
        with self.gateways():
            customer, reminder = self._queued_reminder("Accepted")
            self.assertEqual(reminder.mail_state, "queued")
            self.assertFalse(reminder.sms_state, "no SMS for an e-mail rule")
            notification = reminder.sent_message_ids.notification_ids
            self.assertRecordValues(notification, [{
                "notification_type": "email", "res_partner_id": customer.id, "notification_status": "ready"}])
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(notification.notification_status, "sent")
        self.assertRecordValues(reminder, [{"state": "sent", "mail_state": "sent", "mail_failure": False}])

    @mute_logger("odoo.addons.mail.models.mail_mail")
    def test_smtp_exception_fails_the_reminder(self):
        with self.gateways():
            customer, reminder = self._queued_reminder("Server Down")

            def refuse(*args, **kwargs):
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

            self.connect_mocked.side_effect = refuse
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(reminder.sent_message_ids.notification_ids.notification_status, "exception")
        self.assertEqual((reminder.state, reminder.mail_state), ("failed", "failed"))
        self.assertIn("Connection unexpectedly closed", reminder.mail_failure)
        self.assertIn("E-mail not delivered", reminder.reason)
        self.assertIn("Connection unexpectedly closed", self._notes(customer)[0].body, "noted on the customer")
        self.assertIn("Connection unexpectedly closed", self._notes(reminder)[0].body, "and in the reminder's chatter")
        activity = self.activities(customer)
        self.assertEqual(activity.user_id, self.salesman_a, "a to-do for the collector")
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertEqual(activity.summary, "Payment reminder not delivered")

    def test_bounce_days_later_fails_the_reminder(self):
        with self.gateways():
            customer, reminder = self._queued_reminder("Gone Away")
            self.env["mail.mail"].sudo().process_email_queue()
        self.assertEqual(reminder.state, "sent")
        # what mail.thread._routing_handle_bounce writes when the bounce of this e-mail comes back
        notification = reminder.sent_message_ids.notification_ids
        notification.sudo().write({
            "failure_reason": "550 5.1.1 mailbox unavailable", "failure_type": "mail_bounce",
            "notification_status": "bounce"})
        self.assertEqual((reminder.state, reminder.mail_state), ("failed", "failed"))
        self.assertIn("550 5.1.1 mailbox unavailable", reminder.mail_failure)
        self.assertIn("550 5.1.1 mailbox unavailable", self._notes(customer)[0].body)
        self.assertIn("550 5.1.1 mailbox unavailable", self._notes(reminder)[0].body)
        self.assertEqual(len(self.activities(customer)), 1)

    def test_sms_error_is_a_partial_failure_retried_once(self):
        with self.gateways():
            customer, reminder = self._queued_reminder("Half Way", channel="both")
            self.env["mail.mail"].sudo().process_email_queue()
            self.assertEqual((reminder.state, reminder.mail_state, reminder.sms_state), ("queued", "sent", "queued"))
        with self.mockSMSGateway(sim_error="wrong_number_format"):
            self.env["sms.sms"].sudo()._process_queue()
        self.assertEqual((reminder.state, reminder.mail_state, reminder.sms_state), ("partial", "sent", "failed"))
        self.assertIn("SMS not delivered", reminder.sms_failure)
        self.assertIn("SMS not delivered", self._notes(customer)[0].body)
        self.assertIn("SMS not delivered", self._notes(reminder)[0].body)
        self.assertEqual(len(self.activities(customer)), 1)
        # the next run sends the SMS again, not the e-mail
        with self.gateways():
            self.run_cron(NEXT_HOUR)
            self.assertEqual(len(self._new_sms.filtered(lambda sms: sms.partner_id == customer)), 1, "the SMS again")
            self.assertFalse(self._new_mails.filtered(lambda mail: mail.res_id == customer.id), "not the e-mail")
        self.assertEqual((reminder.state, reminder.retry_count, reminder.sms_state), ("queued", 1, "queued"))
        self.assertEqual(len(reminder.sent_message_ids), 3, "the e-mail, the SMS and the SMS sent again")
        with self.mockSMSGateway(sim_error="wrong_number_format"):
            self.env["sms.sms"].sudo()._process_queue()
        self.assertEqual((reminder.state, reminder.sms_state), ("partial", "failed"))
        # once only
        with self.gateways():
            self.run_cron(LATER)
            self.assertFalse(self._new_sms.filtered(lambda sms: sms.partner_id == customer), "not a third time")
        self.assertEqual((reminder.state, reminder.retry_count), ("partial", 1))

    def test_sms_accepted_by_the_provider(self):
        with self.gateways():
            _customer, reminder = self._queued_reminder("Text Me", channel="sms")
            self.env["sms.sms"].sudo()._process_queue()
        self.assertEqual((reminder.state, reminder.sms_state, reminder.mail_state), ("sent", "sent", False))

    def test_reminder_chatter_open_to_its_readers_only(self):
        """The reminder has its own chatter (mail.thread): the customer's salesperson notes on it, but can
        still not change the reminder; a salesperson who cannot read the reminder cannot note on it."""
        with self.gateways():
            _customer, reminder = self._queued_reminder("Chatty")
        note = reminder.with_user(self.salesman_a).message_post(
            body="Customer says the accountant is on leave", message_type="comment",
            subtype_xmlid="mail.mt_note")
        self.assertEqual((note.model, note.res_id), ("debt.reminder", reminder.id))
        with self.assertRaises(AccessError):
            reminder.with_user(self.salesman_a).write({"state": "skipped"})
        with self.assertRaises(AccessError):
            reminder.with_user(self.salesman_b).message_post(body="not mine", message_type="comment")
        self.assertEqual(reminder.state, "queued")

    def test_template_cannot_be_deleted_and_none_sends_nothing(self):
        template = self.rule[7].mail_template_id
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            template.unlink()
        self.assertTrue(template.exists())
        # a rule left without its template (as the ORM no longer allows): the reminder fails, no blank e-mail
        self.env.cr.execute("UPDATE debt_reminder_rule SET mail_template_id = NULL WHERE id = %s", [self.rule[7].id])
        self.env.invalidate_all()
        customer = self._reminder_customer("No Template")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        with self.gateways():
            self.run_cron(WORKING_TIME)
            self.assertFalse(self._new_mails)
        reminder = self.reminders(customer)
        self.assertEqual((reminder.state, reminder.mail_state), ("failed", "failed"))
        self.assertIn("has no e-mail template", reminder.reason)

    def test_failing_customer_is_isolated(self):
        """A reminder whose processing raises fails alone, with the error; its batch goes out."""
        customers = self.env["res.partner"]
        for index in range(3):
            customers |= self._reminder_customer(f"Batch Mate {index}")
            self._invoice_due(customers[-1], 100.0 + index, TODAY - timedelta(days=7))
        bad = customers[1]
        original = DebtReminder._debt_process

        def crash_for_one(records, *args, **kwargs):
            if bad in records.partner_id:
                raise RuntimeError("corrupted data")
            return original(records, *args, **kwargs)

        with self.gateways(), patch.object(DebtReminder, "_debt_process", crash_for_one), \
                mute_logger("odoo.addons.debt_collection.models.debt_reminder_planning"):
            self.run_cron(WORKING_TIME, send_batch_size=10)
            self.assertEqual(len(self._new_mails), 2)
        states = {r.partner_id: r.state for r in self.reminders(customers)}
        self.assertEqual(states, {customers[0]: "queued", bad: "failed", customers[2]: "queued"})
        self.assertIn("corrupted data", self.reminders(bad).reason)
        self.assertIn("corrupted data", self._notes(bad)[0].body)

    def test_failing_company_is_recorded_and_the_next_one_runs(self):
        other_rules = self.env["debt.reminder.rule"].with_context(active_test=False).search(
            [("company_id", "!=", self.company.id)])
        other_rules[:1].active = True
        original = DebtReminder._debt_run_company
        calls = []

        def crash_first(records, company, *args, **kwargs):
            calls.append(company)
            if len(calls) == 1:
                raise RuntimeError("company set-up broken")
            return original(records, company, *args, **kwargs)

        with patch.object(DebtReminder, "_debt_run_company", crash_first), \
                mute_logger("odoo.addons.debt_collection.models.debt_reminder_planning"):
            self.run_cron(WORKING_TIME, send_batch_size=10)
        self.assertEqual(len(calls), 2, "the second company ran after the first one failed")
        log = self.env["ir.logging"].sudo().search([("name", "=", LOCK_NAME)])
        self.assertEqual(len(log), 1)
        self.assertIn("company set-up broken", log.message)
        self.assertIn(calls[0].name, log.message)

    def test_second_run_at_the_same_time_leaves(self):
        customer = self._reminder_customer("Only Once")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        # another worker's run holds the lock, on its own connection
        with db_connect(self.env.cr.dbname).cursor() as other:
            other.execute("SELECT pg_advisory_lock(hashtext(%s))", [LOCK_NAME])
            try:
                self.run_cron(WORKING_TIME, send_batch_size=10)
                self.assertFalse(self.reminders(customer), "the second run left without doing anything")
            finally:
                other.execute("SELECT pg_advisory_unlock(hashtext(%s))", [LOCK_NAME])
        with self.gateways():
            self.run_cron(WORKING_TIME, send_batch_size=10)
        self.assertEqual(self.reminders(customer).state, "queued")
