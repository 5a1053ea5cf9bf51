from datetime import date, datetime, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import NOW, DebtCollectionCommon


@tagged("post_install", "-at_install")
class TestCall(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Call Customer", user_id=cls.salesman_a.id)
        cls.contact = cls.env["res.partner"].create({
            "name": "Ms Hoa", "parent_id": cls.customer.id, "type": "invoice", "email": "hoa@call.example.com"})
        cls.customer.payment_contact_id = cls.contact
        cls.invoice = cls._invoice(cls.customer, 1200.0, 30)
        cls.cash_flow = cls.env.ref("debt_collection.debt_excuse_cash_flow")

    def _log(self, user=None, **values):
        Call = self.env["debt.call"].with_user(user) if user else self.env["debt.call"]
        return Call.create({"partner_id": self.customer.id, "outcome": "callback", **values})

    def test_excuse_library(self):
        excuses = self.env["debt.excuse"].search([])
        shipped = excuses.filtered(lambda e: e.get_external_id()[e.id].startswith("debt_collection."))
        self.assertGreaterEqual(len(shipped), 10)
        for excuse in shipped:
            self.assertTrue(excuse.suggested_response and excuse.next_step and excuse.next_step_note, excuse.name)
        # users read the library, managers edit it
        self.assertTrue(self.cash_flow.with_user(self.salesman_a).suggested_response)
        with self.assertRaises(AccessError):
            self.cash_flow.with_user(self.salesman_a).name = "Changed"
        self.cash_flow.with_user(self.collection_manager).name = "Cash is short this month."

    def test_defaults_and_commercial_partner(self):
        call = self._log(user=self.salesman_a, partner_id=self.contact.id)
        self.assertEqual(call.partner_id, self.customer)
        self.assertEqual(call.contact_id, self.contact)
        self.assertEqual(call.user_id, self.salesman_a)
        self.assertEqual(call.company_id, self.company)
        self.assertEqual(call.date, fields.Datetime.from_string(NOW))
        self.assertEqual((call.channel, call.direction), ("phone", "outbound"))
        self.assertIn("Call Customer", call.display_name)

    def test_excuse_suggests_response_and_next_step(self):
        with Form(self.env["debt.call"].with_user(self.salesman_a)) as form:
            form.partner_id = self.customer
            self.assertEqual(form.contact_id, self.contact)  # the payment contact
            form.outcome = "callback"
            form.excuse_id = self.cash_flow
            self.assertEqual(form.excuse_response, self.cash_flow.suggested_response)
            self.assertEqual(form.next_step, self.cash_flow.next_step_note)
        call = form.record
        self.assertEqual(call.excuse_id, self.cash_flow)
        self.assertEqual(self.cash_flow.call_count, 1)

    def test_call_in_the_future_is_refused(self):
        count = self.env["debt.call"].search_count([])
        with self.assertRaisesRegex(ValidationError, "future"), self.env.cr.savepoint():
            self._log(date=fields.Datetime.from_string(NOW) + timedelta(hours=1))
        self.assertEqual(self.env["debt.call"].search_count([]), count)
        call = self._log(date=fields.Datetime.from_string(NOW) - timedelta(days=1))
        with self.assertRaisesRegex(ValidationError, "future"), self.env.cr.savepoint():
            call.date = datetime(2026, 6, 16, 9, 0)

    def test_other_checks(self):
        other = self._customer("Other")
        other_invoice = self._invoice(other, 10.0, 1)
        with self.assertRaisesRegex(ValidationError, "not invoices of"), self.env.cr.savepoint():
            self._log(invoice_ids=[Command.set(other_invoice.ids)])
        stranger = self.env["res.partner"].create({"name": "Stranger", "parent_id": other.id})
        with self.assertRaisesRegex(ValidationError, "not a contact"), self.env.cr.savepoint():
            self._log(contact_id=stranger.id)
        with self.assertRaisesRegex(ValidationError, "negative"), self.env.cr.savepoint():
            self._log(duration=-1)
        company_2 = self.setup_other_company(name="Call Other Co")["company"]
        theirs = self.env["res.partner"].create({"name": "Theirs", "is_company": True, "company_id": company_2.id})
        with self.assertRaisesRegex(ValidationError, "belongs to the company"), self.env.cr.savepoint():
            self._log(partner_id=theirs.id)

    def test_promised_outcome_needs_a_promise(self):
        with self.assertRaisesRegex(ValidationError, "record the promise"), self.env.cr.savepoint():
            self._log(outcome="promised")

    def test_promise_created_in_the_same_form(self):
        with Form(self.env["debt.call"].with_user(self.salesman_a)) as form:
            form.partner_id = self.customer
            form.invoice_ids.add(self.invoice)
            form.outcome = "promised"  # opens its promise, prefilled (issue 13)
            with form.promise_ids.edit(0) as promise:
                self.assertEqual(promise.partner_id, self.customer)
                self.assertEqual(promise.invoice_ids[0], self.invoice)
                self.assertEqual(promise.amount, 1200.0)  # offered: the open amount of the invoice
                promise.amount = 1000.0
                with promise.line_ids.new() as line:
                    line.date = date(2026, 6, 20)
                    line.amount = 400.0
                with promise.line_ids.new() as line:
                    line.date = date(2026, 7, 20)
                    line.amount = 600.0
        call = form.record
        promise = call.promise_ids
        self.assertEqual(len(promise), 1)
        self.assertEqual(promise.partner_id, self.customer)
        self.assertEqual(promise.call_id, call)
        self.assertEqual(promise.user_id, self.salesman_a)
        self.assertEqual(promise.invoice_ids, self.invoice)
        self.assertEqual(promise.open_amount_start, 1200.0)
        self.assertEqual(promise.promised_date, date(2026, 7, 20))
        self.assertEqual(promise.line_ids.mapped("amount"), [400.0, 600.0])
        self.assertEqual(call.promise_count, 1)
        self.assertEqual(self.customer.debt_last_contact_outcome, "promised")

    def test_bad_promise_in_the_call_form_saves_nothing(self):
        calls, promises = self.env["debt.call"].search_count([]), self.env["debt.promise"].search_count([])
        with self.assertRaisesRegex(ValidationError, "add up to"), self.env.cr.savepoint():
            self._log(outcome="promised", promise_ids=[Command.create({
                "amount": 1000.0,
                "line_ids": [Command.create({"date": date(2026, 6, 20), "amount": 400.0}),
                             Command.create({"date": date(2026, 7, 20), "amount": 500.0})],
            })])
        self.assertEqual(self.env["debt.call"].search_count([]), calls)
        self.assertEqual(self.env["debt.promise"].search_count([]), promises)

    def test_next_action_schedules_an_activity(self):
        call = self._log(user=self.salesman_a, next_action_date=date(2026, 6, 18), next_step="Send the statement")
        activity = call.activity_id
        self.assertTrue(activity)
        self.assertEqual(activity.user_id, self.salesman_a)
        self.assertEqual(activity.date_deadline, date(2026, 6, 18))
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_call"))
        self.assertEqual((activity.res_model, activity.res_id), ("debt.call", call.id))
        call.with_user(self.salesman_a).write({"next_action_date": date(2026, 6, 19), "user_id": self.salesman_b.id})
        self.assertEqual(call.activity_id, activity)
        self.assertEqual(activity.date_deadline, date(2026, 6, 19))
        self.assertEqual(activity.user_id, self.salesman_b)
        call.next_action_date = False
        self.assertFalse(activity.exists())
        self.assertFalse(call.activity_id)
        call.next_action_date = date(2026, 6, 22)
        self.assertEqual(call.activity_id.date_deadline, date(2026, 6, 22))

    def test_attention_flags(self):
        self.assertFalse(self.customer.debt_attention)
        self._log(user=self.salesman_a, outcome="wrong_number")
        self.assertTrue(self.customer.debt_attention)
        self.assertEqual(self.customer.debt_attention_reason, "wrong_number")
        self.assertIn("Flagged for attention", self.customer.message_ids[0].body)
        call = self._log(user=self.salesman_a, outcome="callback")
        call.with_user(self.salesman_a).outcome = "disputed"
        self.assertEqual(self.customer.debt_attention_reason, "disputed")
        # another salesperson cannot clear it; the customer's salesperson can
        with self.assertRaises(UserError):
            self.customer.with_user(self.salesman_b).action_debt_clear_attention()
        self.customer.with_user(self.salesman_a).action_debt_clear_attention()
        self.assertFalse(self.customer.debt_attention)
        self.assertFalse(self.customer.debt_attention_reason)
        self.assertIn("cleared by Sales A", self.customer.message_ids[0].body)
        # a manager clears any customer's flag
        self._log(outcome="disputed")
        self.customer.with_user(self.collection_manager).action_debt_clear_attention()
        self.assertFalse(self.customer.debt_attention)

    def test_log_a_call_buttons_and_smart_buttons(self):
        action = self.customer.action_debt_log_call()
        self.assertEqual((action["res_model"], action["target"]), ("debt.call", "new"))
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        self.assertEqual(action["context"]["default_contact_id"], self.contact.id)
        row = self.env["debt.worklist"].search([("partner_id", "=", self.customer.id)])
        action = row.action_log_call()
        self.assertEqual(action["res_model"], "debt.call")
        self.assertEqual(action["context"]["default_partner_id"], self.customer.id)
        with Form(self.env["debt.call"].with_context(**action["context"])) as form:
            form.outcome = "no_answer"
        self.assertEqual(form.record.partner_id, self.customer)
        self._log()
        self.assertEqual(self.customer.debt_call_count, 2)
        self.assertEqual(self.contact.debt_call_count, 2)
        action = self.customer.action_view_debt_calls()
        self.assertEqual(self.env["debt.call"].search_count(action["domain"]), 2)
        self.assertIn("calendar", action["view_mode"])
        self.assertEqual(self.customer.action_view_debt_promises()["res_model"], "debt.promise")

    def test_views_load_for_a_salesperson(self):
        for model, views in (
            ("debt.call", ["list", "form", "calendar", "pivot", "search"]),
            ("debt.promise", ["list", "form", "search"]),
            ("debt.excuse", ["list", "form", "search"]),
            ("debt.worklist", ["list", "search"]),
            ("res.partner", ["form"]),
            ("debt.call.summary", ["form"]),
        ):
            result = self.env[model].with_user(self.salesman_a).get_views([(False, view) for view in views])
            self.assertEqual(set(result["views"]), set(views), model)
        form = self.env["res.partner"].with_user(self.salesman_a).get_views([(False, "form")])["views"]["form"]
        self.assertIn("action_debt_log_call", form["arch"])
        self.assertIn("debt_promise_kept_rate", form["arch"])
        worklist = self.env["debt.worklist"].with_user(self.salesman_a).get_views([(False, "list")])
        self.assertIn("action_log_call", worklist["views"]["list"]["arch"])
