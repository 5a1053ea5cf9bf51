from datetime import date, datetime

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import days_ago
from .common_reminder import ReminderCommon, d


@tagged("post_install", "-at_install")
class TestBalanceConfirmation(ReminderCommon):
    """Issue 15, item 2: the balance confirmation, its balance, its e-mail, the customer's answer (the portal's
    own method; over HTTP in test_balance_confirmation_http), its PDF in three languages, its rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._reminder_customer("Minh Phat")
        cls.contact = cls.env["res.partner"].create({
            "name": "Ms Hoa", "parent_id": cls.customer.id, "email": "hoa@customer.example.com"})
        cls.customer.payment_contact_id = cls.contact
        cls.other_customer = cls._reminder_customer("Other Buyer", user_id=cls.salesman_b.id)
        # Today is 15 June 2026. The books of the customer:
        invoice = cls._invoice(cls.customer, 1000.0, 30)              # 16 May: +1000
        cls._pay(invoice, 300.0, 20)                                  # 26 May: -300 (partial payment)
        cls._invoice(cls.customer, 100.0, 15, move_type="out_refund")  # 31 May: -100 (open credit note)
        cls._invoice(cls.customer, 100.0, 10, currency=cls.eur)      # 5 June: EUR 100 at 2 EUR per unit = +50
        cls._invoice(cls.contact, 50.0, 12)                           # 3 June, on the contact: +50
        cls._invoice(cls.customer, 500.0, 2)                          # 13 June: after the date below
        cls._invoice(cls.other_customer, 7777.0, 10)                  # someone else's
        cls.Confirmation = cls.env["debt.balance.confirmation"]

    def _confirmation(self, as_of=None, user=None, **values):
        model = self.Confirmation.with_user(user) if user else self.Confirmation
        return model.create({"partner_id": self.customer.id, "date": as_of or days_ago(5), **values})

    def _send(self, confirmation, user=None):
        """Send as a user does: the composer opened by Send, with its template and files."""
        action = confirmation.with_user(user or self.salesman_a).action_send()
        composer = Form(self.env["mail.compose.message"].with_user(user or self.salesman_a).with_context(
            **action["context"]))
        composer.save().action_send_mail()
        confirmation.invalidate_recordset()

    # ------------------------------------------------------------------ the balance
    def test_balance_as_of_the_date(self):
        confirmation = self._confirmation(user=self.salesman_a)
        # 1000 - 300 - 100 + 50 + 50: partial payment, credit note, foreign currency, a contact's invoice
        self.assertEqual(confirmation.balance, 700.0)
        self.assertEqual(confirmation.partner_id, self.customer)
        self.assertTrue(confirmation.name.startswith("BC/2026/"))
        self.assertEqual(self._confirmation(as_of=days_ago(25)).balance, 1000.0)
        self.assertEqual(self._confirmation(as_of=days_ago(31)).balance, 0.0)
        self.assertEqual(self._confirmation(as_of=days_ago(0)).balance, 1200.0)
        # given the contact, the confirmation is the customer's
        self.assertEqual(self.Confirmation.create({"partner_id": self.contact.id, "date": days_ago(5)}).partner_id,
                         self.customer)
        # a draft's balance follows the books when refreshed; then it is what the customer was sent
        self._invoice(self.customer, 40.0, 6)
        confirmation.action_refresh_balance()
        self.assertEqual(confirmation.balance, 740.0)

    def test_balance_of_many_in_one_query_per_company(self):
        confirmations = self.Confirmation.create([
            {"partner_id": partner.id, "date": as_of}
            for partner, as_of in ((self.customer, days_ago(5)), (self.other_customer, days_ago(5)),
                                   (self.customer, days_ago(25)))])
        with self.assertQueryCount(1):
            confirmations._debt_compute_balances()
        self.assertEqual(confirmations.mapped("balance"), [700.0, 7777.0, 1000.0])

    def test_form_as_salesperson(self):
        """The form of the menu, as a salesperson fills it: the balance comes with the customer and the date."""
        form = Form(self.Confirmation.with_user(self.salesman_a))
        form.partner_id = self.customer
        form.date = days_ago(5)
        confirmation = form.save()
        self.assertEqual((confirmation.state, confirmation.balance), ("draft", 700.0))
        self.assertEqual(self.customer.with_user(self.salesman_a).action_view_debt_balance_confirmations()["domain"],
                         [("partner_id", "=", self.customer.id)])

    # ------------------------------------------------------------------ sending
    def test_send_with_the_composer(self):
        confirmation = self._confirmation(user=self.salesman_a)
        with self.mock_mail_gateway():
            self._send(confirmation)
        self.assertEqual(confirmation.state, "sent")
        self.assertEqual(confirmation.sent_date, datetime(2026, 6, 15, 10))
        self.assertEqual(confirmation.expiry_date, date(2026, 7, 15))  # 30 days from its day in Ho Chi Minh City
        self.assertTrue(confirmation.access_token)
        self.assertEqual(len(self._new_mails), 1)
        mail = self._new_mails
        self.assertEqual(mail.recipient_ids, self.contact)  # the payment contact
        self.assertIn(confirmation.get_portal_url(), mail.body_html)
        self.assertIn("700.00", mail.body_html)
        statement = f"Statement - {self.customer.name} {confirmation.date}.pdf"  # the detail behind the balance
        self.assertEqual(sorted(mail.attachment_ids.mapped("name")),
                         sorted([f"Balance Confirmation {confirmation.name}.pdf", statement]))
        message = confirmation.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(message.attachment_ids, mail.attachment_ids)
        # sent again (a reminder): the same link, the first sending date and validity
        with freeze_time("2026-06-20 03:00:00"), self.mock_mail_gateway():
            confirmation._debt_send()
        self.assertEqual((confirmation.state, confirmation.expiry_date), ("sent", date(2026, 7, 15)))
        self.assertEqual(sorted(self._new_mails.attachment_ids.mapped("name")),
                         sorted([f"Balance Confirmation {confirmation.name}.pdf", statement]))

    def test_answered_or_expired_cannot_be_sent(self):
        confirmation = self._confirmation()
        confirmation._debt_send()
        confirmation.sudo()._debt_portal_answer("confirm", name="Hoa")
        with self.assertRaisesRegex(UserError, "cannot be sent again"):
            confirmation.action_send()
        with self.assertRaisesRegex(UserError, "Only a balance confirmation waiting"):
            confirmation.action_mark_expired()
        with self.assertRaisesRegex(UserError, "Only the balance of a draft"):
            confirmation.action_refresh_balance()

    # ------------------------------------------------------------------ the customer's answer
    def test_confirm(self):
        confirmation = self._confirmation()
        confirmation._debt_send()
        confirmation.sudo()._debt_portal_answer("confirm", name="Nguyen Thi Hoa")
        self.assertRecordValues(confirmation, [{
            "state": "confirmed", "answered_by": "Nguyen Thi Hoa", "answer_date": datetime(2026, 6, 15, 10),
            "difference": 0.0}])
        message = confirmation.message_ids[0]
        self.assertEqual(message.author_id, self.customer)
        self.assertIn("Nguyen Thi Hoa confirmed the balance of", message.body)
        self.assertFalse(self.customer.debt_attention)
        # answered twice: refused, nothing changes
        with self.assertRaisesRegex(UserError, "already confirmed on .* cannot be answered twice"):
            confirmation.sudo()._debt_portal_answer("dispute", amount_text="10", comment="no")
        self.assertEqual(confirmation.state, "confirmed")

    def test_dispute_flags_the_customer(self):
        confirmation = self._confirmation()
        confirmation._debt_send()
        confirmation.sudo().with_context(lang="en_US")._debt_portal_answer(
            "dispute", amount_text="800.00", comment="Credit note CN/05 is missing", name="Hoa")
        self.assertRecordValues(confirmation, [{
            "state": "disputed", "customer_amount": 800.0, "difference": 100.0,
            "customer_comment": "Credit note CN/05 is missing"}])
        self.assertIn("their figure is", confirmation.message_ids[0].body)
        self.assertEqual((self.customer.debt_attention, self.customer.debt_attention_reason), (True, "disputed"))
        self.assertIn(confirmation.name, self.customer.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "already disputed"):
            confirmation.sudo()._debt_portal_answer("confirm")

    def test_bad_figures_are_refused_and_nothing_is_written(self):
        confirmation = self._confirmation()
        confirmation._debt_send()
        messages = confirmation.message_ids
        cases = [
            ("-100", "a comment", "positive amount"),
            ("12abc", "a comment", "not a number we can read"),
            ("", "a comment", "Please enter the balance"),
            ("1" * 20, "a comment", "too large"),
            ("100.555", "a comment", "more decimals"),
            ("800", "   ", "Please tell us"),
        ]
        for amount, comment, message in cases:
            with self.subTest(amount=amount), self.assertRaisesRegex(UserError, message), self.env.cr.savepoint():
                confirmation.sudo()._debt_portal_answer("dispute", amount_text=amount, comment=comment)
            confirmation.invalidate_recordset()
            self.assertEqual(confirmation.state, "sent")
        self.assertEqual(confirmation.message_ids, messages)
        self.assertFalse(self.customer.debt_attention)
        # in Vietnamese, "." groups thousands: "12.500" is twelve thousand five hundred, "850.5" unreadable
        self.env["res.lang"]._activate_lang("vi_VN")
        with self.assertRaisesRegex(UserError, "not a number we can read"):
            confirmation.sudo()._debt_parse_customer_amount("850.5", "vi_VN")
        self.assertEqual(confirmation.sudo()._debt_parse_customer_amount("12.500,25", "vi_VN"), 12500.25)

    def test_dispute_pauses_the_reminders_until_cleared(self):
        self._invoice_due(self.customer, 1000.0, d("2026-06-08"))  # +7 on Monday 15 June
        with freeze_time("2026-06-12 04:00:00"):
            confirmation = self._confirmation(as_of=d("2026-06-11"))
            confirmation._debt_send()
            confirmation.sudo()._debt_portal_answer("dispute", amount_text="0", comment="We paid everything")
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
            self.assertFalse(self.reminders(self.customer), "no reminder while the balance is disputed")
            preview = self.env["debt.reminder.preview"].create({"run_time": "2026-06-15 03:00:00"})
            preview.action_compute()
            self.assertEqual(preview.line_ids.filtered(lambda line: line.partner_id == self.customer).status, "hold")
            self.customer.with_user(self.salesman_a).action_debt_clear_attention()
            self.run_cron("2026-06-15 04:00:00")
        reminders = self.reminders(self.customer)
        self.assertTrue(reminders)
        self.assertEqual(set(reminders.mapped("state")), {"queued"})

    # ------------------------------------------------------------------ expiry
    def test_expiry(self):
        confirmation = self._confirmation(validity_days=10)
        with freeze_time("2026-06-15 10:00:00"):
            confirmation._debt_send()
        self.assertEqual(confirmation.expiry_date, date(2026, 6, 25))
        # the last day (in the customer's time zone) still takes an answer; the scheduler leaves it
        with freeze_time("2026-06-25 16:00:00"):  # 23:00 in Ho Chi Minh City
            self.assertFalse(self.Confirmation._cron_expire_confirmations())
            self.assertFalse(confirmation._debt_answer_refusal())
        with freeze_time("2026-06-25 17:30:00"):  # 00:30 on the 26th there: too late, even before the job runs
            with self.assertRaisesRegex(UserError, "expired on 06/25/2026"):
                confirmation.sudo()._debt_portal_answer("confirm")
            # the scheduled action itself, as its user, with its progress record
            self.env.ref("debt_collection.ir_cron_debt_expire_balance_confirmations").sudo().method_direct_trigger()
        confirmation.invalidate_recordset()
        self.assertEqual(confirmation.state, "expired")
        self.assertIn("expired without an answer", confirmation.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "expired on"):
            confirmation.sudo()._debt_portal_answer("confirm")

    def test_expiry_by_batches(self):
        confirmations = self.Confirmation.create([
            {"partner_id": partner.id, "date": days_ago(5), "validity_days": 3}
            for partner in (self.customer, self.other_customer, self.customer)])
        confirmations._debt_send()
        with freeze_time("2026-06-30 03:00:00"):
            self.assertEqual(self.Confirmation._cron_expire_confirmations(batch_size=2), confirmations)
        self.assertEqual(confirmations.mapped("state"), ["expired"] * 3)

    def test_mark_expired_by_hand(self):
        confirmation = self._confirmation(user=self.salesman_a)
        confirmation._debt_send()
        confirmation.with_user(self.salesman_a).action_mark_expired()
        self.assertEqual(confirmation.state, "expired")

    # ------------------------------------------------------------------ who may do what
    def test_engine_fields_and_sent_documents_are_guarded(self):
        confirmation = self._confirmation(user=self.salesman_a)
        for vals in ({"state": "confirmed"}, {"balance": 1.0}, {"customer_amount": 5.0}, {"access_token": "x"}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                confirmation.with_user(self.salesman_a).write(vals)
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                confirmation.with_user(self.collection_manager).write(vals)
        with self.assertRaises(AccessError):
            self._confirmation(user=self.salesman_a, balance=1.0)
        with self.assertRaisesRegex(ValidationError, "between 1 and 365"):
            confirmation.with_user(self.salesman_a).write({"validity_days": 0})
        confirmation._debt_send()
        with self.assertRaisesRegex(UserError, "cannot change once it has been sent"):
            confirmation.with_user(self.salesman_a).write({"date": days_ago(1)})
        with self.assertRaisesRegex(UserError, "Only draft balance confirmations can be deleted"):
            confirmation.with_user(self.collection_manager).unlink()

    def test_collection_users_see_their_customers_only(self):
        mine = self._confirmation(user=self.salesman_a)
        theirs = self.Confirmation.create({"partner_id": self.other_customer.id, "date": days_ago(5)})
        Confirmation = self.Confirmation.with_user(self.salesman_a)
        self.assertEqual(Confirmation.search([]), mine)
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_a).read(["balance"])
        with self.assertRaises(AccessError):
            Confirmation.create({"partner_id": self.other_customer.id, "date": days_ago(5)})
        with self.assertRaises(AccessError):
            theirs.with_user(self.salesman_a).action_send()
        self.assertEqual(self.Confirmation.with_user(self.collection_manager).search([]), mine | theirs)
        # the smart button counts what the user may see
        self.assertEqual(self.customer.with_user(self.salesman_a).debt_balance_confirmation_count, 1)
        self.assertEqual(self.other_customer.with_user(self.salesman_a).debt_balance_confirmation_count, 0)
        # a portal user (even the customer's own) reads nothing without the token, and users delete nothing
        portal = new_test_user(self.env, login="dc_bc_portal", groups="base.group_portal",
                               partner_id=self.contact.id)
        with self.assertRaises(AccessError):
            mine.with_user(portal).read(["balance"])
        with self.assertRaises(AccessError):
            mine.with_user(self.salesman_a).unlink()
        # moving the customer to another salesperson moves the access
        self.customer.user_id = self.salesman_b
        self.assertFalse(Confirmation.search([]))
        self.assertEqual(self.Confirmation.with_user(self.salesman_b).search([]), mine | theirs)

    def test_other_company_books_are_not_counted(self):
        company_2 = self.setup_other_company(name="Confirmation Other Co")["company"]
        self.customer.with_company(company_2)  # shared customer
        self.env["account.move"].with_company(company_2).create({
            "move_type": "out_invoice", "partner_id": self.customer.id, "invoice_date": days_ago(8),
            "invoice_line_ids": [Command.create({"name": "x", "price_unit": 999.0, "tax_ids": []})],
        }).action_post()
        self.assertEqual(self._confirmation().balance, 700.0)
        other = self.Confirmation.with_company(company_2).create({
            "partner_id": self.customer.id, "date": days_ago(5), "company_id": company_2.id})
        self.assertEqual(other.balance, 999.0)

    # ------------------------------------------------------------------ the document
    def test_pdf_in_the_customer_language(self):
        confirmation = self._confirmation()
        Report = self.env["ir.actions.report"]
        report = "debt_collection.action_report_debt_balance_confirmation"
        expected = {
            "en_US": ("BALANCE CONFIRMATION", "FOR PARTY A", "FOR PARTY B", "Party B owes Party A"),
            "vi_VN": ("BIÊN BẢN ĐỐI CHIẾU CÔNG NỢ", "ĐẠI DIỆN BÊN A", "ĐẠI DIỆN BÊN B",
                      "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"),
            "zh_TW": ("應收帳款餘額確認書", "甲方代表", "乙方代表", "乙方尚欠甲方"),
        }
        for lang, texts in expected.items():
            self.customer.lang = lang
            html = Report._render_qweb_html(report, confirmation.ids)[0].decode()
            for text in texts:
                self.assertIn(text, html, f"{text!r} missing in {lang}")
            self.assertIn(confirmation.name, html)
            self.assertIn("700", html)
        # a real PDF (wkhtmltopdf), not HTML
        pdf = Report.with_context(force_report_rendering=True)._render_qweb_pdf(report, confirmation.ids)[0]
        self.assertTrue(pdf.startswith(b"%PDF"))
