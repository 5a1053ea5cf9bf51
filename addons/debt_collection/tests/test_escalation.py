import io

import openpyxl
from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tools.misc import format_amount

from .common_reminder import ReminderCommon, d


@tagged("post_install", "-at_install")
class TestEscalation(ReminderCommon):
    """A customer handed over to an agency or to legal: reminders stop until the case is returned, the worklist
    shows the stage, the dossier (PDF + XLSX) holds the customer's file, collection managers only."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._reminder_customer("Escalated Customer", ref="C-042", vat="0301234567")
        cls.invoice = cls._invoice_due(cls.customer, 1000.0, d("2026-06-08"))  # +7 on Monday 15 June
        cls.agency = cls.env["res.partner"].create({"name": "Saigon Debt Recovery", "is_company": True})
        cls.Escalation = cls.env["debt.escalation"].with_user(cls.collection_manager)

    def _escalate(self, **values):
        return self.Escalation.create({
            "partner_id": self.customer.id, "stage": "agency", "party_id": self.agency.id,
            "reason": "Three broken promises, no answer since May.", **values})

    def _partner_messages(self):
        return self.customer.message_ids.mapped("body")

    def test_escalation_stops_reminders_until_returned(self):
        case = self._escalate()
        self.assertEqual((case.state, case.date, case.company_id), ("active", d("2026-06-15"), self.company))
        row = self.env["debt.worklist"].search([("partner_id", "=", self.customer.id)])
        self.assertEqual(row.escalation_stage, "agency")
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
            self.run_cron("2026-06-16 03:00:00")
            self.assertFalse(self.reminders(self.customer), "no reminder while the case is with the agency")
            self.assertFalse(self._new_mails)
            preview = self.env["debt.reminder.preview"].create({"run_time": "2026-06-16 03:00:00"})
            preview.action_compute()
            line = preview.line_ids.filtered(lambda line: line.partner_id == self.customer)
            self.assertEqual(line.status, "hold")
            self.assertIn("handed over to a collection agency or to legal", line.reason)
            # returned on Tuesday: the reminder goes out at the next run
            with freeze_time("2026-06-16 04:00:00"):
                wizard = self.env["debt.escalation.return"].with_user(self.collection_manager).create({
                    "escalation_id": case.id, "note": "The agency gave up: back to us."})
                wizard.action_confirm()
            self.assertRecordValues(case, [{"state": "returned", "return_date": d("2026-06-16"),
                                            "returned_by_id": self.collection_manager.id}])
            self.env.invalidate_all()
            self.assertFalse(self.env["debt.worklist"].search(
                [("partner_id", "=", self.customer.id)]).escalation_stage)
            self.run_cron("2026-06-16 07:00:00")  # 14:00 in Ho Chi Minh City: working hours
        reminder = self.reminders(self.customer)
        self.assertRecordValues(reminder, [{"state": "queued", "rule_id": self.rule[7].id, "amount_due": 1000.0}])
        self.assertEqual(len(self._new_mails), 1)
        messages = "\n".join(self._partner_messages())
        self.assertIn("Handed over to Saigon Debt Recovery (Collection agency) on 06/15/2026", messages)
        self.assertIn("Three broken promises", messages)
        self.assertIn("Returned from Saigon Debt Recovery on 06/16/2026", messages)
        self.assertIn("The agency gave up", messages)

    def test_escalation_in_another_company_does_not_stop_reminders(self):
        other = self.env["res.company"].create({"name": "Other Co (escalation)"})
        self.env.user.company_ids |= other
        self.collection_manager.company_ids |= other
        self.Escalation.with_company(other).create({
            "partner_id": self.customer.id, "company_id": other.id, "party_id": self.agency.id, "reason": "Elsewhere"})
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
        self.assertEqual(self.reminders(self.customer).state, "queued")

    def test_manager_only(self):
        user = self.salesman_a  # the customer's salesperson: a collection user
        with self.assertRaises(AccessError):
            self.env["debt.escalation"].with_user(user).create({
                "partner_id": self.customer.id, "party_id": self.agency.id, "reason": "Try"})
        case = self._escalate()
        with self.assertRaises(AccessError):
            case.with_user(user).read(["state"])
        with self.assertRaises(AccessError):
            case.with_user(user).action_debt_return("Not mine to return")
        with self.assertRaises(AccessError):
            self.env["debt.escalation.return"].with_user(user).create({"escalation_id": case.id, "note": "x"})
        with self.assertRaises(AccessError):
            case.with_user(user).write({"stage": "legal"})
        self.assertEqual((case.state, case.stage), ("active", "agency"))

    def test_bad_input(self):
        case = self._escalate()
        with self.assertRaisesRollback(UserError, "already handed over"):
            self._escalate(stage="legal")
        self.assertEqual(self.env["debt.escalation"].search_count([("partner_id", "=", self.customer.id)]), 1)
        with self.assertRaisesRollback(UserError, "returned with the \"Return\" button"):
            case.write({"state": "returned"})
        with self.assertRaisesRollback(UserError, "say why"):
            case.with_user(self.collection_manager).action_debt_return("  ")
        with self.assertRaisesRollback(UserError, "before it was handed over"):
            case.with_user(self.collection_manager).action_debt_return("Too early", d("2026-06-01"))
        with self.assertRaisesRollback(UserError, "cannot be deleted"):
            case.with_user(self.collection_manager).unlink()
        case.with_user(self.collection_manager).action_debt_return("Settled")
        messages = len(self.customer.message_ids)
        with self.assertRaisesRollback(UserError, "already returned"):
            case.with_user(self.collection_manager).action_debt_return("Twice")
        self.assertEqual(len(self.customer.message_ids), messages)
        self.assertEqual(case.return_note, "Settled")
        with self.assertRaisesRollback(ValidationError, "reason of the hand-over"):
            self._escalate(reason="   ")
        with self.assertRaisesRollback(ValidationError, "to itself"):
            self._escalate(party_id=self.customer.id)
        # after the return, a new case can be opened
        self.assertEqual(self._escalate(stage="legal").stage, "legal")

    def test_dossier_contents(self):
        # a partial payment, a foreign-currency invoice, a call, a promise, a note, a reminder sent
        self._pay(self.invoice, 400.0, 3)
        eur_invoice = self._invoice(self.customer, 300.0, 10, currency=self.eur)  # 150.00 at 2 EUR per unit
        with self.gateways():
            self.run_cron("2026-06-15 03:00:00")
        sent = self.reminders(self.customer)
        self.assertEqual(sent.state, "queued")
        with freeze_time("2026-06-12 04:00:00"):
            self.env["debt.call"].create({
                "partner_id": self.customer.id, "user_id": self.salesman_a.id, "outcome": "refused",
                "note": "<p>Says the goods were late</p>"})
            self.env["debt.promise"].create({
                "partner_id": self.customer.id, "amount": 250.0, "promised_date": d("2026-06-13"),
                "invoice_ids": [Command.set(self.invoice.ids)]})
        self.env["debt.note"].create({
            "partner_id": self.customer.id, "category": "dispute", "note": "=HYPERLINK(\"http://x\",\"click\")"})
        case = self._escalate(stage="legal")
        self.assertEqual(case.open_amount, 750.0)  # 600.00 left of the invoice + 150.00 of the EUR one
        self.assertEqual(len(case.dossier_ids), 3, "the dossier's PDF and XLSX, and the customer's statement")
        statement = case.dossier_ids.filtered(lambda a: a.name.startswith("Statement - "))
        self.assertEqual(statement.name, "Statement - Escalated Customer %s.pdf" % case.date)
        self.assertIn(self.invoice.name, statement.raw.decode())
        pdf = case.dossier_ids.filtered(lambda a: a.name.startswith("Dossier") and a.name.endswith((".pdf", ".html")))
        xlsx = case.dossier_ids.filtered(lambda a: a.name.endswith(".xlsx"))
        self.assertEqual(xlsx.name, "Dossier - Escalated Customer.xlsx")
        self.assertEqual((pdf.res_model, pdf.res_id), ("debt.escalation", case.id))
        html = pdf.raw.decode()  # tests render reports as HTML (no force_report_rendering)
        for text in (self.invoice.name, eur_invoice.name, "600.00", "150.00", "750.00", "300.00",
                     "0301234567", "C-042", "Saigon Debt Recovery", "Legal", "Refused to pay",
                     "Says the goods were late", "250.00", "Open", sent.rule_id.name, "Dispute",
                     "=HYPERLINK(&#34;http://x&#34;,&#34;click&#34;)"):
            self.assertIn(text, html)

        book = openpyxl.load_workbook(io.BytesIO(xlsx.raw))
        self.assertEqual(book.sheetnames,
                         ["Customer", "Open Items", "Calls", "Promises", "Reminders Sent", "Notes"])
        items = list(book["Open Items"].iter_rows(min_row=2, values_only=True))
        # by due date: the EUR invoice of 5 June, then the one of 8 June
        self.assertEqual([row[0] for row in items], [eur_invoice.name, self.invoice.name, "Total"])
        self.assertEqual([row[7] for row in items], [150.0, 600.0, 750.0])
        self.assertEqual(items[0][5:7], ("EUR", 300.0))
        self.assertEqual([row[4] for row in items[:2]], [10, 7])  # days overdue on 15 June
        customer = {row[0]: row[1] for row in book["Customer"].iter_rows(min_row=2, values_only=True)}
        self.assertEqual(customer["Customer"], "Escalated Customer")
        self.assertEqual(customer["Stage"], "Legal")
        self.assertEqual(customer["Open Amount"], 750.0)
        calls = list(book["Calls"].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(row[3], row[4]) for row in calls], [("Refused to pay", "Says the goods were late")])
        promises = list(book["Promises"].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(row[2], row[4]) for row in promises], [(250.0, "Open")])
        reminders = list(book["Reminders Sent"].iter_rows(min_row=2, values_only=True))
        self.assertEqual([(row[1], row[3]) for row in reminders], [(sent.rule_id.name, 750.0)])
        note_cell = book["Notes"]["D2"]
        self.assertEqual((note_cell.value, note_cell.data_type), ("=HYPERLINK(\"http://x\",\"click\")", "s"))

        # the amounts as Odoo's format_amount() writes them, in the reader's language
        big = self._invoice(self.customer, 1234567.5, 1)
        Report = self.env["report.debt_collection.report_debt_dossier"]
        for lang in ("en_US", "vi_VN", "zh_TW"):
            report = Report.with_context(lang=lang)
            dossier = report._debt_formatted(report._debt_dossier_data(case))
            shown = {item["name"]: item for item in dossier["items"]}
            self.assertEqual(shown[big.name]["residual"], format_amount(report.env, 1234567.5, self.currency))
            self.assertEqual(shown[eur_invoice.name]["amount_currency"],
                             format_amount(report.env, 300.0, self.eur))
            if lang == "vi_VN":  # thousands by dots, decimals after a comma
                self.assertEqual(shown[big.name]["residual"], "$\xa01.234.567,50")

        # rebuilt on demand: the new documents replace the old ones
        old = case.dossier_ids
        case.with_user(self.collection_manager).action_debt_rebuild_dossier()
        self.assertEqual(len(case.dossier_ids), 3)
        self.assertFalse(old.exists())
