from datetime import date

from odoo import Command
from odoo.tests import Form, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import DebtCollectionCommon, load_shipped_translations


@tagged("post_install", "-at_install")
class TestCallSummary(DebtCollectionCommon, MockEmail):
    """The call summary e-mail, rendered in the customer's language (English, Vietnamese, Traditional
    Chinese) from the shipped translations, sent to the payment contact and kept in the customer's chatter."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_shipped_translations(cls.env)
        cls.salesman_a.write({"email": "sales.a@company.example.com"})

    def _customer_with_contact(self, name, lang):
        customer = self._customer(name, user_id=self.salesman_a.id, lang=lang)
        contact = self.env["res.partner"].create({
            "name": f"Accountant of {name}", "parent_id": customer.id, "type": "invoice",
            "email": f"accounting@{lang.lower()}.example.com", "lang": lang})
        customer.payment_contact_id = contact
        return customer, contact

    def _call(self, customer):
        invoice = self._invoice(customer, 1500.0, 20)
        self._pay(invoice, 500.0, 5)  # the summary shows the open balance (1,000), not the total
        call = self.env["debt.call"].with_user(self.salesman_a).create({
            "partner_id": customer.id,
            "outcome": "promised",
            "invoice_ids": [Command.set(invoice.ids)],
            "next_step": "Send the delivery notes",
            "next_action_date": date(2026, 6, 25),
            "promise_ids": [Command.create({
                "amount": 1000.0,
                "invoice_ids": [Command.set(invoice.ids)],
                "line_ids": [Command.create({"date": date(2026, 6, 20), "amount": 400.0}),
                             Command.create({"date": date(2026, 7, 20), "amount": 600.0})],
            })],
        })
        return call, invoice

    def _send(self, call):
        action = call.with_user(self.salesman_a).action_send_summary()
        form = Form(self.env[action["res_model"]].with_user(self.salesman_a).with_context(**action["context"]))
        wizard = form.save()
        with self.mock_mail_gateway():
            wizard.action_send()
        return wizard

    def _check(self, lang, expected):
        customer, contact = self._customer_with_contact(f"Customer {lang}", lang)
        call, invoice = self._call(customer)
        wizard = self._send(call)
        self.assertEqual(wizard.lang, lang)
        self.assertEqual(wizard.recipient_ids, contact)
        for text in expected["subject"]:
            self.assertIn(text, wizard.subject)
        for text in expected["body"]:
            self.assertIn(text, wizard.body)
        # what was sent: one e-mail to the payment contact, with the translated text and today's balance
        self.assertSentEmail(self.salesman_a.partner_id, [contact], subject=wizard.subject)
        sent = self._mails[0]["body"]
        for text in expected["body"]:
            self.assertIn(text, sent)
        self.assertIn(invoice.name, sent)
        # kept in the customer's chatter, by the collector
        message = customer.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.author_id, self.salesman_a.partner_id)
        self.assertEqual(message.partner_ids, contact)
        self.assertEqual(message.subject, wizard.subject)
        self.assertTrue(call.summary_sent_date)
        return wizard

    def test_summary_in_english(self):
        wizard = self._check("en_US", {
            "subject": ["summary of our call of 06/15/2026"],
            "body": ["Dear Accountant of Customer en_US", "You kindly agreed to pay", "400.00 by 06/20/2026",
                     "600.00 by 07/20/2026", "1,000.00</td>", "Next step: Send the delivery notes",
                     "We will get back to you on 06/25/2026", "Kind regards"],
        })
        self.assertNotIn("1,500.00", wizard.body)

    def test_summary_in_vietnamese(self):
        self._check("vi_VN", {
            "subject": ["tóm tắt cuộc gọi ngày"],
            "body": ["Kính gửi Accountant of Customer vi_VN", "Quý công ty đã đồng ý thanh toán",
                     "chậm nhất ngày", "Số dư", "Bước tiếp theo: Send the delivery notes", "Trân trọng"],
        })

    def test_summary_in_traditional_chinese(self):
        self._check("zh_TW", {
            "subject": ["通話摘要"],
            "body": ["Accountant of Customer zh_TW 您好", "承蒙您同意支付", "最遲於", "餘額",
                     "下一步：Send the delivery notes", "順頌商祺"],
        })

    def test_excuses_are_translated(self):
        excuse = self.env.ref("debt_collection.debt_excuse_invoice_not_received")
        self.assertEqual(excuse.with_context(lang="vi_VN").name, "Chúng tôi chưa nhận được hóa đơn.")
        self.assertEqual(excuse.with_context(lang="zh_TW").name, "我們從未收到發票。")
        self.assertIn("xin lỗi", excuse.with_context(lang="vi_VN").suggested_response)
        self.assertIn("抱歉", excuse.with_context(lang="zh_TW").suggested_response)
        self.assertEqual(
            dict(self.env["debt.excuse"].with_context(lang="zh_TW")._fields["next_step"]._description_selection(
                self.env["debt.excuse"].with_context(lang="zh_TW").env))["resend_invoice"], "重寄發票")

    def test_no_recipient_email(self):
        customer, contact = self._customer_with_contact("No Mail", "en_US")
        contact.email = False
        call, _invoice = self._call(customer)
        wizard = self.env["debt.call.summary"].with_user(self.salesman_a).create({"call_id": call.id})
        with self.assertRaisesRegex(Exception, "no e-mail address"):
            wizard.action_send()
