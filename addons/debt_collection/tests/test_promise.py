from datetime import date

from freezegun import freeze_time

from odoo import Command, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import TODAY, DebtCollectionCommon


class PromiseCommon(DebtCollectionCommon):
    """Promises made on TODAY (2026-06-15), with 3 grace days: a promise for 2026-06-20 is evaluated from
    2026-06-24 on. Payments are registered through Odoo's payment wizard on the day they are received."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.debt_promise_grace_days = 3
        cls.customer = cls._customer("Promise Customer", user_id=cls.salesman_a.id, email="ap@promise.example.com")

    @classmethod
    def _promise(cls, partner, amount, promised_date=date(2026, 6, 20), invoices=None, lines=None, **values):
        return cls.env["debt.promise"].create({
            "partner_id": partner.id,
            "amount": amount,
            "promised_date": promised_date,
            "invoice_ids": [Command.set(invoices.ids)] if invoices else [],
            "line_ids": [Command.create({"date": d, "amount": a}) for d, a in (lines or [])],
            **values,
        })

    def _pay_on(self, invoices, amount, day, currency=None):
        """Register a payment of ``amount`` on ``invoices`` received on ``day``."""
        with freeze_time(f"{day} 09:00:00"):
            wizard = self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoices.ids,
            ).create({
                "amount": amount,
                "payment_date": day,
                **({"currency_id": currency.id} if currency else {}),
            })
            return wizard._create_payments()

    def _receive_on(self, partner, amount, day):
        """A customer payment received on ``day``, not matched with any invoice."""
        with freeze_time(f"{day} 09:00:00"):
            payment = self.env["account.payment"].create({
                "amount": amount,
                "date": day,
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": partner.id,
                "journal_id": self.company_data["default_journal_bank"].id,
                "payment_method_line_id": self.inbound_payment_method_line.id,
            })
            payment.action_post()
            return payment

    def _run_cron(self, day):
        with freeze_time(f"{day} 10:00:00"):
            self.env["debt.promise"]._cron_evaluate_promises()

    def _activities(self, promise):
        return self.env["mail.activity"].search([("res_model", "=", "debt.promise"), ("res_id", "=", promise.id)])

    def _notes(self, record):
        return record.message_ids.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_note"))


@tagged("post_install", "-at_install")
class TestPromiseEvaluation(PromiseCommon):
    def test_kept_exactly(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.open_amount_start, 1000.0)
        self.assertEqual(promise.user_id, self.salesman_a)  # the customer's collector
        self.assertEqual(promise.grace_days, 3)
        self._pay_on(invoice, 1000.0, "2026-06-19")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.paid_amount, 1000.0)
        self.assertEqual(promise.remaining_amount, 0.0)
        self.assertEqual(promise.evaluation_date, date(2026, 6, 24))
        self.assertFalse(self._activities(promise))
        self.assertIn("Promise kept", self._notes(promise)[0].body)
        self.assertIn("Promise kept", self._notes(self.customer)[0].body)

    def test_kept_by_two_partial_payments(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self._pay_on(invoice, 400.0, "2026-06-17")
        self._run_cron("2026-06-18")
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.paid_amount, 400.0)
        self.assertEqual(self.customer.debt_promise_amount, 600.0)
        self._pay_on(invoice, 600.0, "2026-06-20")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.paid_amount, 1000.0)

    def test_partially_kept(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self._pay_on(invoice, 300.0, "2026-06-19")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "partial")
        self.assertEqual(promise.paid_amount, 300.0)
        self.assertEqual(promise.remaining_amount, 700.0)
        activity = self._activities(promise)
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman_a)
        self.assertEqual(activity.date_deadline, date(2026, 6, 24))
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertIn("partially kept", self._notes(promise)[0].body)
        self.assertIn("partially kept", self._notes(self.customer)[0].body)

    def test_broken(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self._run_cron("2026-06-23")  # the promised date plus the 3 grace days: not yet
        self.assertEqual(promise.state, "open")
        self.assertFalse(self._activities(promise))
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "broken")
        self.assertEqual(promise.paid_amount, 0.0)
        self.assertEqual(len(self._activities(promise)), 1)
        self.assertIn("Promise broken", self._notes(promise)[0].body)
        self.assertIn("Promise broken", self._notes(self.customer)[0].body)

    def test_grace_days_per_promise(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice, grace_days=0)
        self._run_cron("2026-06-21")
        self.assertEqual(promise.state, "broken")

    def test_kept_early(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, promised_date=date(2026, 6, 30), invoices=invoice)
        self._pay_on(invoice, 1000.0, "2026-06-16")
        self._run_cron("2026-06-17")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.evaluation_date, date(2026, 6, 17))

    def test_kept_in_foreign_currency(self):
        invoice = self._invoice(self.customer, 640.0, 10, currency=self.eur)  # 320 in company currency
        promise = self._promise(self.customer, 640.0, invoices=invoice)
        self.assertEqual(promise.currency_id, self.eur)
        self.assertEqual(promise.open_amount_start, 640.0)
        self.assertAlmostEqual(promise.amount_company, 320.0, places=2)
        self.assertAlmostEqual(self.customer.debt_promise_amount, 320.0, places=2)
        self._pay_on(invoice, 320.0, "2026-06-17", currency=self.eur)
        self.env.invalidate_all()
        self.assertAlmostEqual(self.customer.debt_promise_amount, 160.0, places=2)
        self._pay_on(invoice, 320.0, "2026-06-19", currency=self.eur)
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.paid_amount, 640.0)
        self.assertEqual(invoice.payment_state, "paid")

    def test_foreign_currency_promise_needs_invoices_in_its_currency(self):
        invoice = self._invoice(self.customer, 100.0, 10)  # company currency
        with self.assertRaises(ValidationError):
            self._promise(self.customer, 100.0, invoices=invoice, currency_id=self.eur.id)

    def test_installment_plan_with_one_installment_missed(self):
        invoice = self._invoice(self.customer, 3000.0, 40)
        promise = self._promise(self.customer, 3000.0, invoices=invoice, lines=[
            (date(2026, 6, 20), 1000.0), (date(2026, 7, 20), 1000.0), (date(2026, 8, 20), 1000.0)])
        self.assertEqual(promise.promised_date, date(2026, 8, 20))
        first, second, third = promise.line_ids.sorted("date")
        self.env.invalidate_all()
        self.assertEqual(self.customer.debt_promise_date, date(2026, 6, 20))
        self._pay_on(invoice, 1000.0, "2026-06-19")
        self.env.invalidate_all()
        self.assertEqual(self.customer.debt_promise_date, date(2026, 7, 20))  # the next installment not paid
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "open")
        self.assertEqual((first.state, second.state, third.state), ("kept", "open", "open"))
        self.assertEqual(promise.next_date, date(2026, 7, 20))
        self._run_cron("2026-07-23")  # 2nd installment + 3 grace days: not yet
        self.assertEqual(promise.state, "open")
        self._pay_on(invoice, 200.0, "2026-07-23")  # too little
        self._run_cron("2026-07-24")
        self.assertEqual(promise.state, "partial")
        self.assertEqual(promise.paid_amount, 1200.0)
        self.assertEqual((first.state, second.state, third.state), ("kept", "missed", "cancelled"))
        self.assertEqual(len(self._activities(promise)), 1)
        self.assertIn("Installment of 2026-07-20 missed", self._notes(promise)[0].body)

    def test_installment_plan_kept(self):
        invoice = self._invoice(self.customer, 900.0, 40)
        promise = self._promise(self.customer, 900.0, invoices=invoice, lines=[
            (date(2026, 6, 20), 300.0), (date(2026, 7, 20), 600.0)])
        self._pay_on(invoice, 300.0, "2026-06-20")
        self._run_cron("2026-06-24")
        self._pay_on(invoice, 600.0, "2026-07-18")
        self._run_cron("2026-07-19")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.line_ids.mapped("state"), ["kept", "kept"])

    def test_no_invoices_linked(self):
        """Without invoices, the customer's payments received since the promise was made count."""
        contact = self.env["res.partner"].create({"name": "Ms Lan", "parent_id": self.customer.id})
        other = self._customer("Someone Else")
        self._invoice(self.customer, 2000.0, 30)
        self._receive_on(self.customer, 700.0, "2026-06-10")  # before the promise: does not count
        promise = self._promise(self.customer, 500.0)
        self.assertFalse(promise.open_amount_start)
        self._receive_on(other, 500.0, "2026-06-16")  # another customer: does not count
        self._receive_on(contact, 200.0, "2026-06-17")  # paid by a contact of the customer: counts
        self._run_cron("2026-06-18")
        self.assertEqual(promise.state, "open")
        self.assertEqual(promise.paid_amount, 200.0)
        self._receive_on(self.customer, 300.0, "2026-06-19")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.paid_amount, 500.0)

    def test_no_invoices_broken(self):
        self._invoice(self.customer, 2000.0, 30)
        promise = self._promise(self.customer, 500.0)
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "broken")

    def test_cron_is_idempotent(self):
        invoices = [self._invoice(self.customer, 1000.0, 10) for _i in range(4)]
        kept = self._promise(self.customer, 1000.0, invoices=invoices[0])
        partial = self._promise(self.customer, 1000.0, invoices=invoices[1])
        broken = self._promise(self.customer, 1000.0, invoices=invoices[2])
        still_open = self._promise(self.customer, 1000.0, invoices=invoices[3], lines=[
            (date(2026, 6, 20), 500.0), (date(2026, 7, 20), 500.0)])
        promises = kept | partial | broken | still_open
        self._pay_on(invoices[0], 1000.0, "2026-06-19")
        self._pay_on(invoices[1], 100.0, "2026-06-19")
        self._pay_on(invoices[3], 500.0, "2026-06-19")

        Message, Activity = self.env["mail.message"], self.env["mail.activity"]

        def snapshot():
            self.env.invalidate_all()
            return (
                [(p.state, p.paid_amount, p.evaluation_date, p.write_date) for p in promises],
                [(line.state, line.write_date) for line in promises.line_ids],
                Message.search_count([("model", "=", "debt.promise"), ("res_id", "in", promises.ids)]),
                Message.search_count([("model", "=", "res.partner"), ("res_id", "=", self.customer.id)]),
                Activity.search_count([("res_model", "=", "debt.promise"), ("res_id", "in", promises.ids)]),
            )

        self._run_cron("2026-06-24")
        self.assertEqual(promises.mapped("state"), ["kept", "partial", "broken", "open"])
        first = snapshot()
        with freeze_time("2026-06-24 18:00:00"):
            self.env["debt.promise"]._cron_evaluate_promises()
        self.assertEqual(snapshot(), first)
        self.assertEqual(first[4], 2)  # one to-do for the partial promise, one for the broken one

    def test_error_on_one_promise_does_not_stop_the_others(self):
        """A promise that cannot be written (here a database CHECK constraint that rejects closing it, as a
        corrupted or locked row would) is left open and logged; the others of its batch are evaluated."""
        invoices = [self._invoice(self.customer, 100.0, 10) for _i in range(3)]
        promises = self.env["debt.promise"]
        for invoice in invoices:
            promises |= self._promise(self.customer, 100.0, invoices=invoice)
        failing = promises[1]
        self.env.flush_all()
        self.env.cr.execute(
            "ALTER TABLE debt_promise ADD CONSTRAINT dc_test_refuse_close "
            f"CHECK (id <> {int(failing.id)} OR state = 'open')")
        with mute_logger("odoo.addons.debt_collection.models.debt_promise_evaluation", "odoo.sql_db"):
            self._run_cron("2026-06-24")
        self.env.invalidate_all()
        self.assertEqual(promises.mapped("state"), ["broken", "open", "broken"])
        self.assertFalse(self._activities(failing))
        self.assertEqual(len(self._activities(promises[0])), 1)

    def test_check_payments_now(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self._pay_on(invoice, 1000.0, "2026-06-15")
        promise.with_user(self.salesman_a).action_check_payments()
        self.assertEqual(promise.state, "kept")

    def test_evaluated_promise_is_locked(self):
        invoice = self._invoice(self.customer, 1000.0, 10)
        promise = self._promise(self.customer, 1000.0, invoices=invoice)
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "broken")
        with self.assertRaises(UserError):
            promise.amount = 10.0
        with self.assertRaises(UserError):
            promise.action_cancel()
        with self.assertRaises(UserError):
            promise.unlink()

    def test_cancel(self):
        promise = self._promise(self.customer, 100.0, lines=[(date(2026, 6, 20), 100.0)])
        promise.action_cancel()
        self.assertEqual(promise.state, "cancelled")
        self.assertEqual(promise.line_ids.state, "cancelled")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "cancelled")


    def test_notes_and_todo_through_the_chatter(self):
        """The notes are Odoo chatter notes (by the job's user, internal), the amounts in Odoo's format of the
        currency, and the to-do makes its collector follow the promise."""
        invoice = self._invoice(self.customer, 1234.5, 10)
        promise = self._promise(self.customer, 1234.5, invoices=invoice)
        self._pay_on(invoice, 234.5, "2026-06-19")
        self._run_cron("2026-06-24")
        self.assertEqual(promise.state, "partial")
        paid, amount = (tools.format_amount(self.env, value, promise.currency_id) for value in (234.5, 1234.5))
        expected = (f"Promise partially kept: {paid} paid of the {amount} promised by 2026-06-20 "
                    "(3 days of grace).")
        for record in (promise, self.customer):
            note = self._notes(record)
            self.assertEqual(len(note), 1)
            self.assertEqual(tools.html2plaintext(note.body), expected)
            self.assertTrue(note.is_internal)
            self.assertEqual(note.author_id, self.env.user.partner_id)
        activity = self._activities(promise)
        self.assertEqual(tools.html2plaintext(activity.note), expected)
        self.assertEqual(activity.res_name, promise.display_name)
        self.assertIn(self.salesman_a.partner_id, promise.message_partner_ids)

    def test_cancelled_invoice_is_not_open(self):
        """What is open is measured on the open receivable items (sql_common.open_items_sql): an invoice
        cancelled after the promise no longer counts as owed."""
        invoice = self._invoice(self.customer, 500.0, 10)
        promise = self._promise(self.customer, 500.0, invoices=invoice)
        self.assertEqual(promise.open_amount_start, 500.0)
        invoice.button_draft()
        invoice.button_cancel()
        self._run_cron("2026-06-18")
        self.assertEqual(promise.paid_amount, 500.0)
        self.assertEqual(promise.state, "kept")

    def test_cron_reports_its_progress(self):
        """Run as the scheduled action: the job reports what it did to Odoo's cron progress record."""
        # the job evaluates the open promises of every company (sudo: those the test user cannot see too)
        open_before = self.env["debt.promise"].sudo().search_count([("state", "=", "open")])
        promise = self._promise(self.customer, 100.0)
        cron = self.env.ref("debt_collection.ir_cron_debt_evaluate_promises")
        with freeze_time("2026-06-24 10:00:00"):
            cron.sudo().method_direct_trigger()
        self.assertEqual(promise.state, "broken")
        progress = self.env["ir.cron.progress"].sudo().search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertEqual((progress.done, progress.remaining), (open_before + 1, 0))


