from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DebtCollectionCommon


@tagged("post_install", "-at_install")
class TestSecurity(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._customer("Customer of A", user_id=cls.salesman_a.id)
        cls.customer_b = cls._customer("Customer of B", user_id=cls.salesman_b.id)
        cls.collected_by_b = cls._customer("Sold by A, collected by B", user_id=cls.salesman_a.id,
                                           collector_id=cls.salesman_b.id)
        cls.note_a = cls.env["debt.note"].create({
            "partner_id": cls.customer_a.id, "category": "late_payment", "note": "Waiting for their customer"})
        cls.note_b = cls.env["debt.note"].create({
            "partner_id": cls.customer_b.id, "category": "dispute", "note": "Disputes the delivery"})
        cls.note_collected = cls.env["debt.note"].create({
            "partner_id": cls.collected_by_b.id, "category": "agreement", "note": "Pays on the 5th"})
        for customer in (cls.customer_a, cls.customer_b, cls.collected_by_b):
            cls._invoice(customer, 100.0, 10)
        cls.company_2 = cls.setup_other_company(name="Other Co")["company"]
        cls.user_company_2 = new_test_user(
            cls.env, login="dc_other",
            groups="sales_team.group_sale_salesman,debt_collection.group_debt_collection_manager",
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])

    def test_groups(self):
        self.assertTrue(self.salesman_a.has_group("debt_collection.group_debt_collection_user"))
        self.assertFalse(self.salesman_a.has_group("debt_collection.group_debt_collection_manager"))
        accountant = new_test_user(self.env, login="dc_accountant", groups="account.group_account_manager")
        self.assertTrue(accountant.has_group("debt_collection.group_debt_collection_manager"))

    def test_collector_defaults_to_salesperson(self):
        self.assertEqual(self.customer_a.collector_id, self.salesman_a)
        self.assertEqual(self.collected_by_b.collector_id, self.salesman_b)
        # 18.0.2: the collector follows the salesperson unless set explicitly (it was copied once before)
        self.customer_a.user_id = self.salesman_b
        self.assertEqual(self.customer_a.collector_id, self.salesman_b)
        self.collected_by_b.user_id = self.salesman_b  # an explicit collector is kept
        self.assertEqual(self.collected_by_b.collector_id, self.salesman_b)
        self.collected_by_b.user_id = self.collection_manager
        self.assertEqual(self.collected_by_b.collector_id, self.salesman_b)

    def test_search_on_the_collector(self):
        Partner = self.env["res.partner"]
        nobody = Partner.create({"name": "Nobody's Customer"})
        self.assertIn(self.customer_a, Partner.search([("collector_id", "=", self.salesman_a.id)]))
        self.assertNotIn(self.collected_by_b, Partner.search([("collector_id", "=", self.salesman_a.id)]))
        self.assertIn(self.collected_by_b, Partner.search([("collector_id", "in", [self.salesman_b.id])]))
        # "has a collector": the salesperson counts as the collector when none is set (the upgrade check counts so)
        with_collector = Partner.search([("collector_id", "!=", False)])
        self.assertIn(self.customer_a, with_collector)
        self.assertNotIn(nobody, with_collector)
        without = Partner.search([("collector_id", "=", False)])
        self.assertIn(nobody, without)
        self.assertNotIn(self.customer_a, without)
        self.assertIn(nobody, Partner.search([("collector_id", "in", [False, self.salesman_b.id])]))
        self.assertFalse(Partner.search([("collector_id", "in", [])]))

    def test_salesperson_sees_only_own_notes(self):
        notes_a = self.env["debt.note"].with_user(self.salesman_a).search([])
        self.assertEqual(notes_a, self.note_a | self.note_collected)  # A sells to the collected customer
        notes_b = self.env["debt.note"].with_user(self.salesman_b).search([])
        self.assertEqual(notes_b, self.note_b | self.note_collected)
        with self.assertRaises(AccessError):
            self.note_b.with_user(self.salesman_a).read(["note"])
        with self.assertRaises(AccessError):
            self.env["debt.note"].with_user(self.salesman_a).create({
                "partner_id": self.customer_b.id, "note": "Sneaky"})

    def test_salesperson_writes_notes_on_own_customers(self):
        note = self.env["debt.note"].with_user(self.salesman_a).create({
            "partner_id": self.customer_a.id, "category": "other", "note": "Called, will pay Friday"})
        self.assertEqual(note.author_id, self.salesman_a)
        self.assertEqual(note.company_id, self.company)
        with self.assertRaises(AccessError):
            note.with_user(self.salesman_a).unlink()  # the history is kept

    def test_manager_sees_all_notes_of_allowed_companies(self):
        notes = self.env["debt.note"].with_user(self.collection_manager).search([])
        self.assertEqual(notes, self.note_a | self.note_b | self.note_collected)
        self.assertFalse(self.env["debt.note"].with_user(self.user_company_2).search([]))
        with self.assertRaises(AccessError):
            self.note_a.with_user(self.user_company_2).read(["note"])

    def test_worklist_rules(self):
        rows_a = self.env["debt.worklist"].with_user(self.salesman_a).search([])
        self.assertEqual(rows_a.partner_id, self.customer_a | self.collected_by_b)
        rows_b = self.env["debt.worklist"].with_user(self.salesman_b).search([])
        self.assertEqual(rows_b.partner_id, self.customer_b | self.collected_by_b)
        rows_manager = self.env["debt.worklist"].with_user(self.collection_manager).search([])
        self.assertTrue((self.customer_a | self.customer_b | self.collected_by_b) <= rows_manager.partner_id)
        self.assertFalse(self.env["debt.worklist"].with_user(self.user_company_2).search([]))

    def test_contact_note_rolls_up_to_company(self):
        contact = self.env["res.partner"].create({"name": "Ms Lan", "parent_id": self.customer_a.id})
        note = self.env["debt.note"].create({"partner_id": contact.id, "note": "Prefers Zalo"})
        self.assertEqual(note.partner_id, self.customer_a)
        self.assertEqual(self.customer_a.debt_note_count, 2)
