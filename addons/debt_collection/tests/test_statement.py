import base64
import io
import zipfile
from datetime import timedelta

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import TODAY, days_ago
from .common_reminder import ReminderCommon

WORKING_TIME = "2026-06-15 03:00:00"  # Monday 15 June 2026, 10:00 in Ho Chi Minh City


@tagged("post_install", "-at_install")
class TestStatement(ReminderCommon):
    """The customer statement against the journal: partial payments, credit notes, a foreign-currency invoice,
    a period in the past, the aging of the closing balance, the wizard, the checks and the rights."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._reminder_customer("Minh Phat")
        cls.inv_old = cls._invoice(cls.customer, 1000.0, 40)  # before the period: the opening balance
        cls.inv_part = cls._invoice(cls.customer, 500.0, 20)
        cls.inv_eur = cls._invoice(cls.customer, 300.0, 15, currency=cls.eur)  # 150.00 in company currency
        cls.payment = cls._pay(cls.inv_part, 200.0, 10)
        cls.refund = cls._invoice(cls.customer, 100.0, 5, move_type="out_refund")  # open credit note

    def statement(self, date_from, date_to, partner=None):
        partner = (partner or self.customer).with_user(self.collection_manager)
        return partner._debt_statement_data(date_from, date_to)[partner.id]

    def journal_balance(self, date_to):
        """The customer's receivable balance on ``date_to``, straight from the journal."""
        lines = self.env["account.move.line"].search([
            ("partner_id", "=", self.customer.id), ("account_id.account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"), ("date", "<=", date_to), ("company_id", "=", self.company.id)])
        return sum(lines.mapped("balance"))

    def test_balances_against_the_journal(self):
        st = self.statement(days_ago(30), TODAY)
        self.assertEqual(st["opening_balance"], 1000.0)
        self.assertEqual(st["opening_balance"], self.journal_balance(days_ago(31)))
        self.assertEqual(
            [(line["kind"], line["name"], line["balance"], line["running_balance"]) for line in st["lines"]],
            [("invoice", self.inv_part.name, 500.0, 1500.0),
             ("invoice", self.inv_eur.name, 150.0, 1650.0),
             ("payment", self.payment.move_id.name, -200.0, 1450.0),
             ("refund", self.refund.name, -100.0, 1350.0)])
        self.assertEqual(st["closing_balance"], 1350.0)
        self.assertEqual(st["closing_balance"], self.journal_balance(TODAY))
        eur_line = st["lines"][1]
        self.assertTrue(eur_line["foreign"])
        self.assertEqual((eur_line["amount_currency"], eur_line["currency_id"]), (300.0, self.eur.id))
        self.assertEqual((st["total_debit"], st["total_credit"]), (650.0, 300.0))
        # the aging of the closing balance: each open item in its column (15-day profile), the credit note negative
        self.assertEqual(st["aging_labels"][:4], ["Not due", "1-15", "16-30", "31-45"])
        self.assertEqual(st["aging_amounts"][:4], [0.0, 50.0, 300.0, 1000.0])  # 150 - 100; 300; 1000
        self.assertAlmostEqual(sum(st["aging_amounts"]), st["closing_balance"])
        self.assertEqual({item["name"]: item["amount"] for item in st["open_items"]}, {
            self.inv_old.name: 1000.0, self.inv_part.name: 300.0, self.inv_eur.name: 150.0,
            self.refund.name: -100.0})

    def test_period_in_the_past(self):
        """Up to 12 days ago: the payment (10 days ago) and the credit note are after it; the partly paid invoice
        is open for its whole amount on that day (rebuilt from the reconciliation dated after it)."""
        st = self.statement(days_ago(30), days_ago(12))
        self.assertEqual(st["closing_balance"], 1650.0)
        self.assertEqual(st["closing_balance"], self.journal_balance(days_ago(12)))
        self.assertEqual({item["name"]: item["amount"] for item in st["open_items"]}, {
            self.inv_old.name: 1000.0, self.inv_part.name: 500.0, self.inv_eur.name: 150.0})
        self.assertAlmostEqual(sum(st["aging_amounts"]), 1650.0)
        # a period with no movement: opening = closing
        st = self.statement(days_ago(39), days_ago(39))
        self.assertEqual((st["opening_balance"], st["closing_balance"], st["lines"]), (1000.0, 1000.0, []))

    def test_bad_input(self):
        partner = self.customer.with_user(self.collection_manager)
        with self.assertRaisesRegex(UserError, "reversed"):
            partner._debt_statement_data(TODAY, days_ago(1))
        with self.assertRaisesRegex(UserError, "both a start date and an end date"):
            partner._debt_statement_data(False, TODAY)
        nobody = self._reminder_customer("No Receivable")
        with self.assertRaisesRegex(UserError, "No Receivable: no receivable journal item"):
            nobody.with_user(self.collection_manager)._debt_statement_pdf(days_ago(30), TODAY)
        # before the first invoice: nothing to state either
        with self.assertRaisesRegex(UserError, "no receivable journal item"):
            partner._debt_statement_data(days_ago(90), days_ago(60))
        wizard = self.env["debt.statement.wizard"].with_user(self.collection_manager).with_context(
            active_model="res.partner", active_ids=self.customer.ids).create({})
        wizard.write({"date_from": TODAY, "date_to": days_ago(3)})
        with self.assertRaisesRegex(UserError, "reversed"):
            wizard.action_print()

    def test_rights(self):
        """Salesperson B may not print the statement of Sales A's customer (its figures), nor open the wizard."""
        with self.assertRaises(AccessError):
            self.customer.with_user(self.salesman_b)._debt_statement_pdf(days_ago(30), TODAY)
        with self.assertRaises(AccessError):
            self.env["debt.statement.wizard"].with_user(self.salesman_b).with_context(
                active_model="res.partner", active_ids=self.customer.ids).default_get(["partner_ids"])
        with self.assertRaises(AccessError):
            self.env["debt.statement.wizard"].with_user(self.salesman_b).create({
                "partner_ids": self.customer.ids, "date_from": days_ago(30), "date_to": TODAY})
        with self.assertRaises(AccessError):
            self.env["ir.actions.report"].with_user(self.salesman_b)._render_qweb_html(
                "debt_collection.action_report_debt_statement", self.customer.ids)
        # its own salesperson may
        pdf, name = self.customer.with_user(self.salesman_a)._debt_statement_pdf(days_ago(30), TODAY)
        self.assertIn(self.inv_part.name, pdf.decode())
        self.assertEqual(name, "Statement - Minh Phat 2026-06-15.pdf")

    def test_rendered_in_the_customers_language(self):
        """The report (HTML under the test runner) in the customer's language, with the company header, the
        movements, the original currency and the aging."""
        self.customer.lang = "vi_VN"
        html = self.customer.with_user(self.collection_manager)._debt_statement_pdf(days_ago(30), TODAY)[0].decode()
        for text in (self.inv_part.name, self.inv_eur.name, self.refund.name, self.payment.move_id.name,
                     self.company.name, "300,00\xa0€", "$\xa01.350,00", "Số dư đầu kỳ", "Hóa đơn bán hàng",
                     "Chưa đến hạn"):
            self.assertIn(text, html)
        self.customer.lang = "en_US"
        html = self.customer.with_user(self.collection_manager)._debt_statement_pdf(days_ago(30), TODAY)[0].decode()
        self.assertIn("Opening balance", html)
        self.assertIn("$\xa01,350.00", html)

    def test_wizard_defaults_and_several_customers(self):
        """From the worklist: the wizard starts with this month or the oldest open item; one customer prints the
        report, several give a ZIP of one statement each."""
        other = self._reminder_customer("Hoa Binh")
        self._invoice(other, 700.0, 3)
        rows = self.env["debt.worklist"].with_user(self.collection_manager).search(
            [("partner_id", "in", (self.customer | other).ids)])
        self.assertEqual(len(rows), 2)
        form = Form(self.env["debt.statement.wizard"].with_user(self.collection_manager).with_context(
            active_model="debt.worklist", active_ids=rows.ids))
        self.assertEqual(form.date_from, days_ago(40), "since the oldest open item, older than the month")
        self.assertEqual(form.date_to, TODAY)
        wizard = form.save()
        self.assertEqual(wizard.partner_ids, self.customer | other)
        action = wizard.action_print()
        self.assertEqual(action["type"], "ir.actions.act_url")
        attachment = self.env["ir.attachment"].browse(int(action["url"].split("/")[3].split("?")[0]))
        with zipfile.ZipFile(io.BytesIO(base64.b64decode(attachment.datas))) as archive:
            self.assertEqual(sorted(archive.namelist()), [
                "Statement - Hoa Binh 2026-06-15.pdf", "Statement - Minh Phat 2026-06-15.pdf"])
            self.assertIn(self.inv_part.name, archive.read("Statement - Minh Phat 2026-06-15.pdf").decode())
        # one customer: this month when nothing is older
        form = Form(self.env["debt.statement.wizard"].with_user(self.collection_manager).with_context(
            active_model="res.partner", active_ids=other.ids))
        self.assertEqual(form.date_from, TODAY.replace(day=1))
        action = form.save().action_print()
        self.assertEqual(action["report_name"], "debt_collection.report_debt_statement")
        self.assertEqual(action["data"], {"date_from": "2026-06-01", "date_to": "2026-06-15"})

    def test_attached_to_reminders_per_rule(self):
        """A rule with "Attach statement" attaches the customer's statement to its e-mail; the others do not."""
        customer = self._reminder_customer("Attach Me")
        invoice = self._invoice_due(customer, 800.0, TODAY - timedelta(days=7))
        self.rule[7].attach_statement = True
        with self.gateways():
            self.run_cron(WORKING_TIME)
        reminder = self.reminders(customer)
        self.assertEqual(reminder.state, "queued")
        attachments = reminder.sent_message_ids.attachment_ids
        self.assertEqual(attachments.mapped("name"), ["Statement - Attach Me 2026-06-15.pdf"])
        self.assertIn(invoice.name, attachments.raw.decode())
        mail = self.env["mail.mail"].search([("mail_message_id", "in", reminder.sent_message_ids.ids)])
        self.assertEqual(mail.attachment_ids, attachments, "the e-mail carries it")
        # a rule without the option: no attachment
        other = self._reminder_customer("No Attachment")
        self._invoice_due(other, 800.0, TODAY - timedelta(days=7))
        self.rule[7].attach_statement = False
        with self.gateways():
            self.run_cron(WORKING_TIME)
        self.assertFalse(self.reminders(other).sent_message_ids.attachment_ids)

    def test_draft_late_charges_until_invoiced(self):
        """Late-payment charges proposed as a draft invoice (debt.late.charge) are listed apart, in the customer's
        language, outside the balance; cancelled, they leave the statement (nothing is charged); posted, the invoice
        is a movement of the statement like any other."""
        self.company.write({"debt_charge_enabled": True, "debt_charge_method": "interest", "debt_charge_rate": 12.0,
                            "debt_charge_grace_days": 5})
        Charge = self.env["debt.late.charge"]  # drafted as the monthly job does (its user creates invoices)
        title = "Late-payment charges proposed (not yet invoiced)"

        def html(lang="en_US"):
            self.customer.lang = lang
            partner = self.customer.with_user(self.collection_manager)
            return partner._debt_statement_pdf(days_ago(30), TODAY)[0].decode()

        self.assertNotIn(title, html())
        draft = Charge._debt_propose(self.customer, self.company, TODAY)
        # 1000.00 x 12% x 35 / 365 = 11.51; 300.00 x 12% x 15 / 365 = 1.48; 150.00 x 12% x 10 / 365 = 0.49
        self.assertEqual((draft.state, draft.amount_total), ("draft", 13.48))
        st = self.statement(days_ago(30), TODAY)
        self.assertEqual(st["draft_charges"], [{"move_id": draft.id, "date": TODAY, "kinds": ["interest"],
                                                "amount": 13.48, "currency_id": self.currency.id}])
        self.assertEqual(st["closing_balance"], 1350.0, "a proposal is not in the balance")
        shown = html()
        self.assertIn(title, shown)
        self.assertIn("$\xa013.48", shown)
        shown = html("vi_VN")
        for text in ("Phí chậm thanh toán đề xuất (chưa xuất hóa đơn)", "$\xa013,48", "Lãi"):
            self.assertIn(text, shown)
        # cancelled (by accounting): nothing charged, gone from the statement
        draft.button_cancel()
        shown = html()
        self.assertNotIn(title, shown)
        self.assertNotIn("$\xa013.48", shown)
        # proposed again (the cancelled draft freed its days), then posted: a movement, no longer a proposal
        again = Charge._debt_propose(self.customer, self.company, TODAY)
        self.assertEqual(again.amount_total, 13.48)
        self.assertIn(title, html())
        again.action_post()
        st = self.statement(days_ago(30), TODAY)
        self.assertEqual(st["draft_charges"], [])
        self.assertEqual((st["lines"][-1]["name"], st["closing_balance"]), (again.name, 1363.48))
        shown = html()
        self.assertNotIn(title, shown)
        self.assertIn(again.name, shown)