@tagged("post_install", "-at_install")
class TestPromiseQueryCount(PromiseCommon):
    def _make(self, count, kept):
        partners = self.env["res.partner"].create([
            {"name": f"Count {count}-{i}", "is_company": True, "user_id": self.salesman_a.id} for i in range(count)])
        promises = self.env["debt.promise"].create([
            {"partner_id": p.id, "amount": 100.0, "promised_date": date(2026, 6, 20)} for p in partners])
        if kept:
            for partner in partners:
                self._receive_on(partner, 100.0, "2026-06-16")
        return promises

    def _count(self, day):
        self.env.flush_all()
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        with freeze_time(f"{day} 10:00:00"):
            self.env.cr.flush()
            before = self.cr.sql_log_count
            self.env["debt.promise"]._cron_evaluate_promises()
            self.env.flush_all()
            self.env.cr.flush()
            return self.cr.sql_log_count - before

    def _assert_same_count(self, kept):
        # only the promises of this test are open
        self.env["debt.promise"].search([("state", "=", "open")]).action_cancel()
        self._make(1, kept)
        self._count("2026-06-24")  # warm-up (caches of xml ids, models, ...)
        one = self._make(1, kept)
        count_one = self._count("2026-06-24")
        hundred = self._make(100, kept)
        count_hundred = self._count("2026-06-24")
        expected = "kept" if kept else "broken"
        self.assertEqual(set(one.mapped("state")), {expected})
        self.assertEqual(set(hundred.mapped("state")), {expected})
        # At most one query more, once, whatever the number: Odoo's mail.activity.create reads the companies of the
        # to-dos' users for its access filter (_filtered_access), a read that one to-do sometimes finds in the
        # cache, depending on the test classes run before (seen with any of the issue-14/15 classes first). A query
        # per promise would add 99.
        self.assertLessEqual(count_hundred, count_one + 1, "evaluating 100 promises takes more queries than 1")
        # and the same, stated with Odoo's own helper (fails if the 100 take more queries)
        more = self._make(100, kept)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        with freeze_time("2026-06-24 10:00:00"), self.assertQueryCount(count_one + 1):
            self.env["debt.promise"]._cron_evaluate_promises()
        self.assertEqual(set(more.mapped("state")), {expected})

    def test_same_query_count_broken(self):
        self._assert_same_count(kept=False)

    def test_same_query_count_kept(self):
        self._assert_same_count(kept=True)


