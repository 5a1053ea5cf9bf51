import importlib.util
import re
from datetime import datetime, timedelta
from pathlib import Path
from unittest.mock import patch

from lxml import html
from psycopg2.errors import UniqueViolation

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged
from odoo.tools import format_amount, format_date, mute_logger

from odoo.addons.debt_collection.models.debt_reminder_planning import DebtReminder

from .common import TODAY
from .common_reminder import ReminderCommon, d

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City
EVENING = "2026-06-15 12:00:00"  # 19:00 in Ho Chi Minh City


@tagged("post_install", "-at_install")
class TestReminderSending(ReminderCommon):

    def test_one_message_for_three_invoices(self):
        """Three open items at the +7 step (one partly paid, one in euros): one reminder, one e-mail,
        one SMS, listing the three with their open amounts."""
        customer = self._reminder_customer("Hoa Binh")
        inv_1 = self._invoice_due(customer, 1000.0, TODAY - timedelta(days=8))
        inv_2 = self._invoice_due(customer, 500.0, TODAY - timedelta(days=9))
        inv_3 = self._invoice_due(customer, 300.0, TODAY - timedelta(days=10), currency=self.eur)  # 150.0 USD
        self._pay(inv_2, 200.0, 1)
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertEqual(len(reminder), 1)
        self.assertRecordValues(reminder, [{
            "state": "queued", "rule_id": self.rule[7].id, "amount": 1450.0, "amount_due": 1450.0,
            "credit_amount": 0.0, "sent_time": datetime(2026, 6, 15, 3, 0), "cycle_date": d("2026-06-15"),
            "recipient_id": customer.id, "email_to": customer.email, "sms_number": False,
        }])
        self.assertEqual(reminder.line_ids, (inv_1 | inv_2 | inv_3).line_ids.filtered(
            lambda line: line.display_type == "payment_term"))
        mail = self.assertMailMail(customer, "outgoing", fields_values={
            "subject": f"Reminder: open invoices with {self.company.name}",
            "model": "res.partner", "res_id": customer.id, "message_type": "email_outgoing",
        })
        self.assertEqual(len(self._new_mails), 1, "one message for the three invoices")
        for invoice in (inv_1, inv_2, inv_3):
            self.assertIn(invoice.name, mail.body_html)
        self.assertIn("$\xa01,000.00", mail.body_html)
        self.assertIn("$\xa0300.00", mail.body_html, "the open amount after the partial payment")
        self.assertIn("300.00\xa0€", mail.body_html, "the euro invoice in euros")
        self.assertIn("$\xa01,450.00", mail.body_html, "the total in company currency")
        self.assertIn("0071000123456 (Vietcombank)", mail.body_html, "how to pay")
        self.assertIn("lan.tran@example.com", mail.body_html, "whom to contact")
        self.assertIn("payment plan", mail.body_html)
        self.assertEqual(reminder.sent_message_ids, mail.mail_message_id)
        self.assertIn(mail.mail_message_id, customer.message_ids, "posted in the customer's chatter")
        # the mail queue sends it through Odoo's (mocked) mail server
        with self.mock_mail_gateway():
            mail.send()
        self.assertEqual(len(self._mails), 1)
        self.assertIn(inv_3.name, self._mails[0]["body"])
        self.assertEqual((reminder.state, reminder.mail_state), ("sent", "sent"), "accepted by the mail server")

    def test_sms_through_the_gateway(self):
        """Due today (e-mail and SMS): the SMS is queued for Odoo's SMS queue, logged in the chatter,
        then sent through the (mocked) IAP gateway."""
        customer = self._reminder_customer("An Khang", mobile="0935 123 456")
        invoice = self._invoice_due(customer, 12500.0, TODAY)
        with self.gateways():
            self.run_cron(WORKING_TIME)
            reminder = self.reminders(customer)
            self.assertEqual(reminder.rule_id, self.rule[0])
            self.assertEqual(reminder.sms_number, "+84935123456")
            self.assertSMSOutgoing(customer, "+84935123456", content=invoice.name)
            sms = self._new_sms
            self.assertEqual(sms.body, reminder.sms_body)
            self.assertIn("$ 12,500.00", sms.body.replace("\xa0", " "))
            self.assertIn("0071000123456 (Vietcombank)", sms.body)
            self.assertIn("+84 903 000 111", sms.body, "the collector's phone")
            self.assertSMSNotification([{"partner": customer, "number": "+84935123456", "state": "ready"}],
                                       sms.body, messages=sms.mail_message_id)
            self.assertIn(sms.mail_message_id, reminder.sent_message_ids)
            self.assertEqual(sms.mail_message_id.model, "res.partner")
            self.assertEqual(sms.mail_message_id.res_id, customer.id)
            self.env["sms.sms"].sudo()._process_queue()
            self.assertSMSIapSent(["+84935123456"], content=invoice.name)
            self.assertEqual((reminder.sms_state, reminder.mail_state, reminder.state), ("sent", "queued", "queued"),
                             "the SMS accepted by the provider, the e-mail still in the queue")
        # Odoo's online payment is on (account_payment's default): the SMS ends with the short link to the invoice's
        # portal page (issue 15)
        self.assertIn("Pay online: %s/r/" % invoice.get_base_url(), sms.body)
        self.assertEqual(reminder.sms_segments, 2)
        self.assertEqual(len(self._new_mails), 1, "and the e-mail")

    def test_phone_normalisation(self):
        self.rule[0].channel = "sms"
        vietnam = self._reminder_customer("Duc Thinh", mobile="0912 345 678")
        taiwan = self._reminder_customer("Yongfeng", tz="Asia/Taipei", country=self.tw, mobile="0928-765-432")
        no_country = self._reminder_customer("Huong Que", mobile="0903 112 233", country_id=False)  # the company's
        contact = self.env["res.partner"].create({
            "name": "Ms Lin", "parent_id": taiwan.id, "type": "invoice", "mobile": "+886 933 456 789",
            "email": "lin@yongfeng.example.com"})
        taiwan.payment_contact_id = contact
        invalid = self._reminder_customer("Wrong Number", mobile="12345")
        landline = self._reminder_customer("Landline", mobile=False, phone="024 3825 6789")
        missing = self._reminder_customer("No Number", mobile=False)
        customers = vietnam | taiwan | no_country | invalid | landline | missing
        for customer in customers:
            self._invoice_due(customer, 100.0, TODAY)
        with self.gateways():
            self.run_cron(WORKING_TIME)
            self.assertSMSOutgoing(vietnam, "+84912345678")
            self.assertSMSOutgoing(contact, "+886933456789")  # the payment contact's mobile first
            self.assertSMSOutgoing(no_country, "+84903112233")
        self.assertEqual(len(self._new_sms), 3, "no SMS for the three customers without a mobile")
        results = {r.partner_id: r for r in self.reminders(customers)}
        self.assertEqual(results[vietnam].sms_number, "+84912345678")
        self.assertEqual(results[taiwan].sms_number, "+886933456789")
        self.assertEqual(results[taiwan].recipient_id, contact)
        for customer, reason in ((invalid, "12345 is not a valid phone number"),
                                 (landline, "024 3825 6789 is a landline"),
                                 (missing, "no mobile number")):
            reminder = results[customer]
            self.assertEqual(reminder.state, "failed")
            self.assertIn(reason, reminder.reason)
            activity = self.activities(customer)
            self.assertEqual(activity.user_id, self.salesman_a, "the collector is asked to fix the number")
            self.assertIn("Fix the mobile number", activity.summary)
            self.assertIn(reason, activity.note)
            self.assertIn(reason, customer.message_ids[0].body, "the failure is noted in the chatter")
        # the failed reminders are not retried every hour: the next run sends nothing more
        with self.gateways():
            self.run_cron("2026-06-15 04:00:00")
        self.assertFalse(self._new_sms)
        self.assertEqual(len(self.reminders(customers)), 6)

    def test_emails_in_three_languages(self):
        english = self._reminder_customer("Lion City", lang="en_US", tz="Asia/Singapore")
        vietnamese = self._reminder_customer("Sai Gon Viet", lang="vi_VN")
        chinese = self._reminder_customer("Green Energy", lang="zh_TW", tz="Asia/Taipei", country=self.tw)
        self.rule[7].channel = "both"
        invoices = {}
        for customer in english | vietnamese | chinese:
            invoices[customer] = self._invoice_due(customer, 1234.5, TODAY - timedelta(days=7))
        with self.gateways():
            self.run_cron(WORKING_TIME)
            expected = {
                english: ("Reminder: open invoices with", "Dear ", "still open after their due date",
                          "Kind regards,", "still open"),
                vietnamese: ("Nhắc nhở: hóa đơn chưa thanh toán với", "Kính gửi ", "vẫn chưa được thanh toán",
                             "Trân trọng,", "vẫn chưa được thanh toán"),
                chinese: ("提醒：與", "您好", "已過付款期限", "順頌商祺", "尚未付款"),
            }
            for customer, (subject, greeting, body, closing, sms) in expected.items():
                mail = self.assertMailMail(customer, "outgoing", content=greeting)
                self.assertIn(subject, mail.subject)
                self.assertIn(body, mail.body_html)
                self.assertIn(closing, mail.body_html)
                self.assertIn(invoices[customer].name, mail.body_html)
                self.assertSMSOutgoing(customer, "+84912345678" if customer != chinese else "+886912345678",
                                       content=sms)
            # amounts and dates in each language's format
            vi_mail = self._find_mail_mail_wpartners(vietnamese, "outgoing")
            self.assertIn("08/06/2026", vi_mail.body_html)
            self.assertIn("$\xa01,234.50", self._find_mail_mail_wpartners(english, "outgoing").body_html)
            # sent through the (mocked) SMTP server
            self._new_mails.send()
            self.assertSentEmail(self.company.email_formatted, [vietnamese],
                                 subject=f"Nhắc nhở: hóa đơn chưa thanh toán với {self.company.name}")

    def test_plain_sms_for_vietnamese(self):
        self.company.debt_reminder_sms_plain = True
        customer = self._reminder_customer("Công ty Đức Thịnh", lang="vi_VN")
        self._invoice_due(customer, 100.0, TODAY)
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertIn("Kinh gui Cong ty Duc Thinh", reminder.sms_body)
        self.assertNotIn("₫", reminder.sms_body)
        self.assertTrue(all(ord(char) < 0x250 for char in reminder.sms_body))
        # 2 parts without the pay-now link; Odoo's online payment is on (account_payment's default), so the SMS ends
        # with the short link to the invoice's portal page (issue 15): "Thanh toan truc tuyen: <base>/r/<code>"
        self.assertIn("Thanh toan truc tuyen: http", reminder.sms_body)
        self.assertEqual(reminder.sms_segments, 3)
        self.assertEqual(self._new_sms.body, reminder.sms_body)

    def test_template_failing_for_one_customer(self):
        """A template that cannot be rendered for one customer: that reminder fails with the error, the
        others go out in the same batch."""
        broken = self.env["mail.template"].create({
            "name": "Uses the customer reference",
            "model_id": self.env["ir.model"]._get_id("debt.reminder"),
            "subject": "Reminder",
            "body_html": '<p>Your reference: <t t-out="object.partner_id.ref.upper()"/></p>',
        })
        self.rule[7].mail_template_id = broken
        good_1 = self._reminder_customer("Good One", ref="c-001")
        bad = self._reminder_customer("No Reference")
        good_2 = self._reminder_customer("Good Two", ref="c-002")
        for customer in good_1 | bad | good_2:
            self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        with self.gateways(), mute_logger("odoo.addons.debt_collection.models.debt_reminder",
                                          "odoo.addons.mail.models.mail_render_mixin"):
            self.run_cron(WORKING_TIME)
            self.assertMailMail(good_1, "outgoing", content="C-001")
            self.assertMailMail(good_2, "outgoing", content="C-002")
        self.assertEqual(len(self._new_mails), 2)
        reminder = self.reminders(bad)
        self.assertEqual(reminder.state, "failed")
        self.assertIn("could not be rendered", reminder.reason)
        self.assertIn("upper", reminder.reason)
        self.assertEqual(self.reminders(good_1 | good_2).mapped("state"), ["queued", "queued"])

    def test_sms_template_failing_for_one_customer(self):
        """The SMS go through the same checks as the e-mails (DebtReminder._debt_render_channel): an SMS template
        that cannot be rendered for one customer fails that reminder only, with the error; a rule left without its
        SMS template (as the ORM no longer allows) fails its reminder, never an empty SMS."""
        broken = self.rule[0].sms_template_id.copy({"body": "Ref {{ object.partner_id.ref.upper() }}"})
        self.rule[0].write({"channel": "sms", "sms_template_id": broken.id})
        good = self._reminder_customer("Good Ref", ref="c-007", mobile="0912 345 678")
        bad = self._reminder_customer("No Ref", mobile="0912 345 679")
        for customer in good | bad:
            self._invoice_due(customer, 100.0, TODAY)
        with self.gateways(), mute_logger("odoo.addons.debt_collection.models.debt_reminder",
                                          "odoo.addons.mail.models.mail_render_mixin"):
            self.run_cron(WORKING_TIME)
            self.assertSMSOutgoing(good, "+84912345678", content="Ref C-007")
        self.assertEqual(len(self._new_sms), 1)
        self.assertEqual(self.reminders(good).state, "queued")
        reminder = self.reminders(bad)
        self.assertEqual((reminder.state, reminder.sms_state), ("failed", "failed"))
        self.assertIn(f"SMS not sent: the template {broken.name} could not be rendered", reminder.reason)
        self.assertIn("upper", reminder.reason)

        self.env.cr.execute("UPDATE debt_reminder_rule SET sms_template_id = NULL WHERE id = %s", [self.rule[0].id])
        self.env.invalidate_all()
        customer = self._reminder_customer("No SMS Template", mobile="0912 345 670")
        self._invoice_due(customer, 100.0, TODAY)
        with self.gateways():
            self.run_cron(WORKING_TIME)
            self.assertFalse(self._new_sms)
        reminder = self.reminders(customer)
        self.assertEqual((reminder.state, reminder.sms_state), ("failed", "failed"))
        self.assertIn(f"SMS not sent: the rule {self.rule[0].name} has no SMS template.", reminder.reason)

    def test_unknown_time_zone(self):
        customer = self._reminder_customer("Somewhere")
        other = self._reminder_customer("Elsewhere")
        for partner in customer | other:
            self._invoice_due(partner, 100.0, TODAY - timedelta(days=7))
        self.env.cr.execute("UPDATE res_partner SET tz = 'Mars/Olympus_Mons' WHERE id = %s", [customer.id])
        self.env.invalidate_all()
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertEqual(reminder.state, "failed")
        self.assertIn("Unknown time zone Mars/Olympus_Mons on the customer", reminder.reason)
        activity = self.activities(customer)
        self.assertIn("Fix the time zone", activity.summary)
        self.assertEqual(self.reminders(other).state, "queued")

    def test_outside_working_hours_the_reminder_waits(self):
        customer = self._reminder_customer("Late Evening")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        with self.gateways():
            self.run_cron(EVENING)
            reminder = self.reminders(customer)
            self.assertEqual(reminder.state, "planned")
            self.assertEqual(reminder.planned_time, datetime(2026, 6, 16, 1, 0), "Tuesday 08:00 local")
            self.assertFalse(self._new_mails)
            self.run_cron("2026-06-16 00:00:00")  # 07:00 local: still waiting
            self.assertEqual(reminder.state, "planned")
            self.run_cron("2026-06-16 01:00:00")
            self.assertEqual(reminder.state, "queued")
            self.assertEqual(len(self._new_mails), 1)

    def test_frequency_cap(self):
        customer = self._reminder_customer("Often Late")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))  # +7 on Monday 15 June
        invoice_b = self._invoice_due(customer, 200.0, TODAY + timedelta(days=1))  # due Tuesday 16 June
        self.rule[-3].active = False
        with self.gateways():
            for day in range(8):  # Monday 15 to Monday 22 June, 10:00 local
                self.run_cron(datetime(2026, 6, 15, 3) + timedelta(days=day))
        reminders = self.reminders(customer)
        # the due-date reminder of invoice B (Tuesday 16) waits 5 days: Saturday 20 -> Monday 22
        self.assertEqual([(r.rule_id, r.sent_time) for r in reminders], [
            (self.rule[7], datetime(2026, 6, 15, 3)),
            (self.rule[0], datetime(2026, 6, 22, 3)),
        ])
        self.assertEqual(reminders[1].line_ids, invoice_b.line_ids.filtered(
            lambda line: line.display_type == "payment_term"))

    def test_no_frequency_cap(self):
        self.company.debt_reminder_cap_days = 0
        self.rule[-3].active = False
        other = self._reminder_customer("No Cap")
        self._invoice_due(other, 100.0, d("2026-06-15") - timedelta(days=7))
        self._invoice_due(other, 200.0, d("2026-06-16"))
        with self.gateways():
            for day in range(2):
                self.run_cron(datetime(2026, 6, 15, 3) + timedelta(days=day))
        self.assertEqual(self.reminders(other).mapped("sent_time"),
                         [datetime(2026, 6, 15, 3), datetime(2026, 6, 16, 3)])

    def test_credits_and_minimum(self):
        covered = self._reminder_customer("Paid Ahead")
        self._invoice_due(covered, 300.0, TODAY - timedelta(days=7))
        self._unreconciled_payment(covered, 300.0, 3)
        partly = self._reminder_customer("Credit Note")
        invoice = self._invoice_due(partly, 500.0, TODAY - timedelta(days=7))
        self._invoice(partly, 120.0, 2, move_type="out_refund")
        small = self._reminder_customer("Small Amount")
        self._invoice_due(small, 40.0, TODAY - timedelta(days=7))
        self.rule[7].min_amount = 50.0
        preview = self.env["debt.reminder.preview"].create({"run_time": WORKING_TIME})
        preview.action_compute()
        lines = {line.partner_id: line for line in preview.line_ids}
        self.assertEqual(lines[covered].status, "hold")
        self.assertIn("unapplied payments and credit notes ($\xa0300.00) cover the items", lines[covered].reason)
        self.assertEqual(lines[small].status, "hold")
        self.assertIn("less than its minimum of $\xa050.00", lines[small].reason)
        self.assertEqual(lines[partly].status, "send")
        self.assertEqual(lines[partly].amount_due, 380.0)
        with self.gateways():
            self.run_cron(WORKING_TIME)
        self.assertFalse(self.reminders(covered | small))
        reminder = self.reminders(partly)
        self.assertRecordValues(reminder, [{"amount": 500.0, "credit_amount": 120.0, "amount_due": 380.0}])
        self.assertIn("$\xa0380.00", reminder.body_html)
        self.assertIn("unapplied payments and credit notes", reminder.body_html)
        self.assertIn(invoice.name, reminder.body_html)

    def test_paid_before_sending_is_skipped(self):
        customer = self._reminder_customer("Pays In Time")
        invoice = self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        reminder = self.reminders(customer)
        self.assertEqual(reminder.state, "planned")
        self._pay(invoice, 100.0, 0)
        with self.gateways():
            self.run_cron("2026-06-16 01:00:00")
        self.assertEqual(reminder.state, "skipped")
        self.assertIn("paid", reminder.reason)
        self.assertFalse(self._new_mails)

    def test_no_reminder_customer(self):
        customer = self._reminder_customer("Do Not Disturb", no_reminder=True)
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(WORKING_TIME)
        self.assertFalse(self.reminders(customer))
        with self.assertRaisesRollback(UserError, "no reminders"):
            customer.action_debt_send_reminder_now()

    def test_customer_tags(self):
        vip = self.env["res.partner.category"].create({"name": "VIP"})
        vip_rule = self.rule[7].copy({
            "name": "VIP: one week", "sequence": 1, "partner_category_ids": [Command.set(vip.ids)], "channel": "sms"})
        normal = self._reminder_customer("Normal")
        special = self._reminder_customer("Special", category_id=[Command.set(vip.ids)])
        for customer in normal | special:
            self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(WORKING_TIME)
        self.assertEqual(self.reminders(normal).rule_id, self.rule[7])
        self.assertEqual(self.reminders(special).rule_id, vip_rule)

    def test_escalation_credit_hold_and_final_notice(self):
        self.rule[30].escalate_credit_hold = True
        customer = self._reminder_customer("Long Overdue")
        self._invoice_due(customer, 900.0, TODAY - timedelta(days=45))
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertEqual((reminder.rule_id, reminder.state), (self.rule[30], "queued"))
        partner = customer.with_company(self.company)
        self.assertTrue(partner.debt_final_notice)
        self.assertTrue(partner.debt_manual_hold)
        self.assertIn("Final notice", partner.debt_hold_reason)
        self.assertTrue(partner.on_credit_hold)
        activity = self.activities(customer)
        self.assertEqual(activity.summary, "Call the customer after the final notice")

    def test_idempotent_after_a_crash(self):
        """The job crashes in its second batch (issue 12: a failing batch is isolated): the batch is processed
        again reminder by reminder and the run goes on; the next runs send nothing twice."""
        customers = self.env["res.partner"]
        for index in range(3):
            customers |= self._reminder_customer(f"Customer {index}")
            self._invoice_due(customers[-1], 100.0 + index, TODAY - timedelta(days=7))
        original = DebtReminder._debt_process
        calls = []

        def crash_on_second_batch(records, *args, **kwargs):
            if records.partner_id & customers:  # not the demo company's reminders, sent again once
                calls.append(records.ids)
                if len(calls) == 2:
                    raise RuntimeError("worker killed")
            return original(records, *args, **kwargs)

        with self.gateways():
            with patch.object(DebtReminder, "_debt_process", crash_on_second_batch), \
                    mute_logger("odoo.addons.debt_collection.models.debt_reminder_planning"):
                self.run_cron(WORKING_TIME, send_batch_size=1)
            reminders = self.reminders(customers)
            self.assertEqual(len(calls), 4, "3 batches, the crashed one processed again on its own")
            self.assertEqual(calls[1], calls[2])
            self.assertEqual(reminders.mapped("state"), ["queued"] * 3)
            self.run_cron("2026-06-15 03:20:00", send_batch_size=1)
            self.run_cron("2026-06-15 04:00:00")
            self.run_cron("2026-06-16 04:00:00")
        self.assertEqual(self.reminders(customers), reminders, "no reminder planned twice")
        self.assertEqual(len(self._new_mails.exists()), 3, "no e-mail sent twice")
        self.assertEqual(sorted(self._new_mails.exists().mapped("res_id")), sorted(customers.ids))

    def test_unique_cycle_and_concurrent_planning(self):
        """Two runs planning the same reminders (e.g. at the same time): the unique key keeps one."""
        customer = self._reminder_customer("Twice")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        engine = self.Reminder.sudo().with_company(self.company)
        now = datetime.fromisoformat(EVENING)
        setup = engine._debt_setup(self.company, now)
        candidates = engine._debt_candidates(setup, now)
        first = engine._debt_insert(candidates, now)
        second = engine._debt_insert(candidates, now)
        self.assertEqual(len(first), 1)
        self.assertFalse(second)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.Reminder.sudo().create({
                "partner_id": customer.id, "company_id": self.company.id, "rule_id": self.rule[7].id,
                "cycle_date": d("2026-06-15")})

    def test_constant_queries_per_batch(self):
        """A run of the job sending 2 reminders (e-mail and SMS each) takes as many queries as a run
        sending 6: the work is done per batch, not per customer."""
        counts = []
        for day, count in ((16, 1), (17, 2), (18, 6)):  # the first run warms the caches up
            customers = self.env["res.partner"]
            for index in range(count):
                customer = self._reminder_customer(f"Batch {day} {index}")
                self._invoice_due(customer, 100.0, d("2026-06-15") + timedelta(days=day - 14))  # due the next day
                customers |= customer
            self.run_cron(datetime(2026, 6, day, 17, 30))  # after midnight local: planned for 08:00
            self.assertEqual(self.reminders(customers).mapped("state"), ["planned"] * count)
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.cr.sql_log_count
            self.run_cron(datetime(2026, 6, day + 1, 1), send_batch_size=10)
            counts.append(self.cr.sql_log_count - start)
            self.assertEqual(self.reminders(customers).mapped("state"), ["queued"] * count)
            self.assertEqual(len(self.reminders(customers).sent_message_ids), 2 * count)
        self.assertEqual(counts[1], counts[2], f"queries of the runs sending 1, 2 and 6 reminders: {counts}")

