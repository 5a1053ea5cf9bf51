"""Issue 15, item 2 over the wire: the customer answers a balance confirmation from the link of the e-mail, as an
anonymous visitor (no account), with the confirmation's access token only."""

import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import load_shipped_translations


@tagged("post_install", "-at_install")
class TestBalanceConfirmationPortal(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({
            "name": "Portal Buyer Co", "is_company": True, "lang": "en_US", "email": "buyer@example.com"})
        cls.other = Partner.create({"name": "Portal Other Co", "is_company": True, "email": "other@example.com"})
        load_shipped_translations(cls.env)
        cls.vi_customer = Partner.create({
            "name": "Công ty Minh Phát", "is_company": True, "lang": "vi_VN", "email": "ke.toan@minhphat.example.com"})
        for partner, amount in ((cls.customer, 1250.0), (cls.other, 90.0), (cls.vi_customer, 1500.0)):
            cls.env["account.move"].create({
                "move_type": "out_invoice", "partner_id": partner.id,
                "invoice_date": fields.Date.today() - timedelta(days=10),
                "invoice_line_ids": [Command.create({"name": "Goods", "price_unit": amount, "tax_ids": []})],
            }).action_post()
        Confirmation = cls.env["debt.balance.confirmation"]
        cls.confirmation = Confirmation.create({"partner_id": cls.customer.id, "date": fields.Date.today()})
        cls.other_confirmation = Confirmation.create({"partner_id": cls.other.id, "date": fields.Date.today()})
        cls.vi_confirmation = Confirmation.create({"partner_id": cls.vi_customer.id, "date": fields.Date.today()})
        (cls.confirmation | cls.other_confirmation | cls.vi_confirmation)._debt_send()

    def _page(self, confirmation, token):
        return self.url_open(f"/my/balance_confirmation/{confirmation.id}?access_token={token}")

    def _answer(self, confirmation, token, **data):
        """Post the answer as the page's form does: with the CSRF token of the visitor's session."""
        login = self.url_open("/web/login")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
        return self.url_open(f"/my/balance_confirmation/{confirmation.id}/answer",
                             data={"csrf_token": csrf, "access_token": token, **data}, allow_redirects=False)

    def _reload(self, confirmation):
        confirmation.invalidate_recordset()
        return confirmation

    def test_page_shows_the_balance_and_two_answers(self):
        response = self._page(self.confirmation, self.confirmation.access_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Portal Buyer Co", response.text)
        self.assertRegex(response.text, r"1,250\.00")
        self.assertIn("Confirm the Balance", response.text)
        self.assertIn("Dispute the Balance", response.text)
        self.assertNotIn("Portal Other Co", response.text)

    def test_confirm_as_anonymous_visitor(self):
        response = self._answer(self.confirmation, self.confirmation.access_token, answer="confirm", name="Mr Binh")
        self.assertEqual(response.status_code, 303)
        self.assertIn("message=confirmed", response.headers["Location"])
        confirmation = self._reload(self.confirmation)
        self.assertEqual((confirmation.state, confirmation.answered_by), ("confirmed", "Mr Binh"))
        answer = confirmation.message_ids.filtered(lambda m: m.message_type == "comment" and "Mr Binh" in m.body)
        self.assertIn("Mr Binh confirmed the balance", answer.body)
        self.assertEqual(answer.author_id, self.customer)
        page = self.url_open(response.headers["Location"])
        self.assertIn("your confirmation of the balance has been recorded", page.text)
        self.assertNotIn("Confirm the Balance</button>", page.text)
        # answered twice (the same link again, or another tab): refused with a message, nothing changes
        with mute_logger("odoo.http"):
            again = self._answer(self.confirmation, self.confirmation.access_token,
                                 answer="dispute", amount="10", comment="changed my mind")
        self.assertEqual(again.status_code, 400)
        self.assertIn("cannot be answered twice", again.text)
        self.assertEqual(self._reload(self.confirmation).state, "confirmed")

    def test_dispute_with_a_figure(self):
        response = self._answer(self.confirmation, self.confirmation.access_token, answer="dispute",
                                amount="1,000.00", comment="Payment of 250 on 3 June missing", name="Ms Lan")
        self.assertEqual(response.status_code, 303)
        confirmation = self._reload(self.confirmation)
        self.assertRecordValues(confirmation, [{
            "state": "disputed", "customer_amount": 1000.0, "difference": -250.0,
            "customer_comment": "Payment of 250 on 3 June missing", "answered_by": "Ms Lan"}])
        self.customer.invalidate_recordset()
        self.assertEqual((self.customer.debt_attention, self.customer.debt_attention_reason), (True, "disputed"))
        page = self.url_open(response.headers["Location"])
        self.assertIn("your figure and your comment have been recorded", page.text)

    def test_bad_figures_refused_on_the_page(self):
        for amount, comment, message in (
            ("-5", "x", "positive amount"),
            ("12,34,5", "x", "not a number we can read"),
            ("", "x", "Please enter the balance"),
            ("900", "", "Please tell us"),
        ):
            with self.subTest(amount=amount):
                response = self._answer(self.confirmation, self.confirmation.access_token, answer="dispute",
                                        amount=amount, comment=comment)
                self.assertEqual(response.status_code, 400)
                self.assertIn(message, response.text)
                self.assertIn("Dispute the Balance", response.text)  # the form is still there, to correct it
        confirmation = self._reload(self.confirmation)
        self.assertEqual(confirmation.state, "sent")
        self.assertFalse(confirmation.customer_amount)
        self.customer.invalidate_recordset()
        self.assertFalse(self.customer.debt_attention)

    def test_wrong_token_refused(self):
        for token in ("", "not-the-token", self.other_confirmation.access_token):
            with self.subTest(token=token):
                page = self._page(self.confirmation, token)
                self.assertEqual(page.status_code, 403)
                self.assertIn("This link is not valid", page.text)
                self.assertNotIn("1,250.00", page.text)
                response = self._answer(self.confirmation, token, answer="confirm")
                self.assertEqual(response.status_code, 403)
        # the token of one confirmation does not open another (reused on another id)
        self.assertEqual(self._reload(self.confirmation).state, "sent")
        self.assertEqual(self._reload(self.other_confirmation).state, "sent")

    def test_expired_link_refused(self):
        # sent 40 days ago with 30 days to answer: expired, before the daily job has marked it
        self.confirmation.sudo().write({"sent_date": fields.Datetime.now() - timedelta(days=40)})
        page = self._page(self.confirmation, self.confirmation.access_token)
        self.assertEqual(page.status_code, 200)
        self.assertIn("expired on", page.text)
        self.assertNotIn("Confirm the Balance</button>", page.text)
        response = self._answer(self.confirmation, self.confirmation.access_token, answer="confirm")
        self.assertEqual(response.status_code, 400)
        self.assertIn("expired on", response.text)
        self.assertEqual(self._reload(self.confirmation).state, "sent")
        self.env["debt.balance.confirmation"]._cron_expire_confirmations()
        self.assertEqual(self._reload(self.confirmation).state, "expired")
        response = self._answer(self.confirmation, self.confirmation.access_token, answer="confirm")
        self.assertEqual(response.status_code, 400)
        self.assertIn("ask us for a new one", response.text)

    def test_pdf_with_the_token_only(self):
        response = self.url_open(self.confirmation.get_portal_url(report_type="pdf"))
        self.assertEqual(response.status_code, 200)
        response = self.url_open(f"/my/balance_confirmation/{self.confirmation.id}?report_type=pdf&access_token=x")
        self.assertEqual(response.status_code, 403)

    def test_page_and_figure_in_the_customer_language(self):
        page = self._page(self.vi_confirmation, self.vi_confirmation.access_token)
        self.assertIn("Xác nhận số dư", page.text)
        self.assertIn("Không đồng ý với số dư", page.text)
        self.assertIn("1.500,00", page.text)
        # "." groups thousands on a Vietnamese page: an English-style figure is refused, not misread
        refused = self._answer(self.vi_confirmation, self.vi_confirmation.access_token, answer="dispute",
                               amount="1000.50", comment="Thiếu phiếu thu ngày 3/6")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("không phải là một số hợp lệ", refused.text)
        response = self._answer(self.vi_confirmation, self.vi_confirmation.access_token, answer="dispute",
                                amount="1.000,50", comment="Thiếu phiếu thu ngày 3/6")
        self.assertEqual(response.status_code, 303)
        confirmation = self._reload(self.vi_confirmation)
        self.assertEqual((confirmation.state, confirmation.customer_amount), ("disputed", 1000.5))
        # the note for the staff is in the company's language, not in the customer's
        note = confirmation.message_ids.filtered(lambda m: m.message_type == "comment" and "1,000.50" in m.body)
        self.assertIn("disputed the balance of", note.body)
