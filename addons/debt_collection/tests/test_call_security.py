from datetime import date

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .test_promise import PromiseCommon


@tagged("post_install", "-at_install")
class TestCallSecurity(PromiseCommon):
    """Salespeople see the calls and promises of their own customers (salesperson or collector);
    collection managers see all of them in their companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_a = cls._customer("Calls of A", user_id=cls.salesman_a.id)
        cls.customer_b = cls._customer("Calls of B", user_id=cls.salesman_b.id)
        cls.collected_by_b = cls._customer("Sold by A, collected by B", user_id=cls.salesman_a.id,
                                           collector_id=cls.salesman_b.id)
        Call = cls.env["debt.call"]
        cls.call_a = Call.create({"partner_id": cls.customer_a.id, "outcome": "no_answer"})
        cls.call_b = Call.create({"partner_id": cls.customer_b.id, "outcome": "refused"})
        cls.call_collected = Call.create({"partner_id": cls.collected_by_b.id, "outcome": "callback"})
        cls.promise_a = cls._promise(cls.customer_a, 100.0, lines=[(date(2026, 6, 20), 100.0)])
        cls.promise_b = cls._promise(cls.customer_b, 100.0, lines=[(date(2026, 6, 20), 100.0)])
        cls.promise_collected = cls._promise(cls.collected_by_b, 100.0)
        cls.company_2 = cls.setup_other_company(name="Calls Other Co")["company"]
        cls.user_company_2 = new_test_user(
            cls.env, login="dc_calls_other",
            groups="sales_team.group_sale_salesman,debt_collection.group_debt_collection_manager",
            company_id=cls.company_2.id, company_ids=[Command.set(cls.company_2.ids)])

    def test_salesperson_sees_own_customers_calls_and_promises(self):
        Call, Promise = self.env["debt.call"], self.env["debt.promise"]
        mine = (self.call_a | self.call_b | self.call_collected).ids
        self.assertEqual(Call.with_user(self.salesman_a).search([("id", "in", mine)]),
                         self.call_a | self.call_collected)
        self.assertEqual(Call.with_user(self.salesman_b).search([("id", "in", mine)]),
                         self.call_b | self.call_collected)
        promises = (self.promise_a | self.promise_b | self.promise_collected).ids
        self.assertEqual(Promise.with_user(self.salesman_a).search([("id", "in", promises)]),
                         self.promise_a | self.promise_collected)
        self.assertEqual(Promise.with_user(self.salesman_b).search([("id", "in", promises)]),
                         self.promise_b | self.promise_collected)
        lines = self.env["debt.promise.line"].with_user(self.salesman_a).search(
            [("promise_id", "in", promises)])
        self.assertEqual(lines, self.promise_a.line_ids)
        with self.assertRaises(AccessError):
            self.call_b.with_user(self.salesman_a).read(["outcome"])
        with self.assertRaises(AccessError):
            self.promise_b.with_user(self.salesman_a).read(["amount"])
        with self.assertRaises(AccessError):
            self.promise_b.line_ids.with_user(self.salesman_a).read(["amount"])

    def test_salesperson_cannot_log_for_other_customers(self):
        with self.assertRaises(AccessError):
            self.env["debt.call"].with_user(self.salesman_a).create({
                "partner_id": self.customer_b.id, "outcome": "no_answer"})
        with self.assertRaises(AccessError):
            self.env["debt.promise"].with_user(self.salesman_a).create({
                "partner_id": self.customer_b.id, "amount": 10.0, "promised_date": date(2026, 6, 20)})
        with self.assertRaises(AccessError):
            self.call_b.with_user(self.salesman_a).write({"note": "<p>Sneaky</p>"})

    def test_salesperson_logs_for_own_customers_but_deletes_nothing(self):
        call = self.env["debt.call"].with_user(self.salesman_a).create({
            "partner_id": self.customer_a.id, "outcome": "left_message"})
        promise = self.env["debt.promise"].with_user(self.salesman_a).create({
            "partner_id": self.customer_a.id, "amount": 50.0, "promised_date": date(2026, 6, 30)})
        with self.assertRaises(AccessError):
            call.with_user(self.salesman_a).unlink()
        with self.assertRaises(AccessError):
            promise.with_user(self.salesman_a).unlink()

    def test_manager_sees_all_of_allowed_companies(self):
        calls = self.call_a | self.call_b | self.call_collected
        promises = self.promise_a | self.promise_b | self.promise_collected
        self.assertEqual(self.env["debt.call"].with_user(self.collection_manager).search([("id", "in", calls.ids)]),
                         calls)
        self.assertEqual(
            self.env["debt.promise"].with_user(self.collection_manager).search([("id", "in", promises.ids)]),
            promises)
        self.assertFalse(self.env["debt.call"].with_user(self.user_company_2).search([("id", "in", calls.ids)]))
        self.assertFalse(
            self.env["debt.promise"].with_user(self.user_company_2).search([("id", "in", promises.ids)]))
        with self.assertRaises(AccessError):
            self.promise_a.with_user(self.user_company_2).read(["amount"])