@tagged("post_install", "-at_install")
class TestReminderActions(ReminderCommon):

    def test_send_now(self):
        customer = self._reminder_customer("Urgent")
        invoice = self._invoice_due(customer, 700.0, TODAY - timedelta(days=10))
        with self.gateways():
            # 17:00 in Ho Chi Minh City: the job would wait until tomorrow; the user does not
            action = customer.with_user(self.salesman_a).action_debt_send_reminder_now()
            reminder = self.Reminder.browse(action["res_id"])
            self.assertEqual((reminder.state, reminder.rule_id), ("queued", self.rule[7]))
            self.assertMailMail(customer, "outgoing", content=invoice.name)
            # same rule, same day: refused, nothing sent twice
            with self.assertRaisesRollback(UserError, "already sent .* today"):
                customer.with_user(self.salesman_a).action_debt_send_reminder_now()
            self.assertEqual(len(self._new_mails), 1)
            # the job does not send it again
            self.run_cron("2026-06-16 03:00:00")
            self.assertEqual(len(self._new_mails), 1)
        self.assertEqual(customer.debt_reminder_count, 1)
        action = customer.action_view_debt_reminders()
        self.assertEqual(self.Reminder.search(action["domain"]), reminder)

    def test_send_now_rights_and_nothing_due(self):
        customer = self._reminder_customer("Not Mine")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        with self.assertRaisesRollback(UserError, "salesperson or the collector"):
            customer.with_user(self.salesman_b).action_debt_send_reminder_now()
        not_due = self._reminder_customer("Not Due Yet")
        self._invoice_due(not_due, 100.0, TODAY + timedelta(days=20))
        with self.assertRaisesRollback(UserError, "Nothing to remind"):
            not_due.with_user(self.salesman_a).action_debt_send_reminder_now()
        self.assertFalse(self.reminders(customer | not_due))

    def test_send_now_sends_the_planned_reminder(self):
        customer = self._reminder_customer("Waiting")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        planned = self.reminders(customer)
        self.assertEqual(planned.state, "planned")
        with self.gateways():
            action = customer.with_user(self.collection_manager).action_debt_send_reminder_now()
        self.assertEqual(action["res_id"], planned.id)
        self.assertEqual(planned.state, "queued")

    def test_preview_sends_nothing(self):
        customer = self._reminder_customer("Preview Me", lang="vi_VN")
        self._invoice_due(customer, 100.0, TODAY)
        models = ("mail.mail", "sms.sms", "mail.message")
        mails, sms, messages = (self.env[model].sudo().search_count([]) for model in models)
        with self.gateways():
            preview = self.env["debt.reminder.preview"].with_user(self.collection_manager).create({
                "run_time": WORKING_TIME, "partner_ids": [Command.set(customer.ids)]})
            preview.action_compute()
        line = preview.line_ids
        self.assertEqual(len(line), 1)
        self.assertRecordValues(line, [{
            "partner_id": customer.id, "rule_id": self.rule[0].id, "status": "send", "channel": "both",
            "planned_time": datetime.fromisoformat(WORKING_TIME), "sms_number": "+84912345678",
            "email_to": customer.email,
        }])
        self.assertIn("Kính gửi", line.body_html)
        self.assertIn("Kính gửi", line.sms_body)
        self.assertEqual(line.sms_encoding, "UCS-2")
        # "... xin liên hệ Sales A +84 903 000 111": a name, then the number (251 characters, 4 parts); Odoo's online
        # payment is on (account_payment's default): then " Thanh toán trực tuyến: <base>/r/<code>" (issue 15)
        self.assertIn("xin liên hệ Sales A +84 903 000 111", line.sms_body)
        self.assertRegex(line.sms_body, r" Thanh toán trực tuyến: http\S+/r/\w+$")
        link = line.sms_body.split(" Thanh toán trực tuyến: ")[1]
        self.assertEqual(line.sms_length, 251 + len(" Thanh toán trực tuyến: ") + len(link))
        self.assertEqual(line.sms_segments, 5)
        self.assertFalse(self.reminders(customer), "nothing kept")
        self.assertEqual(
            (mails, sms, messages),
            tuple(self.env[model].sudo().search_count([]) for model in models),
            "nothing queued, nothing posted")
        # later in the evening: planned for the next morning
        preview.run_time = EVENING
        preview.action_compute()
        self.assertRecordValues(preview.line_ids, [{"status": "later", "planned_time": datetime(2026, 6, 16, 1)}])

    def test_cancel_planned_reminder(self):
        customer = self._reminder_customer("Cancel Me")
        self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        reminder = self.reminders(customer)
        with self.assertRaises(UserError):
            reminder.with_user(self.salesman_a).action_skip()
        reminder.with_user(self.collection_manager).action_skip()
        self.assertEqual(reminder.state, "skipped")
        self.assertIn("Collection Manager", reminder.reason)

    def test_record_rules(self):
        mine = self._reminder_customer("Mine")
        theirs = self._reminder_customer("Theirs", user_id=self.salesman_b.id)
        for customer in mine | theirs:
            self._invoice_due(customer, 100.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        visible = self.Reminder.with_user(self.salesman_a).search([("partner_id", "in", (mine | theirs).ids)])
        self.assertEqual(visible.partner_id, mine)
        self.assertEqual(len(self.Reminder.with_user(self.collection_manager).search(
            [("partner_id", "in", (mine | theirs).ids)])), 2)


@tagged("post_install", "-at_install")
class TestReminderRules(ReminderCommon):

    def test_default_rules(self):
        self.assertEqual(sorted(self.rule), [-3, 0, 7, 14, 21, 30])
        self.assertEqual(self.rule[30].escalate_final_notice, True)
        self.assertEqual(self.rule[30].escalate_activity, True)
        new_company = self.env["res.company"].create({"name": "New Branch"})
        rules = self.env["debt.reminder.rule"].search([("company_id", "=", new_company.id)])
        self.assertEqual(sorted(rules.mapped("offset_days")), [-3, 0, 7, 14, 21, 30])

    def test_repetition(self):
        rule = self.env["debt.reminder.rule"].create({
            "name": "Weekly after the final notice", "offset_days": 37, "repeat": True, "repeat_every_days": 7,
            "repeat_until_days": 58, "channel": "email",
            "mail_template_id": self.rule[30].mail_template_id.id, "company_id": self.company.id})
        self.assertEqual(rule._offsets(), [37, 44, 51, 58])
        self.assertEqual(rule.step_description, "every 7 days from +37 days to +58 days")

    def test_bad_rules(self):
        template = self.rule[7].mail_template_id
        base = {"name": "Bad", "channel": "email", "mail_template_id": template.id, "company_id": self.company.id}
        with self.assertRaisesRollback(ValidationError, "repeats with no end"):
            self.env["debt.reminder.rule"].create({**base, "offset_days": 40, "repeat": True, "repeat_every_days": 7})
        with self.assertRaisesRollback(ValidationError, "repeats with no end"):
            self.env["debt.reminder.rule"].create({
                **base, "offset_days": 40, "repeat": True, "repeat_every_days": 7, "repeat_until_days": 35})
        with self.assertRaisesRollback(ValidationError, "every 1 day or more"):
            self.env["debt.reminder.rule"].create({
                **base, "offset_days": 40, "repeat": True, "repeat_every_days": 0, "repeat_until_days": 60})
        with self.assertRaisesRollback(ValidationError, "both send E-mail 7 days"):
            self.env["debt.reminder.rule"].create({**base, "offset_days": 7})
        with self.assertRaisesRollback(ValidationError, "both send E-mail 14 days"):
            self.env["debt.reminder.rule"].create({
                **base, "offset_days": 1, "repeat": True, "repeat_every_days": 13, "repeat_until_days": 40})
        with self.assertRaisesRollback(ValidationError, "both send E-mail and SMS 0 days"):
            self.env["debt.reminder.rule"].create({
                **base, "channel": "both", "sms_template_id": self.rule[0].sms_template_id.id,
                "offset_days": 0, "repeat": True, "repeat_every_days": 14, "repeat_until_days": 28})
        with self.assertRaisesRollback(ValidationError, "choose its SMS template"):
            self.env["debt.reminder.rule"].create({**base, "offset_days": 8, "channel": "sms"})
        with self.assertRaises(ValidationError):
            self.company.debt_reminder_cap_days = -1
        # the same day by another channel is allowed, and so is a rule for other customers
        self.env["debt.reminder.rule"].create({
            **base, "offset_days": 7, "channel": "sms", "sms_template_id": self.rule[0].sms_template_id.id})
        self.assertEqual(len(self.env["debt.reminder.rule"].search([("name", "=", "Bad")])), 1)

    def test_rule_form(self):
        form = Form(self.env["debt.reminder.rule"])
        form.name = "Every 5 days after the final notice"
        form.offset_days = 35
        form.repeat = True
        form.repeat_every_days = 5
        form.repeat_until_days = 50
        form.channel = "email"
        form.mail_template_id = self.rule[30].mail_template_id
        rule = form.save()
        self.assertEqual(rule._offsets(), [35, 40, 45, 50])

    def test_settings(self):
        settings = self.env["res.config.settings"].create({
            "debt_reminder_cap_days": 3, "debt_reminder_sms_plain": True})
        settings.execute()
        self.assertEqual(self.env.company.debt_reminder_cap_days, 3)
        self.assertTrue(self.env.company.debt_reminder_sms_plain)



MAIL_TEMPLATES = ("mail_template_debt_reminder_upcoming", "mail_template_debt_reminder_overdue",
                  "mail_template_debt_reminder_final")


def _texts(body):
    """The texts of the paragraphs and table cells of an e-mail body, whitespace aside (the no-break spaces of
    the amounts kept)."""
    root = html.fragment_fromstring(body, create_parent="div")
    return [re.sub(r"[ \t\r\n]+", " ", node.text_content()).strip() for node in root.iter("p", "th", "td")]


@tagged("post_install", "-at_install")
class TestReminderRendering(ReminderCommon):

    def _templates(self):
        return [self.env.ref(f"debt_collection.{name}") for name in MAIL_TEMPLATES]

    def test_shipped_bodies_are_plain_placeholders(self):
        """The shipped e-mail bodies, in every shipped language, have no expression Odoo would evaluate: Odoo renders
        them without its QWeb engine (``_render_template_qweb_regex``), and users who are not template editors may
        edit them. The 18.0.1.0.0 bodies did not."""
        mixin = self.env["mail.render.mixin"]
        for template in self._templates():
            for lang in ("en_US", "vi_VN", "zh_TW"):
                body = template.with_context(lang=lang).body_html
                self.assertFalse(mixin._has_unsafe_expression_template_qweb(body, "debt.reminder"),
                                 f"{template.name} ({lang})")
        path = Path(__file__).parents[1] / "migrations" / "18.0.2.1.0" / "post-20-refresh-templates.py"
        spec = importlib.util.spec_from_file_location("debt_collection_post_20_refresh_templates_rendering", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        for name, body in migration.mail_bodies(migration.OLD_MAIL_BODIES).items():
            self.assertTrue(mixin._has_unsafe_expression_template_qweb(body, "debt.reminder"), name)

    def test_bodies_as_the_old_templates_rendered_them(self):
        """A customer with an invoice in euros, one in dollars and an open credit note, the company with a bank
        account: the e-mails of the three templates read as the 18.0.1.0.0 bodies (QWeb logic rendered by Odoo's
        QWeb engine) gave them, paragraph by paragraph and cell by cell, in English; in Vietnamese and Chinese, the
        sentences moved into the computed fields read as the translations of those bodies did."""
        # the pay-now offers (online payment links, issue 15) are new: without them the bodies read as the old ones
        self.env["ir.config_parameter"].set_param("account_payment.enable_portal_payment", False)
        customers = {lang: self._reminder_customer(f"Old Words {lang}", lang=lang)
                     for lang in ("en_US", "vi_VN", "zh_TW")}
        invoices = {}
        for customer in customers.values():
            invoices[customer] = self._invoice_due(customer, 1000.0, TODAY - timedelta(days=7)) | \
                self._invoice_due(customer, 300.0, TODAY - timedelta(days=9), currency=self.eur)
            self._invoice(customer, 120.0, 2, move_type="out_refund")
        self.run_cron(EVENING)
        reminders = {lang: self.reminders(customer) for lang, customer in customers.items()}
        english = reminders["en_US"]
        self.assertRecordValues(english, [{"amount": 1150.0, "credit_amount": 120.0, "amount_due": 1030.0,
                                           "stage": "overdue"}])
        path = Path(__file__).parents[1] / "migrations" / "18.0.2.1.0" / "post-20-refresh-templates.py"
        spec = importlib.util.spec_from_file_location("debt_collection_post_20_refresh_templates_old_words", path)
        migration = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(migration)
        old_bodies = migration.mail_bodies(migration.OLD_MAIL_BODIES)
        everyone = self.Reminder.concat(*reminders.values())
        for name, template in zip(MAIL_TEMPLATES, self._templates(), strict=True):
            rendered, errors = everyone._debt_render(template, ("body_html",))
            self.assertFalse(errors)
            for values in rendered.values():
                self.assertNotIn("t-out", values["body_html"], "every placeholder replaced")
            old = template.with_context(lang="en_US")._render_template(
                old_bodies[name], "debt.reminder", english.ids, engine="qweb")[english.id]
            new = rendered[english.id]["body_html"]
            self.assertEqual(_texts(new), _texts(old), name)
            self.assertIn("These invoices come to $\xa01,150.00. After deducting your unapplied payments and credit "
                          "notes of $\xa0120.00, the amount to pay is $\xa01,030.00.", _texts(new))
            self.assertIn("300.00\xa0€", _texts(new), "the euro invoice in euros")
            for lang, sentences in {
                "vi_VN": ["Tổng các hóa đơn trên là {amount}. Sau khi trừ các khoản Quý khách đã trả trước và giấy "
                          "báo có chưa cấn trừ là {credit}, số tiền cần thanh toán là {due}.",
                          "Quý khách có thể chuyển khoản cho {company}, số tài khoản 0071000123456 (Vietcombank), "
                          "ghi nội dung thanh toán của từng hóa đơn.", "Hóa đơn", "Số tiền còn lại"],
                "zh_TW": ["上述發票合計 {amount}。扣除您尚未沖銷的付款及折讓 {credit} 後，應付金額為 {due}。",
                          "您可匯款至 {company}，帳號 0071000123456 (Vietcombank)，並請註明各張發票的付款備註。",
                          "發票", "未付金額"],
            }.items():
                env = self.env(context=dict(self.env.context, lang=lang))
                reminder = reminders[lang]
                texts = _texts(rendered[reminder.id]["body_html"])
                for sentence in sentences:
                    self.assertIn(sentence.format(
                        amount=format_amount(env, 1150.0, self.company.currency_id),
                        credit=format_amount(env, 120.0, self.company.currency_id),
                        due=format_amount(env, 1030.0, self.company.currency_id), company=self.company.name,
                    ), texts, f"{name} ({lang})")
                euro = invoices[customers[lang]].filtered(lambda move: move.currency_id == self.eur)
                self.assertIn(format_date(env, euro.invoice_date_due), texts, f"{name} ({lang}): its date")
                self.assertIn(format_amount(env, 300.0, self.eur), texts, f"{name} ({lang}): in euros")
        # the upcoming template's introduction follows the stage, as its t-if did
        upcoming = self._templates()[0]
        rendered, errors = everyone._debt_render(upcoming, ("body_html",))
        intro = {
            "en_US": f"We hope all is well at {customers['en_US'].name}. This is a friendly reminder from "
                     f"{self.company.name} that the following invoices have recently fallen due:",
            "vi_VN": f"Kính chúc {customers['vi_VN'].name} mọi điều tốt đẹp. {self.company.name} xin trân trọng "
                     "nhắc Quý khách rằng các hóa đơn sau đây vừa đến hạn thanh toán:",
            "zh_TW": f"敬祝 {customers['zh_TW'].name} 業務興隆。{self.company.name} "
                     "謹此溫馨提醒，下列發票已於近日到期：",
        }
        for lang, sentence in intro.items():
            self.assertIn(sentence, _texts(rendered[reminders[lang].id]["body_html"]), lang)

    def test_edited_body_with_qweb_logic(self):
        """A body edited with any QWeb (not only placeholders) is rendered by Odoo's QWeb engine; one failing for
        one reminder fails that one only."""
        customer = self._reminder_customer("Edited Body")
        other = self._reminder_customer("Edited Body Too", ref="c-043")
        for partner in customer | other:
            self._invoice_due(partner, 700.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        reminders = self.reminders(customer | other)
        edited = self._templates()[1].copy({
            "body_html": '<p>Your reference: <t t-out="object.partner_id.ref.upper()"/></p>'
                         '<p t-foreach="object.sorted_line_ids" t-as="line" t-out="line.move_name"/>'})
        self.assertTrue(self.env["mail.render.mixin"]._has_unsafe_expression_template_qweb(
            edited.body_html, "debt.reminder"))
        with mute_logger("odoo.addons.mail.models.mail_render_mixin",
                         "odoo.addons.debt_collection.models.debt_reminder_rendering"):
            rendered, errors = reminders._debt_render(edited, ("body_html",))
        self.assertEqual(list(rendered), [reminders[1].id])
        self.assertEqual(_texts(rendered[reminders[1].id]["body_html"]),
                         ["Your reference: C-043", reminders[1].line_ids.move_name])
        self.assertIn("upper", errors[reminders[0].id])

    def test_languages_across_batches(self):
        """Each batch renders each customer in its own language, whatever language the previous batch had."""
        customers = {
            "en_US": self._reminder_customer("Batch English", lang="en_US"),
            "vi_VN": self._reminder_customer("Batch Viet", lang="vi_VN"),
            "zh_TW": self._reminder_customer("Batch Chinese", lang="zh_TW"),
            "vi_VN 2": self._reminder_customer("Batch Viet 2", lang="vi_VN"),
        }
        for customer in customers.values():
            self._invoice_due(customer, 1234.5, TODAY - timedelta(days=7))
        subjects = {"en_US": "Reminder: open invoices with", "vi_VN": "Nhắc nhở: hóa đơn chưa thanh toán với",
                    "zh_TW": "提醒：與"}
        with self.gateways():
            self.run_cron(WORKING_TIME, send_batch_size=1)
            for key, customer in customers.items():
                mail = self._find_mail_mail_wpartners(customer, "outgoing")
                self.assertTrue(mail.subject.startswith(subjects[key.split()[0]]), f"{key}: {mail.subject}")
                self.assertIn(customer.name, mail.body_html)
        self.assertEqual(self.reminders(self.env["res.partner"].concat(*customers.values())).mapped("state"),
                         ["queued"] * 4)

    def test_inline_fields_rendered_by_odoo(self):
        """The SMS text is Odoo's _render_field of the template in the customer's language; a template failing
        for one reminder (or refused by Odoo's sandbox) fails that one only."""
        template = self.rule[7].sms_template_id
        customer = self._reminder_customer("Render Me", lang="vi_VN")
        other = self._reminder_customer("Render Me Too", lang="en_US", ref="c-042")
        for partner in customer | other:
            self._invoice_due(partner, 2500000.0, TODAY - timedelta(days=7))
        self.run_cron(EVENING)
        reminders = self.reminders(customer | other)
        expected = template._render_field("body", reminders.ids, compute_lang=True)
        rendered, errors = reminders._debt_render(template, ("body",))
        self.assertFalse(errors)
        self.assertEqual({rid: values["body"] for rid, values in rendered.items()}, expected)
        self.assertIn("Kính gửi Render Me", rendered[reminders[0].id]["body"])
        failing = template.copy({"body": "{{ object.partner_id.ref.upper() }}"})
        with mute_logger("odoo.addons.mail.models.mail_render_mixin",
                         "odoo.addons.debt_collection.models.debt_reminder_rendering"):
            rendered, errors = reminders._debt_render(failing, ("body",))
        self.assertEqual(rendered, {reminders[1].id: {"body": "C-042"}})
        self.assertIn("upper", errors[reminders[0].id])
        sandboxed = template.copy({"body": "{{ object.__class__ }}"})
        with mute_logger("odoo.addons.mail.models.mail_render_mixin",
                         "odoo.addons.debt_collection.models.debt_reminder_rendering"):
            rendered, errors = reminders._debt_render(sandboxed, ("body",))
        self.assertFalse(rendered)
        self.assertIn("__class__", errors[reminders[0].id])
