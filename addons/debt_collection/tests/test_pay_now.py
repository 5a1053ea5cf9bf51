from datetime import timedelta

from odoo import Command
from odoo.tests import tagged

from .common import TODAY, days_ago
from .common_reminder import ReminderCommon

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City
ONLINE = "account_payment.enable_portal_payment"


@tagged("post_install", "-at_install")
class TestPayNow(ReminderCommon):
    """Pay now in reminders and statements: Odoo's portal payment link only when online payment is enabled, Odoo's
    bank QR code only where the bank account supports it, the early-payment discount of the payment term."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(ONLINE, False)
        cls.customer = cls._reminder_customer("Minh Phat")
        # an IBAN account: Odoo's EPC (SEPA) QR code, for invoices in euros
        cls.iban = cls.env["res.partner.bank"].create({
            "acc_number": "BE71096123456769", "partner_id": cls.company.partner_id.id})

    def reminder_for(self, invoices, offset=7):
        lines = invoices.line_ids.filtered(lambda line: line.display_type == "payment_term")
        amount = sum(lines.mapped("amount_residual"))
        # sudo: reminders are written by the engine only
        return self.env["debt.reminder"].sudo().create({
            "partner_id": self.customer.id, "company_id": self.company.id, "rule_id": self.rule[offset].id,
            "cycle_date": TODAY, "send_date": TODAY, "line_ids": [Command.set(lines.ids)],
            "amount": amount, "amount_due": amount})

    def statement_items(self, partner=None):
        values = self.env["report.debt_collection.report_debt_statement"].with_user(
            self.collection_manager)._get_report_values(
            (partner or self.customer).ids, {"date_from": str(days_ago(60)), "date_to": str(TODAY)})
        return {item["name"]: item for item in values["statements"][(partner or self.customer).id]["open_items"]}

    def euro_invoice(self, amount, days_old, bank):
        move = self.init_invoice("out_invoice", partner=self.customer, invoice_date=days_ago(days_old),
                                 amounts=[amount], taxes=[], currency=self.eur)
        move.invoice_payment_term_id = self.pay_terms_a
        move.partner_bank_id = bank
        move.action_post()
        return move

    def test_links_only_when_online_payment_is_on(self):
        invoice = self._invoice_due(self.customer, 1000.0, TODAY - timedelta(days=7))
        paid = self._invoice_due(self.customer, 400.0, TODAY - timedelta(days=7))
        self._pay(paid, 400.0, 1)
        reminder = self.reminder_for(invoice)
        self.assertNotIn("/my/invoices/", reminder.payment_html)
        self.assertEqual(reminder.pay_link_text, "")
        self.assertFalse(self.statement_items()[invoice.name]["pay_link"])

        self.env["ir.config_parameter"].set_param(ONLINE, True)
        self.env.invalidate_all()
        html = reminder.payment_html
        self.assertTrue(invoice.access_token, "Odoo's portal token, made for the link")
        self.assertIn(f"/my/invoices/{invoice.id}?access_token={invoice.access_token}", html)
        pay_link_text = reminder.pay_link_text
        tracker = self.env["link.tracker"].search([("title", "=", invoice.name)])
        self.assertEqual(tracker.url, "%s/my/invoices/%s?access_token=%s" % (
            invoice.get_base_url(), invoice.id, invoice.access_token), "Odoo's short link to the portal page")
        self.assertEqual(pay_link_text, " Pay online: %s" % tracker.short_url)
        self.assertRegex(tracker.short_url, r"/r/\w+$")
        self.assertIn(f"/my/invoices/{invoice.id}?", self.statement_items()[invoice.name]["pay_link"])
        values = (invoice | paid)._debt_pay_now_values()
        self.assertEqual(list(values), [invoice.id], "nothing to pay on a paid invoice")

        # the SMS of the job carries the short portal link (the +14 rule sends e-mail and SMS)
        other = self._reminder_customer("Hoa Binh")
        inv_sms = self._invoice_due(other, 600.0, TODAY - timedelta(days=14))
        with self.gateways():
            self.run_cron(WORKING_TIME)
        sent = self.reminders(other)
        self.assertEqual(sent.rule_id, self.rule[14])
        short_url = self.env["link.tracker"].search([("title", "=", inv_sms.name)]).short_url
        self.assertTrue(sent.sms_body.endswith(f"Pay online: {short_url}"), sent.sms_body)
        self.assertIn(f"/my/invoices/{inv_sms.id}?access_token=", sent.body_html)

    def test_qr_only_where_supported(self):
        self.company.qr_code = True  # Odoo's setting: QR codes on invoices
        usd_invoice = self._invoice_due(self.customer, 1000.0, TODAY - timedelta(days=7))
        eur_iban = self.euro_invoice(300.0, 7, self.iban)
        eur_plain = self.euro_invoice(200.0, 7, self.bank_account)
        reminder = self.reminder_for(usd_invoice | eur_iban | eur_plain)
        html = reminder.payment_html
        self.assertEqual(html.count("/report/barcode/?barcode_type=QR"), 1, "only the euro invoice on the IBAN")
        row = html[html.index(eur_iban.name):]
        self.assertTrue(row[:row.index("</tr>")].count("/report/barcode/"), "the QR code is on its own row")
        self.assertNotIn(usd_invoice.name, html[html.index("<table"):], "no row without anything to offer")
        items = self.statement_items()
        self.assertIn("/report/barcode/?barcode_type=QR", items[eur_iban.name]["qr"])
        self.assertFalse(items[usd_invoice.name]["qr"])
        self.assertFalse(items[eur_plain.name]["qr"])
        # why not: Odoo's own reasons, translated
        Move = self.env["account.move"]
        self.assertIn("0071000123456 - Vietcombank gives no QR code: The following error prevented 'SEPA Credit "
                      "Transfer QR'", Move._debt_qr_problem(self.bank_account, self.currency))
        self.assertIn("SEPA QR Code with the USD currency", Move._debt_qr_problem(self.iban, self.currency))
        self.assertEqual(Move._debt_qr_problem(self.iban, self.eur), "")
        self.assertIn("no bank account", Move._debt_qr_problem(self.env["res.partner.bank"], self.currency))
        wizard = self.env["debt.statement.wizard"].with_user(self.collection_manager).with_context(
            active_model="res.partner", active_ids=self.customer.ids).create({})
        self.assertIn("0071000123456", wizard.qr_warning, "the company's bank account gives none")
        # QR codes off in Odoo's settings: none at all
        self.company.qr_code = False
        self.env.invalidate_all()
        self.assertNotIn("/report/barcode/", reminder.payment_html)
        self.assertFalse(self.statement_items()[eur_iban.name]["qr"])
        self.assertFalse(wizard.qr_warning)

    def test_early_payment_discount(self):
        term = self.env["account.payment.term"].create({
            "name": "2% 10 days, net 30", "early_discount": True, "discount_percentage": 2, "discount_days": 10,
            "line_ids": [Command.create({"value": "percent", "value_amount": 100, "nb_days": 30})]})
        recent = self._invoice(self.customer, 1000.0, 3, payment_term=term)  # discount until 7 days from now
        late = self._invoice(self.customer, 500.0, 20, payment_term=term)  # discount date passed
        reminder = self.reminder_for(recent | late, offset=-3)
        self.assertIn("Early payment discount: pay $\xa0980.00 by 06/22/2026.", reminder.payment_html)
        self.assertEqual(reminder.payment_html.count("Early payment discount"), 1)
        items = self.statement_items()
        self.assertEqual(items[recent.name]["discount_text"], "Early payment discount: pay $\xa0980.00 by 06/22/2026.")
        self.assertEqual(items[late.name]["discount_text"], "")
        # once partly paid, Odoo grants no discount any more
        self._pay(recent, 100.0, 0)
        self.env.invalidate_all()
        self.assertNotIn("Early payment discount", reminder.payment_html)
