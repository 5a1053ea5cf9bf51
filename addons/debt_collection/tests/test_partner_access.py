"""The partner side of the policy "Who sees what" (README): one test per row of the partner part of the table,
each acting as the user concerned (``with_user``) and expecting the refusal or the empty value."""

from datetime import date

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common import TODAY, DebtCollectionCommon

# the tests' environment turns the chatter's tracking off (DISABLED_MAIL_CONTEXT); these writes need it
TRACKING = {"tracking_disable": False, "mail_notrack": False}

FIGURES = ["debt_total_receivable", "overdue_amount", "overdue_invoice_count", "oldest_overdue_days",
           "credit_exposure", "last_payment_date", "on_credit_hold", "credit_hold_message"]


@tagged("post_install", "-at_install")
class TestPartnerAccess(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.debt_hold_overdue_days = 5
        cls.customer_a = cls._customer("Customer of A", user_id=cls.salesman_a.id)
        cls.customer_b = cls._customer("Customer of B", user_id=cls.salesman_b.id)
        cls.contact_a = cls.env["res.partner"].create({"name": "Ms Lan", "parent_id": cls.customer_a.id})
        cls.contact_b = cls.env["res.partner"].create({"name": "Mr Minh", "parent_id": cls.customer_b.id})
        cls.customer_a.collection_notes = "Owner is in hospital until July"
        cls.customer_b.collection_notes = "Pays on the 5th"
        # two overdue invoices each, 30 and 10 days old (the hold after 5 days overdue applies)
        for customer in (cls.customer_a, cls.customer_b):
            cls._invoice(customer, 100.0, 30)
            cls._invoice(customer, 50.0, 10)
        cls.env["debt.call"].create({"partner_id": cls.customer_a.id, "outcome": "refused"})
        cls.internal_user = new_test_user(
            cls.env, login="dc_internal", name="Internal", groups="base.group_user",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        cls.portal_user = new_test_user(cls.env, login="dc_portal", name="Portal", groups="base.group_portal")
        # a collector who is not a salesperson (only the collection user group)
        cls.collector = new_test_user(
            cls.env, login="dc_collector", name="Collector C", groups="debt_collection.group_debt_collection_user",
            company_id=cls.company.id, company_ids=[Command.set(cls.company.ids)])
        # as in most databases, internal users may edit contacts ("Contact Creation") and export: the
        # collection fields must be refused by the module itself, not by the lack of those rights
        extra = cls.env.ref("base.group_partner_manager") | cls.env.ref("base.group_allow_export")
        (cls.salesman_a | cls.salesman_b | cls.collection_manager | cls.collector | cls.internal_user).write(
            {"groups_id": [Command.link(group.id) for group in extra]})

    def _tracked(self, record):
        """The tracking values written in the chatter of ``record``."""
        return self.env["mail.tracking.value"].search([
            ("mail_message_id.model", "=", record._name), ("mail_message_id.res_id", "=", record.id)])

    # ------------------------------------------------------------------ debt figures and hold status
    def test_figures_owner_sees_other_salesperson_gets_nothing(self):
        mine = self.customer_a.with_user(self.salesman_a)
        self.assertAlmostEqual(mine.overdue_amount, 150.0, places=2)
        self.assertEqual(mine.overdue_invoice_count, 2)
        self.assertTrue(mine.on_credit_hold)
        theirs = self.customer_a.with_user(self.salesman_b)
        values = theirs.read(FIGURES)[0]
        self.assertEqual(
            {key: value for key, value in values.items() if key != "id"},
            {"debt_total_receivable": 0.0, "overdue_amount": 0.0, "overdue_invoice_count": 0,
             "oldest_overdue_days": 0, "credit_exposure": 0.0, "last_payment_date": False,
             "on_credit_hold": False, "credit_hold_message": False})
        # the same on search_read and export, and through a child contact
        rows = self.env["res.partner"].with_user(self.salesman_b).search_read(
            [("id", "in", (self.customer_a | self.contact_a).ids)], ["overdue_amount", "credit_hold_message"])
        self.assertEqual([(r["overdue_amount"], r["credit_hold_message"]) for r in rows], [(0.0, False)] * 2)
        exported = theirs.export_data(["overdue_amount", "debt_total_receivable"])["datas"]
        self.assertEqual(exported, [[0.0, 0.0]])
        # a collection manager sees everything
        self.assertAlmostEqual(self.customer_a.with_user(self.collection_manager).overdue_amount, 150.0, places=2)

    def test_figures_refused_to_other_internal_users_and_portal(self):
        for user in (self.internal_user, self.portal_user):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer_a.with_user(user).read(["overdue_amount"])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.internal_user).search_read(
                [("id", "=", self.customer_a.id)], ["credit_hold_message"])
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.internal_user).export_data(["debt_promise_amount"])
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_b).export_data(["name", "collection_notes"])

    def test_promise_figures_and_last_contact_hidden(self):
        self.assertEqual(self.customer_a.with_user(self.salesman_a).debt_last_contact_outcome, "refused")
        theirs = self.customer_a.with_user(self.salesman_b)
        self.assertFalse(theirs.debt_last_contact_outcome)
        self.assertFalse(theirs.debt_last_contact_date)
        self.assertEqual(theirs.debt_promise_amount, 0.0)

    def test_counts_of_smart_buttons_follow_the_rules(self):
        self.assertEqual(self.customer_a.with_user(self.salesman_a).debt_call_count, 1)
        self.assertEqual(self.customer_a.with_user(self.salesman_b).debt_call_count, 0)
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.internal_user).read(["debt_call_count"])

    # ------------------------------------------------------------------ collection notes (free text)
    def test_collection_notes_text(self):
        self.assertEqual(self.customer_a.with_user(self.salesman_a).debt_collection_notes,
                         "Owner is in hospital until July")
        self.assertFalse(self.customer_a.with_user(self.salesman_b).debt_collection_notes)
        # the stored text itself is for collection managers only, on every path (read, search, export)
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_b).read(["collection_notes"])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman_b).search([("collection_notes", "ilike", "hospital")])
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman_b).read_group(
                [("id", "=", self.customer_a.id)], ["collection_notes"], ["collection_notes"])
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_b).export_data(["collection_notes"])
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.internal_user).read(["debt_collection_notes"])
        # the owner writes them, another salesperson may not
        self.customer_a.with_user(self.salesman_a).debt_collection_notes = "Back from hospital"
        self.assertEqual(self.customer_a.collection_notes, "Back from hospital")
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_b).write({"debt_collection_notes": "Sneaky"})
        self.assertEqual(self.customer_a.with_user(self.collection_manager).debt_collection_notes,
                         "Back from hospital")

    # ------------------------------------------------------------------ manager-only fields
    def test_manual_hold_refused_to_salespeople(self):
        for user in (self.salesman_a, self.salesman_b):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer_a.with_user(user).write({"debt_manual_hold": True})
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_a).write({"debt_hold_reason": "x"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.salesman_a).create(
                {"name": "New", "user_id": self.salesman_a.id, "debt_manual_hold": True})
        # a new customer with the fields unset (as forms and copy() send them) is fine
        new = self.env["res.partner"].with_user(self.salesman_a).create(
            {"name": "New", "user_id": self.salesman_a.id, "credit_days": 0, "debt_manual_hold": False})
        self.assertEqual(new.collector_id, self.salesman_a)
        self.customer_a.write({"payment_contact_id": self.contact_a.id, "credit_days": 30})
        copy = self.customer_a.with_user(self.salesman_a).copy()
        self.assertEqual((copy.payment_contact_id, copy.credit_days), (self.env["res.partner"], 0))
        # the reason is the managers' (the owner reads it in the hold explanation)
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_a).read(["debt_hold_reason"])
        self.assertFalse(self.customer_a.with_company(self.company).debt_manual_hold)

    def test_manager_writes_of_hold_are_in_the_chatter(self):
        partner = self.customer_a.with_user(self.collection_manager).with_context(**TRACKING)
        self.env.cr.precommit.run()  # what the set-up left pending (created records are not tracked)
        partner.write({"debt_manual_hold": True, "debt_hold_reason": "Cheque bounced"})
        self.env.cr.precommit.run()  # the tracking is written when the transaction commits
        tracked = self._tracked(self.customer_a).filtered(
            lambda t: t.field_id.name in ("debt_manual_hold", "debt_hold_reason"))
        self.assertEqual(set(tracked.mapped("field_id.name")), {"debt_manual_hold", "debt_hold_reason"})
        self.assertIn("placed on hold by a manager: Cheque bounced",
                      self.customer_a.with_user(self.salesman_a).credit_hold_message)

    def test_sale_order_override_refused_to_salespeople(self):
        quotation = self._sale_order(self.customer_a, 10.0, confirm=False).with_user(self.salesman_a)
        with self.assertRaises(AccessError):
            quotation.write({"debt_hold_override": True, "debt_hold_override_reason": "I say so"})
        with self.assertRaises(AccessError):
            self.env["sale.order"].with_user(self.salesman_a).create({
                "partner_id": self.customer_a.id, "debt_hold_override": True})
        with self.assertRaisesRegex(UserError, "cannot be confirmed"):
            quotation.action_confirm()
        # another salesperson's order for A's customer is blocked too, without A's customer's figures
        other = self._sale_order(self.customer_a, 10.0, confirm=False)
        other.user_id = self.salesman_b
        with self.assertRaises(UserError) as error:
            other.with_user(self.salesman_b).action_confirm()
        self.assertNotIn("days overdue", str(error.exception))

    def test_manager_override_is_tracked(self):
        quotation = self._sale_order(self.customer_a, 10.0, confirm=False).with_context(**TRACKING)
        self.env.cr.precommit.run()  # what the set-up left pending (created records are not tracked)
        quotation.with_user(self.collection_manager)._debt_override_hold("Agreed by the director")
        self.env.cr.precommit.run()  # the tracking is written when the transaction commits
        tracked = self._tracked(quotation).filtered(
            lambda t: t.field_id.name in ("debt_hold_override", "debt_hold_override_reason"))
        self.assertEqual(set(tracked.mapped("field_id.name")), {"debt_hold_override", "debt_hold_override_reason"})

    def test_collector_and_credit_days_set_by_managers_only(self):
        # A may not make itself collector of B's customer, nor choose the collector of its own
        for partner in (self.customer_b, self.customer_a):
            with self.subTest(partner=partner.name):
                with self.assertRaises(AccessError):
                    partner.with_user(self.salesman_a).write({"collector_id": self.salesman_a.id})
                with self.assertRaises(AccessError):
                    partner.with_user(self.salesman_a).write({"debt_collector_id": self.salesman_a.id})
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_a).write({"credit_days": 90})
        self.assertEqual(self.customer_b.collector_id, self.salesman_b)
        self.customer_b.with_user(self.collection_manager).with_context(**TRACKING).collector_id = self.collector
        self.assertEqual(self.customer_b.collector_id, self.collector)
        self.env.cr.precommit.run()  # the tracking is written when the transaction commits
        self.assertIn("debt_collector_id", self._tracked(self.customer_b).field_id.mapped("name"))

    # ------------------------------------------------------------------ ownership follows the salesperson
    def test_moving_the_customer_moves_the_access(self):
        note = self.env["debt.note"].create({"partner_id": self.customer_a.id, "note": "Calls on Mondays"})
        Note = self.env["debt.note"]
        self.assertIn(note, Note.with_user(self.salesman_a).search([]))
        self.customer_a.user_id = self.salesman_b
        self.assertEqual(self.customer_a.collector_id, self.salesman_b)
        self.assertNotIn(note, Note.with_user(self.salesman_a).search([]))
        self.assertIn(note, Note.with_user(self.salesman_b).search([]))
        self.assertFalse(self.env["debt.worklist"].with_user(self.salesman_a).search(
            [("partner_id", "=", self.customer_a.id)]))
        self.assertEqual(self.customer_a.with_user(self.salesman_a).overdue_amount, 0.0)
        self.assertFalse(self.customer_a.with_user(self.salesman_a).debt_collection_notes)
        self.assertAlmostEqual(self.customer_a.with_user(self.salesman_b).overdue_amount, 150.0, places=2)

    # ------------------------------------------------------------------ payment contact, no reminders
    def test_payment_contact_is_a_contact_of_an_own_customer(self):
        partner = self.customer_a.with_user(self.salesman_a)
        partner.payment_contact_id = self.contact_a
        with self.assertRaises(ValidationError):
            partner.payment_contact_id = self.contact_b
        with self.assertRaises(ValidationError):
            partner.payment_contact_id = self.customer_b
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.salesman_a).payment_contact_id = self.contact_a
        with self.assertRaises(AccessError):
            self.customer_b.with_user(self.salesman_a).no_reminder = True
        self.assertEqual(self.customer_a.payment_contact_id, self.contact_a)

    # ------------------------------------------------------------------ attention flag, final notice
    def test_attention_flag_written_by_the_engine_cleared_by_owners(self):
        self.env["debt.call"].create({"partner_id": self.customer_a.id, "outcome": "disputed"})
        self.assertTrue(self.customer_a.debt_attention)
        for user in (self.salesman_a, self.salesman_b, self.collection_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.customer_a.with_user(user).write({"debt_attention": False})
        with self.assertRaises(AccessError):
            self.customer_a.with_user(self.salesman_a).write({"debt_final_notice": True})
        with self.assertRaises(UserError):
            self.customer_a.with_user(self.salesman_b).action_debt_clear_attention()
        self.assertTrue(self.customer_a.debt_attention)
        self.customer_a.with_user(self.salesman_a).action_debt_clear_attention()
        self.assertFalse(self.customer_a.debt_attention)

    # ------------------------------------------------------------------ collection history (debt.note)
    def test_note_cannot_be_moved_nor_forged(self):
        Note = self.env["debt.note"].with_user(self.salesman_a)
        note = Note.create({"partner_id": self.customer_a.id, "note": "Will pay Friday",
                            "author_id": self.salesman_b.id, "date": date(2020, 1, 1)})
        self.assertEqual((note.author_id, note.date), (self.salesman_a, TODAY))
        other_of_a = self._customer("Other of A", user_id=self.salesman_a.id)
        with self.assertRaises(UserError):
            note.write({"partner_id": other_of_a.id})
        with self.assertRaises(UserError):
            note.write({"author_id": self.salesman_b.id})
        with self.assertRaises(UserError):
            note.write({"date": date(2020, 1, 1)})
        with self.assertRaises(AccessError):
            Note.create({"partner_id": self.customer_b.id, "note": "Not mine"})
        with self.assertRaises(UserError):
            note.with_user(self.collection_manager).write({"partner_id": self.customer_b.id})

    # ------------------------------------------------------------------ lists agree with counts
    def test_overdue_items_behind_the_count(self):
        self.customer_b.with_user(self.collection_manager).collector_id = self.collector
        for user, partner in ((self.collector, self.customer_b), (self.salesman_b, self.customer_b)):
            with self.subTest(user=user.login):
                partner = partner.with_user(user)
                count = partner.overdue_invoice_count
                self.assertEqual(count, 2)
                action = partner.action_view_debt_open_items()
                today = fields.Date.to_string(TODAY)
                lines = self.env["account.move.line"].with_user(user).search(
                    action["domain"] + [("date_maturity", "<", today)])
                self.assertEqual(len(lines.move_id), count)
                self.assertEqual(lines.partner_id, self.customer_b)
        # nothing more: the collector of B's customer sees none of A's customer's items
        action = self.customer_a.with_user(self.collection_manager).action_view_debt_open_items()
        self.assertEqual(len(self.env["account.move.line"].search(action["domain"])), 2)
        self.assertFalse(self.env["account.move.line"].with_user(self.collector).search(action["domain"]))

    # ------------------------------------------------------------------ multi-company
    def test_collector_no_reminder_attention_per_company(self):
        company_2 = self.setup_other_company(name="Partner Access Co 2")["company"]
        both = self.company | company_2
        self.collection_manager.write({"company_ids": [Command.set(both.ids)]})
        self.salesman_a.write({"company_ids": [Command.set(both.ids)]})
        manager = self.customer_b.with_user(self.collection_manager)
        manager.with_company(self.company).write({"collector_id": self.salesman_a.id, "no_reminder": True})
        self.assertEqual(self.customer_b.with_company(self.company).collector_id, self.salesman_a)
        self.assertEqual(self.customer_b.with_company(company_2).collector_id, self.salesman_b)
        self.assertTrue(self.customer_b.with_company(self.company).no_reminder)
        self.assertFalse(self.customer_b.with_company(company_2).no_reminder)
        # A collects B's customer in the first company only
        self.assertAlmostEqual(
            self.customer_b.with_user(self.salesman_a).with_company(self.company).overdue_amount, 150.0, places=2)
        self.assertEqual(
            self.customer_b.with_user(self.salesman_a).with_company(company_2).overdue_amount, 0.0)
        rows = self.env["debt.worklist"].with_user(self.salesman_a).search([("partner_id", "=", self.customer_b.id)])
        self.assertEqual((rows.company_id, rows.collector_id), (self.company, self.salesman_a))
        # a disputed call in the second company flags the customer there only
        self.env["debt.call"].with_company(company_2).create({
            "partner_id": self.customer_b.id, "outcome": "disputed", "company_id": company_2.id})
        self.assertTrue(self.customer_b.with_company(company_2).debt_attention)
        self.assertFalse(self.customer_b.with_company(self.company).debt_attention)

    def test_aging_report_follows_the_collector_of_each_company(self):
        company_2 = self.setup_other_company(name="Partner Access Aging Co 2")["company"]
        both = self.company | company_2
        self.salesman_a.write({"company_ids": [Command.set(both.ids)]})
        self._invoice(self.customer_b, 70.0, 20, company=company_2)
        # A collects B's customer in the first company only
        self.customer_b.with_company(self.company).collector_id = self.salesman_a
        report = self.env["debt.aging.report"].with_user(self.salesman_a).with_context(
            allowed_company_ids=both.ids).create({"company_ids": [Command.set(both.ids)]})
        report._compute_lines()
        lines = report.line_ids.filtered(lambda line: line.partner_id == self.customer_b)
        self.assertEqual(lines.company_id, self.company)
        self.assertAlmostEqual(sum(lines.mapped("amount")), 150.0, places=2)
        self.assertEqual(lines.collector_id, self.salesman_a)
        # the collector filter of a manager's report: per company too
        self.collection_manager.write({"company_ids": [Command.set(both.ids)]})
        report = self.env["debt.aging.report"].with_user(self.collection_manager).with_context(
            allowed_company_ids=both.ids).create({
                "company_ids": [Command.set(both.ids)], "collector_ids": [Command.set(self.salesman_a.ids)]})
        report._compute_lines()
        lines = report.line_ids.filtered(lambda line: line.partner_id == self.customer_b)
        self.assertEqual(lines.company_id, self.company)

    # ------------------------------------------------------------------ individual customers in pickers
    def test_individual_customers_can_be_chosen(self):
        person = self.env["res.partner"].create({"name": "Tran Thi Mai", "user_id": self.salesman_a.id})
        self.assertFalse(person.is_company)
        for model in ("debt.call", "debt.promise", "debt.note"):
            with self.subTest(model=model):
                domain = self.env[model]._fields["partner_id"].domain
                self.assertIn(person, self.env["res.partner"].search(domain + [("id", "=", person.id)]))
                self.assertNotIn(self.contact_a, self.env["res.partner"].search(
                    domain + [("id", "=", self.contact_a.id)]))
        note = self.env["debt.note"].with_user(self.salesman_a).create({"partner_id": person.id, "note": "Cash"})
        self.assertEqual(note.partner_id, person)

    # ------------------------------------------------------------------ query count with the access checks
    def test_figures_constant_queries_as_salesperson(self):
        partners = self.env["res.partner"]
        for index in range(50):
            partner = self._customer(f"Bulk A {index}", user_id=self.salesman_a.id if index % 2 else self.salesman_b.id)
            self._invoice(partner, 10.0 + index, index)
            partners |= partner
        fnames = ["debt_total_receivable", "overdue_amount", "oldest_overdue_days", "credit_exposure",
                  "on_credit_hold", "overdue_invoice_count"]
        partners = partners.with_user(self.salesman_a)
        partners.read(fnames)  # warm the registry caches
        counts = []
        for records in (partners[1:2], partners):
            self.env.invalidate_all()
            records.mapped("name")  # load the records themselves outside the count
            self.env.flush_all()
            before = self.cr.sql_log_count
            records.read(fnames)
            counts.append(self.cr.sql_log_count - before)
        self.assertEqual(counts[0], counts[1], "as many queries for 1 and 50 partners")
        self.assertLessEqual(counts[1], 5)
        values = partners.read(["overdue_amount"])
        self.assertEqual(sum(1 for v in values if v["overdue_amount"]), 25)  # A's customers only
