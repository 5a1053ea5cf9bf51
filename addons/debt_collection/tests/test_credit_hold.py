from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DebtCollectionCommon


@tagged("post_install", "-at_install")
class TestCreditHold(DebtCollectionCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer = cls._customer("Dai Viet Trading", user_id=cls.salesman_a.id)
        cls.customer.with_company(cls.company).sudo().credit_limit = 1000.0
        cls._invoice(cls.customer, 700.0, 45)  # 45 days overdue
        cls.order = cls._sale_order(cls.customer, 250.0)  # exposure 950, under the limit
        cls.quotation = cls._sale_order(cls.customer, 400.0, confirm=False)

    def _refresh(self):
        self.env.invalidate_all()

    def test_no_rule_no_hold(self):
        self.assertFalse(self.customer.on_credit_hold)
        self.quotation.action_confirm()
        self.assertEqual(self.quotation.state, "sale")

    def test_hold_over_credit_limit(self):
        self.company.debt_hold_on_credit_limit = True
        self.assertFalse(self.customer.on_credit_hold)  # 950 <= 1000
        self._invoice(self.customer, 100.0, 0)  # exposure 1050
        self._refresh()
        self.assertTrue(self.customer.on_credit_hold)
        self.assertTrue(self.quotation.debt_on_credit_hold)
        with self.assertRaises(UserError) as error:
            self.quotation.action_confirm()
        message = str(error.exception)
        self.assertIn("$\xa01,050.00", message)
        self.assertIn("$\xa01,000.00", message)
        self.assertIn(self.quotation.name, message)
        self.assertEqual(self.quotation.state, "draft")

    def test_hold_after_days_overdue(self):
        self.company.debt_hold_overdue_days = 30
        self._refresh()
        self.assertTrue(self.customer.on_credit_hold)
        self.assertIn("45 days overdue", self.customer.credit_hold_message)
        with self.assertRaisesRegex(UserError, "45 days overdue"):
            self.quotation.action_confirm()
        self.company.debt_hold_overdue_days = 45  # not *more* than 45 days
        self._refresh()
        self.assertFalse(self.customer.on_credit_hold)
        self.quotation.action_confirm()
        self.assertEqual(self.quotation.state, "sale")

    def test_negative_overdue_days_refused(self):
        with self.assertRaises(ValidationError):
            self.company.debt_hold_overdue_days = -1

    def test_manual_hold_and_release(self):
        manager_partner = self.customer.with_user(self.collection_manager)
        wizard = Form(self.env["debt.credit.hold.wizard"].with_user(self.collection_manager).with_context(
            default_partner_id=self.customer.id, default_action="place"))
        wizard.reason = "Cheque bounced twice"
        wizard.save().action_confirm()
        self._refresh()
        self.assertTrue(self.customer.on_credit_hold)
        self.assertTrue(self.customer.debt_manual_hold)
        self.assertIn("Cheque bounced twice", self.customer.credit_hold_message)
        self.assertIn("Cheque bounced twice", self.customer.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "Cheque bounced twice"):
            self.quotation.action_confirm()
        # releasing needs a reason: nothing changes without one
        with self.assertRaises(UserError):
            manager_partner._debt_set_manual_hold(False, "  ")
        self._refresh()
        self.assertTrue(self.customer.debt_manual_hold)
        manager_partner._debt_set_manual_hold(False, "Paid in cash at the office")
        self._refresh()
        self.assertFalse(self.customer.on_credit_hold)
        self.assertIn("Paid in cash at the office", self.customer.message_ids[0].body)
        self.quotation.action_confirm()
        self.assertEqual(self.quotation.state, "sale")

    def test_manual_hold_is_per_company(self):
        company_2 = self.setup_other_company(name="Hold Co 2")["company"]
        self.customer._debt_set_manual_hold(True, "Legal dispute")
        self._refresh()
        self.assertTrue(self.customer.on_credit_hold)
        self.assertFalse(self.customer.with_company(company_2).on_credit_hold)

    def test_salesperson_cannot_place_or_release(self):
        with self.assertRaises(UserError):
            self.customer.with_user(self.salesman_a)._debt_set_manual_hold(True, "I do not like them")
        self._refresh()
        self.assertFalse(self.customer.debt_manual_hold)

    def test_manager_override_for_one_order(self):
        self.company.debt_hold_overdue_days = 30
        other_quotation = self._sale_order(self.customer, 10.0, confirm=False)
        self._refresh()
        with self.assertRaises(UserError):
            self.quotation.with_user(self.salesman_a)._debt_override_hold("please")
        with self.assertRaises(UserError):
            self.quotation.with_user(self.collection_manager)._debt_override_hold("")
        self.assertFalse(self.quotation.debt_hold_override)
        action = self.quotation.with_user(self.collection_manager).action_debt_override_hold()
        wizard_model = self.env[action["res_model"]].with_user(self.collection_manager)
        wizard = Form(wizard_model.with_context(**action["context"]))
        wizard.reason = "Strategic customer, director approved"
        wizard.save().action_confirm()
        self.assertTrue(self.quotation.debt_hold_override)
        self.assertIn("director approved", self.quotation.message_ids[0].body)
        self.assertIn("director approved", self.customer.message_ids[0].body)
        self.quotation.with_user(self.salesman_a).action_confirm()
        self.assertEqual(self.quotation.state, "sale")
        with self.assertRaises(UserError):
            other_quotation.action_confirm()

    def test_bad_input(self):
        with self.assertRaises(ValidationError):
            self.customer.credit_days = -5
        with self.assertRaises(ValidationError):
            self.customer.with_company(self.company).sudo().credit_limit = -100.0
        wizard = self.env["debt.credit.hold.wizard"].create({
            "partner_id": self.customer.id, "action": "place", "reason": " "})
        with self.assertRaises(UserError):
            wizard.action_confirm()
        self.assertFalse(self.customer.debt_manual_hold)