@tagged("post_install", "-at_install")
class TestPromiseInput(PromiseCommon):
    def _count(self):
        return self.env["debt.promise"].search_count([]), self.env["debt.promise.line"].search_count([])

    def assertRejected(self, values, message):
        before = self._count()
        with self.assertRaisesRegex(ValidationError, message):
            with self.env.cr.savepoint():
                self.env["debt.promise"].create({"partner_id": self.customer.id, **values})
        self.assertEqual(self._count(), before, "nothing may be saved")

    def test_amount_must_be_positive(self):
        self.assertRejected({"amount": 0.0, "promised_date": date(2026, 6, 20)}, "greater than zero")
        self.assertRejected({"amount": -5.0, "promised_date": date(2026, 6, 20)}, "greater than zero")

    def test_promised_date_not_before_the_promise(self):
        self.assertRejected({"amount": 10.0, "promised_date": date(2026, 6, 14)}, "cannot be before")
        self.assertRejected({"amount": 10.0}, "Give the date")
        ok = self.env["debt.promise"].create({
            "partner_id": self.customer.id, "amount": 10.0, "promised_date": TODAY})  # the same day is fine
        self.assertEqual(ok.date, TODAY)

    def test_installments_must_sum_to_the_total(self):
        self.assertRejected({"amount": 1000.0, "line_ids": [
            Command.create({"date": date(2026, 6, 20), "amount": 400.0}),
            Command.create({"date": date(2026, 7, 20), "amount": 500.0}),
        ]}, "add up to")

    def test_installments_cannot_share_a_date(self):
        self.assertRejected({"amount": 1000.0, "line_ids": [
            Command.create({"date": date(2026, 6, 20), "amount": 500.0}),
            Command.create({"date": date(2026, 6, 20), "amount": 500.0}),
        ]}, "Two installments")

    def test_installment_amount_and_date(self):
        self.assertRejected({"amount": 1000.0, "line_ids": [
            Command.create({"date": date(2026, 6, 20), "amount": 1100.0}),
            Command.create({"date": date(2026, 7, 20), "amount": -100.0}),
        ]}, "greater than zero")
        self.assertRejected({"amount": 1000.0, "line_ids": [
            Command.create({"date": date(2026, 6, 1), "amount": 1000.0}),
        ]}, "before the day the promise is made")

    def test_editing_installments_is_checked(self):
        promise = self._promise(self.customer, 1000.0, lines=[(date(2026, 6, 20), 400.0), (date(2026, 7, 20), 600.0)])
        with self.assertRaisesRegex(ValidationError, "add up to"), self.env.cr.savepoint():
            promise.write({"line_ids": [Command.update(promise.line_ids[0].id, {"amount": 300.0})]})
        promise.write({
            "amount": 900.0, "line_ids": [Command.update(promise.line_ids[0].id, {"amount": 300.0})]})
        self.assertEqual(promise.line_ids.mapped("amount"), [300.0, 600.0])

    def test_customer_of_another_company(self):
        company_2 = self.setup_other_company(name="Promise Other Co")["company"]
        foreign = self.env["res.partner"].create({"name": "Theirs", "is_company": True, "company_id": company_2.id})
        self.assertRejected({"partner_id": foreign.id, "amount": 10.0, "promised_date": date(2026, 6, 20)},
                            "belongs to the company")

    def test_invoices_of_another_customer(self):
        other = self._customer("Other Customer")
        invoice = self._invoice(other, 100.0, 5)
        self.assertRejected({"amount": 100.0, "promised_date": date(2026, 6, 20),
                             "invoice_ids": [Command.set(invoice.ids)]}, "not customer invoices")
