"""Issue 11, "Who sees what: engine state, wizards and reports" (README): each row of the table is a test
acting as the user concerned (``with_user``) and expecting the refusal; bad input is refused with a clear
message, before anything reaches the database."""

from datetime import date

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import load_shipped_translations
from .test_promise import PromiseCommon


class TrustCommon(PromiseCommon):
    """Salespeople A and B with a customer each, a collection manager, an internal user without the
    collection groups and a portal user."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._customer("Trust Customer of A", user_id=cls.salesman_a.id, email="a@trust.example.com")
        cls.customer_b = cls._customer("Trust Customer of B", user_id=cls.salesman_b.id, email="b@trust.example.com")
        cls.inv_a = cls._invoice(cls.customer_a, 1000.0, 20)
        cls.inv_b = cls._invoice(cls.customer_b, 700.0, 40)
        cls.promise_a = cls._promise(cls.customer_a, 1000.0, invoices=cls.inv_a,
                                     lines=[(date(2026, 6, 20), 600.0), (date(2026, 6, 30), 400.0)])
        cls.promise_b = cls._promise(cls.customer_b, 700.0, invoices=cls.inv_b)
        Call = cls.env["debt.call"]
        cls.call_a = Call.create({"partner_id": cls.customer_a.id, "outcome": "callback"})
        cls.call_b = Call.create({
            "partner_id": cls.customer_b.id, "outcome": "promised", "invoice_ids": [Command.set(cls.inv_b.ids)],
            "promise_ids": [Command.link(cls.promise_b.id)]})
        cls.internal_user = new_test_user(
            cls.env, login="dc_trust_internal", name="Internal Without Collections", groups="base.group_user",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.portal_user = new_test_user(
            cls.env, login="dc_trust_portal", name="Portal User", groups="base.group_portal",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])

    def _aging_report(self, user):
        return self.env["debt.aging.report"].with_user(user).create({"interval_mode": "list", "interval_list": "30,60"})


@tagged("post_install", "-at_install")
class TestTrustPromises(TrustCommon):
    """Promises and installments: their state and paid amounts belong to the payment check."""

    def test_salesperson_cannot_mark_own_promise_kept(self):
        promise = self.promise_a.with_user(self.salesman_a)
        for values in ({"state": "kept"}, {"paid_amount": 1000.0}, {"evaluation_date": date(2026, 6, 15)},
                       {"open_amount_start": 0.0}):
            with self.assertRaises(AccessError, msg=values):
                promise.write(values)
        self.assertEqual(self.promise_a.state, "open")
        self.assertEqual(self.promise_a.paid_amount, 0.0)

    def test_manager_cannot_write_promise_state_either(self):
        with self.assertRaises(AccessError):
            self.promise_b.with_user(self.collection_manager).write({"state": "broken"})
        with self.assertRaises(AccessError):
            self.promise_a.line_ids[0].with_user(self.collection_manager).write({"state": "kept"})

    def test_salesperson_cannot_create_a_kept_promise(self):
        Promise = self.env["debt.promise"].with_user(self.salesman_a)
        values = {"partner_id": self.customer_a.id, "amount": 50.0, "promised_date": date(2026, 6, 30)}
        with self.assertRaises(AccessError):
            Promise.create({**values, "state": "kept"})
        with self.assertRaises(AccessError):
            Promise.create({**values, "paid_amount": 50.0})
        with self.assertRaises(AccessError):
            Promise.with_context(default_state="kept").create(values)
        with self.assertRaises(AccessError):
            Promise.create({**values, "line_ids": [Command.create({"date": date(2026, 6, 30), "amount": 50.0,
                                                                   "state": "kept"})]})
        # the initial values are accepted (a client sending them), and the engine's actions work
        promise = Promise.create({**values, "state": "open"})
        self.assertEqual(promise.state, "open")
        promise.action_cancel()
        self.assertEqual(promise.state, "cancelled")

    def test_salesperson_cannot_write_installment_state(self):
        with self.assertRaises(AccessError):
            self.promise_a.line_ids[0].with_user(self.salesman_a).write({"state": "kept"})
        with self.assertRaises(AccessError):
            self.promise_a.with_user(self.salesman_a).write({
                "line_ids": [Command.update(self.promise_a.line_ids[0].id, {"state": "kept"})]})
        self.assertEqual(self.promise_a.line_ids.mapped("state"), ["open", "open"])

    def test_check_payments_still_evaluates(self):
        self._pay_on(self.inv_a, 1000.0, date(2026, 6, 16))
        self.promise_a.with_user(self.salesman_a).action_check_payments()
        self.assertEqual(self.promise_a.state, "kept")
        self.assertEqual(self.promise_a.paid_amount, 1000.0)
        self.assertEqual(self.promise_a.line_ids.mapped("state"), ["kept", "kept"])

    def test_installments_written_directly_keep_summing_to_the_promise(self):
        first, second = self.promise_a.line_ids.with_user(self.salesman_a)
        with self.assertRaises(ValidationError):
            first.write({"amount": 100.0})
        with self.assertRaises(ValidationError):
            self.env["debt.promise.line"].with_user(self.salesman_a).create({
                "promise_id": self.promise_a.id, "date": date(2026, 7, 10), "amount": 300.0})
        with self.assertRaises(ValidationError):
            second.unlink()
        self.assertEqual(self.promise_a.line_ids.mapped("amount"), [600.0, 400.0])
        # through the promise, several installments changed at once: checked once all are written
        self.promise_a.with_user(self.salesman_a).write({"line_ids": [
            Command.update(first.id, {"amount": 500.0}), Command.update(second.id, {"amount": 500.0})]})
        self.assertEqual(self.promise_a.line_ids.mapped("amount"), [500.0, 500.0])
        with self.assertRaises(ValidationError):
            self.promise_a.with_user(self.salesman_a).write({"line_ids": [Command.update(first.id, {"amount": 1.0})]})

    def test_other_users_and_portal_get_nothing(self):
        for user in (self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                self.promise_a.with_user(user).read(["state"])
            with self.assertRaises(AccessError):
                self.promise_a.line_ids.with_user(user).read(["amount"])
            with self.assertRaises(AccessError):
                self.promise_a.with_user(user).write({"state": "kept"})

    def test_salesperson_cannot_touch_other_salespersons_promise(self):
        with self.assertRaises(AccessError):
            self.promise_b.with_user(self.salesman_a).write({"state": "kept"})
        with self.assertRaises(AccessError):
            self.promise_b.with_user(self.salesman_a).read(["paid_amount"])


@tagged("post_install", "-at_install")
class TestTrustCalls(TrustCommon):
    """The call summary wizard checks the call before rendering; a call's engine fields are not typed."""

    def test_summary_wizard_refused_on_other_salespersons_call(self):
        Wizard = self.env["debt.call.summary"].with_user(self.salesman_a)
        with self.assertRaises(AccessError):
            Wizard.create({"call_id": self.call_b.id})
        with self.assertRaises(AccessError):
            Wizard.with_context(default_call_id=self.call_b.id).default_get(["call_id", "body"])
        with self.assertRaises(AccessError):
            Form(Wizard.with_context(default_call_id=self.call_b.id))
        # the onchange of the form (the web client's path when a call is chosen): nothing rendered
        with self.assertRaises(AccessError):
            Wizard.onchange({"call_id": self.call_b.id}, ["call_id"], {"call_id": {}, "body": {}, "subject": {}})

    def test_mail_template_preview_of_other_salespersons_call(self):
        template = self.env.ref("debt_collection.mail_template_debt_call_summary")
        preview = self.env["mail.template.preview"].with_user(self.salesman_a).create({
            "mail_template_id": template.id, "resource_ref": f"debt.call,{self.call_b.id}"})
        self.assertNotIn("Trust Customer of B", preview.body_html or "")
        self.assertNotIn("Trust Customer of B", preview.subject or "")

    def test_summary_wizard_refused_to_users_outside_collections(self):
        for user in (self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                self.env["debt.call.summary"].with_user(user).create({"call_id": self.call_a.id})

    def test_summary_wizard_of_own_call(self):
        wizard = self.env["debt.call.summary"].with_user(self.salesman_a).create({"call_id": self.call_a.id})
        self.assertIn("Trust Customer of A", wizard.body)
        self.assertNotIn("Trust Customer of B", wizard.body)

    def test_call_engine_fields_are_not_typed(self):
        call = self.call_a.with_user(self.salesman_a)
        with self.assertRaises(AccessError):
            call.write({"summary_sent_date": "2026-06-15 10:00:00"})
        activity = self.env["mail.activity"].search([], limit=1)
        if activity:
            with self.assertRaises(AccessError):
                call.write({"activity_id": activity.id})
        with self.assertRaises(AccessError):
            self.env["debt.call"].with_user(self.salesman_a).create({
                "partner_id": self.customer_a.id, "outcome": "no_answer", "summary_sent_date": "2026-06-15 10:00:00"})
        # the next action date still schedules its to-do (the engine's write)
        call.write({"next_action_date": date(2026, 6, 20)})
        self.assertTrue(self.call_a.activity_id)


@tagged("post_install", "-at_install")
class TestTrustReminders(TrustCommon):
    """Reminders are the job's records; the preview is for managers; rules are bounded."""

    def test_reminder_state_not_writable(self):
        rule = self.env["debt.reminder.rule"].search([("company_id", "=", self.company.id)], limit=1)
        reminder = self.env["debt.reminder"].sudo().create({
            "partner_id": self.customer_a.id, "company_id": self.company.id, "rule_id": rule.id,
            "cycle_date": date(2026, 6, 15), "planned_time": "2026-06-15 10:00:00"})
        for user in (self.salesman_a, self.collection_manager):
            with self.assertRaises(AccessError):
                reminder.with_user(user).write({"state": "sent", "sent_time": "2026-06-15 10:00:00"})
        for user in (self.salesman_b, self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                reminder.with_user(user).read(["state"])
        with self.assertRaises(AccessError):
            rule.with_user(self.salesman_a).write({"offset_days": 1})

    def test_reminder_fields_stay_the_jobs_beyond_access_rights(self):
        rule = self.env["debt.reminder.rule"].search([("company_id", "=", self.company.id)], limit=1)
        reminder = self.env["debt.reminder"].sudo().create({
            "partner_id": self.customer_a.id, "company_id": self.company.id, "rule_id": rule.id,
            "cycle_date": date(2026, 6, 15), "planned_time": "2026-06-15 10:00:00"})
        # were managers ever given the write right on reminders, their fields would still be the job's
        self.env["ir.model.access"].sudo().create({
            "name": "test: managers write reminders", "model_id": self.env["ir.model"]._get_id("debt.reminder"),
            "group_id": self.env.ref("debt_collection.group_debt_collection_manager").id,
            "perm_read": True, "perm_write": True, "perm_create": True})
        as_manager = reminder.with_user(self.collection_manager)
        with self.assertRaises(AccessError):
            as_manager.write({"state": "sent", "sent_time": "2026-06-15 10:00:00"})
        with self.assertRaises(AccessError):
            as_manager.create({"partner_id": self.customer_b.id, "company_id": self.company.id, "rule_id": rule.id,
                               "cycle_date": date(2026, 6, 15)})
        # Cancel, the action meant for it, still works
        as_manager.action_skip()
        self.assertEqual(reminder.state, "skipped")

    def test_rules_read_by_collection_users_changed_by_managers(self):
        rule = self.env["debt.reminder.rule"].search([("company_id", "=", self.company.id)], limit=1)
        self.assertTrue(rule.with_user(self.salesman_a).read(["offset_days"]))
        with self.assertRaises(AccessError):
            rule.with_user(self.salesman_a).write({"offset_days": 1})
        with self.assertRaises(AccessError):
            rule.with_user(self.salesman_a).copy({"offset_days": 2})
        for user in (self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                rule.with_user(user).read(["offset_days"])
        rule.with_user(self.collection_manager).write({"min_amount": 5.0})
        self.assertEqual(rule.min_amount, 5.0)

    def test_preview_refused_to_non_managers(self):
        for user in (self.salesman_a, self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                self.env["debt.reminder.preview"].with_user(user).action_open_preview()

    def test_rule_offsets_bounded(self):
        rule = self.env["debt.reminder.rule"].search([("company_id", "=", self.company.id)], limit=1)
        for values in ({"offset_days": 2**31}, {"offset_days": -(2**31) - 1}, {"offset_days": 3651},
                       {"repeat": True, "repeat_every_days": 2**31, "repeat_until_days": 60},
                       {"repeat": True, "repeat_every_days": 7, "repeat_until_days": 2**31}):
            with self.assertRaises(ValidationError, msg=values):
                rule.write(values)
        with self.assertRaises(ValidationError):
            rule.copy({"offset_days": 2**31})
        with self.assertRaises(ValidationError):
            rule.write({"sequence": 2**31})
        excuse = self.env["debt.excuse"].search([], limit=1)
        with self.assertRaises(ValidationError):
            excuse.write({"sequence": -(2**31) - 1})

    def test_grace_days_bounded(self):
        with self.assertRaises(ValidationError):
            self.promise_a.with_user(self.salesman_a).write({"grace_days": 2**31})
        with self.assertRaises(ValidationError):
            self.promise_a.with_user(self.salesman_a).write({"grace_days": 366})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"debt_promise_grace_days": 2**31})
        with self.assertRaises(ValidationError):
            self.env["res.config.settings"].create({"debt_reminder_cap_days": 2**31})
        with self.assertRaises(ValidationError):
            self.company.write({"debt_promise_grace_days": 1000})
        self.assertEqual(self.company.debt_promise_grace_days, 3)

    def test_credit_days_and_hold_days_bounded(self):
        # a manager's typing error is refused with a message, not PostgreSQL's "integer out of range"
        for value in (2**31, 3651):
            with self.assertRaises(ValidationError):
                self.customer_a.write({"credit_days": value})
            with self.assertRaises(ValidationError):
                self.env["res.partner"].create({"name": "Typo Customer", "credit_days": value})
            with self.assertRaises(ValidationError):
                self.company.write({"debt_hold_overdue_days": value})
        self.customer_a.write({"credit_days": 3650})
        self.assertEqual(self.customer_a.credit_days, 3650)


@tagged("post_install", "-at_install")
class TestTrustAging(TrustCommon):
    """Aging reports, their lines, columns and items: written by the report only, private to their user."""

    def test_salesperson_cannot_add_lines_to_another_users_report(self):
        report_b = self._aging_report(self.salesman_b)
        report_b.action_view_report()
        Line = self.env["debt.aging.report.line"].with_user(self.salesman_a)
        with self.assertRaises(AccessError):
            Line.create({"report_id": report_b.id, "partner_id": self.customer_a.id, "amount": 999999.0,
                         "company_id": self.company.id, "bucket_index": 1})
        with self.assertRaises(AccessError):
            self.env["debt.aging.report.bucket"].with_user(self.salesman_a).create({
                "report_id": report_b.id, "bucket_index": 9, "name": "Forged"})
        with self.assertRaises(AccessError):
            self.env["debt.aging.report.item"].with_user(self.salesman_a).create({
                "report_id": report_b.id, "partner_id": self.customer_a.id, "amount": 1.0})
        # B's printed report shows only B's customers
        values = self.env["report.debt_collection.report_debt_aging"].with_user(self.salesman_b)._get_report_values(
            report_b.ids)
        labels = [row["label"] for row in values["summaries"][report_b.id]["rows"] if row["kind"] == "customer"]
        self.assertEqual(labels, ["Trust Customer of B"])

    def test_salesperson_cannot_write_own_report_lines_either(self):
        report = self._aging_report(self.salesman_a)
        report.action_view_report()
        lines = report.line_ids.with_user(self.salesman_a)
        self.assertTrue(lines)
        with self.assertRaises(AccessError):
            lines.write({"amount": 1.0})
        with self.assertRaises(AccessError):
            lines.unlink()
        with self.assertRaises(AccessError):
            report.bucket_ids.with_user(self.salesman_a).write({"name": "Forged"})
        with self.assertRaises(AccessError):
            report.with_user(self.salesman_a).write({"bounds_used": "1,2"})
        with self.assertRaises(AccessError):
            report.with_user(self.salesman_a).write({"xlsx_filename": "forged.xlsx"})
        # the report's own actions still write them
        action = report.with_user(self.salesman_a).line_ids[:1].action_open_items()
        self.assertTrue(self.env["debt.aging.report.item"].browse(action["domain"][0][2]))
        self.assertEqual(report.with_user(self.salesman_a).action_export_xlsx()["type"], "ir.actions.act_url")

    def test_other_salespersons_report_refused_on_every_path(self):
        report_b = self._aging_report(self.salesman_b)
        report_b.action_view_report()
        as_a = report_b.with_user(self.salesman_a)
        with self.assertRaises(AccessError):
            as_a.read(["bounds_used"])
        with self.assertRaises(AccessError):
            report_b.line_ids.with_user(self.salesman_a).read(["amount"])
        self.assertFalse(self.env["debt.aging.report.line"].with_user(self.salesman_a).search(
            [("report_id", "=", report_b.id)]))
        with self.assertRaises(AccessError):
            as_a.action_export_xlsx()
        with self.assertRaises(AccessError):
            as_a.action_print_pdf()
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.salesman_a)._render_qweb_html(
                "debt_collection.report_debt_aging", report_b.ids)
        # a collection manager does not read another user's report either: reports are private
        with self.assertRaises(AccessError):
            report_b.with_user(self.collection_manager).read(["bounds_used"])

    def test_profiles_read_by_users_changed_by_managers(self):
        profile = self.env["debt.aging.profile"].search([], limit=1)
        self.assertTrue(profile.with_user(self.salesman_a).read(["bounds"]))
        with self.assertRaises(AccessError):
            profile.with_user(self.salesman_a).write({"bounds": "10,20"})
        with self.assertRaises(AccessError):
            self.env["debt.aging.profile"].with_user(self.salesman_a).create({"name": "Mine", "bounds": "10,20"})

    def test_aging_refused_to_users_outside_collections(self):
        for user in (self.internal_user, self.portal_user):
            with self.assertRaises(AccessError):
                self._aging_report(user)
            with self.assertRaises(AccessError):
                self.env["debt.aging.profile"].with_user(user).search([])

    def test_bounds_over_the_integer_range(self):
        Report = self.env["debt.aging.report"].with_user(self.salesman_a)
        with self.assertRaises(ValidationError):
            Report.create({"interval_mode": "width", "interval_width": 2**31, "interval_count": 4})
        with self.assertRaises(ValidationError):
            Report.create({"interval_mode": "width", "interval_width": 30, "interval_count": 10_000_000})
        with self.assertRaises(ValidationError):
            Report.create({"interval_mode": "width", "interval_width": 1_000_000_000, "interval_count": 2})
        report = Report.create({"interval_mode": "width", "interval_width": 20_000, "interval_count": 2})
        with self.assertRaises(ValidationError):
            report.action_view_report()
        report = Report.create({"interval_mode": "list", "interval_list": "30,2147483647"})
        with self.assertRaises(ValidationError):
            report.action_view_report()
        with self.assertRaises(ValidationError):
            report.write({"interval_list": "1," * 5_000_000})
        self.assertIn("characters", Report.new({"interval_mode": "list", "interval_list": "1," * 5_000_000})
                      .column_preview)

    def test_profile_with_huge_bounds_is_not_saved(self):
        Profile = self.env["debt.aging.profile"].with_user(self.collection_manager)
        for bounds in ("30,2147483647", "30,60,36501", ",".join(str(i) for i in range(1, 10_000))):
            with self.assertRaises(ValidationError, msg=bounds[:40]):
                Profile.create({"name": "Huge", "bounds": bounds})
        with self.assertRaises(ValidationError):
            Profile.create({"name": "Huge", "bounds": "30,60", "sequence": 2**31})
        report = self.env["debt.aging.report"].with_user(self.collection_manager).create({
            "interval_mode": "list", "interval_list": "30,99999", "save_as_name": "Huge"})
        with self.assertRaises(ValidationError):
            report.action_save_profile()
        self.assertFalse(self.env["debt.aging.profile"].search([("name", "=", "Huge")]))
        with self.assertRaises(UserError):  # ValidationError is a UserError: a message, never a traceback
            Profile.create({"name": "Huge", "bounds": "36500,36501"})


@tagged("post_install", "-at_install")
class TestTrustMessagesTranslated(TrustCommon):
    """The refusals speak the user's language (the shipped Vietnamese and Traditional Chinese)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_shipped_translations(cls.env)

    def test_refusals_in_vietnamese_and_chinese(self):
        # the language of the request (the web client sends the user's language in the context)
        vi, zh = {"lang": "vi_VN"}, {"lang": "zh_TW"}
        with self.assertRaises(AccessError) as error:
            self.promise_a.with_user(self.salesman_a).with_context(**vi).write({"state": "kept"})
        self.assertIn("kiểm tra thanh toán", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            self.env["debt.aging.report"].with_user(self.salesman_a).with_context(**vi).create({
                "interval_width": 2**31})
        self.assertIn("nằm ngoài phạm vi", str(error.exception))
        report = self.env["debt.aging.report"].with_user(self.salesman_a).with_context(**vi).create({
            "interval_mode": "list", "interval_list": "30,2147483647"})
        with self.assertRaises(ValidationError) as error:
            report.action_view_report()
        self.assertIn("Mốc khoảng tối đa là 36500 ngày", str(error.exception))
        rule = self.env["debt.reminder.rule"].search([("company_id", "=", self.company.id)], limit=1)
        with self.assertRaises(ValidationError) as error:
            rule.with_user(self.collection_manager).with_context(**zh).write({"offset_days": 2**31})
        self.assertIn("超出範圍", str(error.exception))
        with self.assertRaises(ValidationError) as error:
            self.env["debt.aging.profile"].with_user(self.collection_manager).with_context(**zh).create({
                "name": "Huge", "bounds": "1," * 5_000_000})
        self.assertIn("個字元", str(error.exception))
