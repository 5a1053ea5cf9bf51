"""The screens as people use them (issue 13): the values, defaults and texts behind the views."""
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import TODAY, DebtCollectionCommon
from .common_reminder import ReminderCommon

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City


@tagged("post_install", "-at_install")
class TestScreenFigures(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Screen Customer", user_id=cls.salesman_a.id)
        cls.invoice = cls._invoice(cls.customer, 950.0, 100)
        cls._pay(cls.invoice, 300.0, 50)
        cls.other = cls._customer("Screen Other", user_id=cls.salesman_a.id)
        cls._invoice(cls.other, 100.0, 40)
        cls._invoice(cls.other, 100.0, -20)  # not due for 20 more days

    def test_call_promised_opens_its_promise_with_the_open_amount(self):
        call = Form(self.env["debt.call"])
        call.partner_id = self.customer
        call.invoice_ids.add(self.invoice)
        call.outcome = "promised"
        self.assertEqual(len(call.promise_ids), 1)
        with call.promise_ids.edit(0) as promise:
            self.assertEqual(promise.amount, 650.0)  # what is still open, not the invoice's 950
            self.assertEqual(promise.date, TODAY)
            promise.promised_date = TODAY + timedelta(days=7)
        record = call.save()
        self.assertRecordValues(record.promise_ids, [{
            "amount": 650.0, "currency_id": self.currency.id, "state": "open", "partner_id": self.customer.id,
            "invoice_ids": self.invoice.ids, "promised_date": TODAY + timedelta(days=7),
        }])

    def test_call_promised_without_invoices_takes_the_overdue_amount(self):
        call = Form(self.env["debt.call"])
        call.partner_id = self.customer
        call.outcome = "promised"
        with call.promise_ids.edit(0) as promise:
            self.assertEqual(promise.amount, 650.0)  # the customer's overdue amount
            promise.promised_date = TODAY + timedelta(days=3)

    def test_promise_form_offers_the_invoices_open_balance(self):
        promise = Form(self.env["debt.promise"])
        promise.partner_id = self.customer
        promise.invoice_ids.add(self.invoice)
        self.assertEqual(promise.amount, 650.0)

    def test_promise_form_has_no_measure_tab(self):
        arch = self.env["debt.promise"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertFalse(etree.fromstring(arch).xpath("//page[@name='measure']"))

    def test_worklist_does_not_sum_ages(self):
        partners = self.customer | self.other
        groups = self.env["debt.worklist"].read_group(
            [("partner_id", "in", partners.ids)], ["oldest_overdue_days", "credit_limit"], ["salesperson_id"])
        self.assertEqual(len(groups), 1)
        self.assertEqual(groups[0]["oldest_overdue_days"], 100)  # the group's oldest item, not 100 + 40
        self.assertNotIn("credit_limit", groups[0])
        rows = self.env["debt.worklist"].search([("partner_id", "in", partners.ids)])
        self.assertEqual(rows.mapped("promise_evaluated"), [False, False])  # no 0 % shown: nothing evaluated

    def test_worklist_fits_a_laptop_screen(self):
        arch = etree.fromstring(
            self.env["debt.worklist"].get_views([(False, "list")])["views"]["list"]["arch"])
        self.assertEqual(arch.get("action"), "action_open_partner")  # a click on a row opens the customer
        self.assertEqual(arch.get("type"), "object")
        shown = [
            field.get("name") for field in arch.xpath("field")
            if field.get("optional") != "hide" and field.get("column_invisible") not in ("True", "1")
            and not field.get("groups")
        ]
        self.assertEqual(shown, [
            "partner_id", "collector_id", "total_receivable", "overdue_amount", "oldest_overdue_days",
            "on_credit_hold", "promise_date", "last_contact_outcome",
        ])
        self.assertIn("action_log_call", arch.xpath("button/@name"))

    def test_credit_hold_banner(self):
        self.customer.with_user(self.collection_manager)._debt_set_manual_hold(True, "Disputed invoices.")
        partner = self.customer.with_company(self.company)
        self.assertEqual(
            partner.credit_hold_message,
            "Screen Customer is on credit hold: placed on hold by a manager: Disputed invoices.")
        # the banner of a new quotation, before it is saved
        order = Form(self.env["sale.order"])
        order.partner_id = self.customer
        self.assertTrue(order.debt_on_credit_hold)
        self.assertEqual(order.debt_credit_hold_message, partner.credit_hold_message)

    def test_settings_open_at_the_collections_block(self):
        action = self.env.ref("debt_collection.action_debt_collection_settings")
        self.assertEqual(action.context, "{'module': 'debt_collection', 'bin_size': False}")
        arch = etree.fromstring(
            self.env["res.config.settings"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertTrue(arch.xpath("//app[@name='debt_collection']//block[@id='debt_collection_settings']"))

    def test_dates_in_names_use_the_users_format(self):
        call = self.env["debt.call"].create({
            "partner_id": self.customer.id, "outcome": "promised", "date": "2026-06-15 08:00:00",
            "promise_ids": [Command.create({
                "partner_id": self.customer.id, "amount": 100.0, "promised_date": "2026-06-30"})],
        })
        self.assertEqual(call.display_name, "Screen Customer, 06/15/2026: Promised to pay")
        self.assertEqual(call.promise_ids.display_name, "Screen Customer: $\xa0100.00 by 06/30/2026")
        wizard = self.env["debt.call.summary"].create({"call_id": call.id})
        self.assertEqual(wizard.lang, "en_US")
        labels = dict(wizard._fields["lang"]._description_selection(self.env))
        self.assertEqual(labels[wizard.lang], "English (US)")  # the language's name, not its code

    def test_aging_results_have_a_url_to_come_back_to(self):
        """Back from the open items (or a reload) reopens the report's pivot: the results carry the path of a
        server action that rebuilds them from the report's id alone, the only thing the URL keeps."""
        report = self.env["debt.aging.report"].with_user(self.salesman_a).create({})
        action = report.action_view_report()
        server_action = self.env.ref("debt_collection.action_debt_aging_report_results")
        self.assertEqual(action["path"], server_action.path)
        self.assertEqual(action["context"]["active_id"], report.id)
        # what the web client runs for the URL: the action of the path, with the report's id as active_id
        rebuilt = server_action.with_user(self.salesman_a).with_context(active_id=report.id).run()
        self.assertEqual(rebuilt, action)
        # another user's report id in a URL opens nothing of it
        with self.assertRaises(AccessError):
            server_action.with_user(self.salesman_b).with_context(active_id=report.id).run()
        # a report gone (transient) opens the aging wizard afresh
        report.unlink()
        rebuilt = server_action.with_user(self.salesman_a).with_context(active_id=report.id).run()
        self.assertEqual(rebuilt["res_model"], "debt.aging.report")
        self.assertEqual(rebuilt["target"], "new")

    def test_aging_days_match_the_customer_form(self):
        """Evening in Europe, already tomorrow in Vietnam: the aging report of today and the customer's form
        count the same days for the same invoice (today - due date, in the customer's time zone)."""
        self.customer.tz = "Asia/Ho_Chi_Minh"
        self.env.user.tz = "Europe/Brussels"
        with freeze_time("2026-06-15 20:00:00"):  # 22:00 in Brussels, 03:00 on the 16th in Ho Chi Minh City
            self.env.invalidate_all()
            self.assertEqual(self.customer.with_company(self.company).oldest_overdue_days, 101)
            report = self.env["debt.aging.report"].create({"partner_ids": [Command.set(self.customer.ids)]})
            self.assertEqual(report.date_at, TODAY)
            rows = report._fetch_items(partner_ids=self.customer.ids, company_ids=self.company.ids)
            self.assertEqual([row["days_overdue"] for row in rows], [101])
            # a report as of another day ages every item to that day
            report.date_at = TODAY - timedelta(days=5)
            rows = report._fetch_items(partner_ids=self.customer.ids, company_ids=self.company.ids)
            self.assertEqual([row["days_overdue"] for row in rows], [95])


@tagged("post_install", "-at_install")
class TestScreenReminderPreview(ReminderCommon):
    def test_preview_is_a_report_screen(self):
        landline = self._reminder_customer("Landline Only", mobile=False, phone="024 3825 6789")
        self._invoice_due(landline, 100.0, TODAY)
        self.rule[0].channel = "both"
        preview = self.env["debt.reminder.preview"].create({
            "run_time": WORKING_TIME, "partner_ids": [Command.set(landline.ids)]})
        self.assertEqual(preview.display_name, "Next Run of the Reminders")
        # Refresh reloads the screen in place: no new action, hence no new breadcrumb
        self.assertIs(preview.action_compute(), True)
        line = preview.line_ids
        self.assertEqual(line.status, "partial")  # the e-mail would go, the SMS to a landline would not
        self.assertIn("landline", line.reason)
        self.assertRecordValues(preview, [{"send_count": 0, "fail_count": 1, "later_count": 0, "hold_count": 0}])
        arch = etree.fromstring(self.env["debt.reminder.preview"].get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertEqual(arch.get("create"), "0")

    def test_customer_preview_opens_computed(self):
        # the customer's "Preview Reminder" shows what the run would do at once, without a Refresh
        customer = self._reminder_customer("Preview At Once")
        self._invoice_due(customer, 100.0, TODAY)
        with freeze_time(WORKING_TIME):
            action = customer.with_user(self.collection_manager).action_debt_preview_reminders()
        preview = self.env["debt.reminder.preview"].browse(action["res_id"])
        self.assertEqual(preview.partner_ids, customer)
        self.assertEqual(preview.line_ids.partner_id, customer)

    def test_sms_without_diacritics_by_default(self):
        self.assertTrue(self.env["res.company"].create({"name": "New Company"}).debt_reminder_sms_plain)

    def _final_sms(self, customer):
        self._invoice_due(customer, 3800.0, TODAY)
        self.rule[0].write({"channel": "sms", "sms_template_id": self.env.ref(
            "debt_collection.sms_template_debt_reminder_final").id})
        preview = self.env["debt.reminder.preview"].create({
            "run_time": WORKING_TIME, "partner_ids": [Command.set(customer.ids)]})
        preview.action_compute()
        self.assertEqual(preview.line_ids.status, "send")
        return preview.line_ids.sms_body

    def test_sms_texts_without_a_phone_to_call(self):
        # the collector has no phone, nor the company: no blank where the number was
        self.salesman_a.partner_id.write({"mobile": False, "phone": False})
        self.company.phone = False
        english = self._final_sms(self._reminder_customer("Lion Trading"))
        self.assertIn("Dear Lion Trading, despite our reminders, $ 3,800.00 is still unpaid (invoice INV/", english)
        self.assertIn("Please pay within 7 days, or contact Sales A to agree on a payment plan. Thank you.", english)
        vietnamese = self._final_sms(self._reminder_customer("Công ty Minh Phát", lang="vi_VN"))
        self.assertIn("hoặc liên hệ Sales A để thống nhất lịch thanh toán", vietnamese)
        chinese = self._final_sms(self._reminder_customer("綠能科技", lang="zh_TW", country=self.tw))
        self.assertIn("或聯絡 Sales A 商議付款計畫", chinese)
        for text in (english, vietnamese, chinese):
            self.assertNotIn("  ", text)

    def test_sms_texts_with_the_collectors_phone(self):
        vietnamese = self._final_sms(self._reminder_customer("Công ty Đức Thịnh", lang="vi_VN"))
        self.assertIn("liên hệ Sales A +84 903 000 111 để thống nhất", vietnamese)
