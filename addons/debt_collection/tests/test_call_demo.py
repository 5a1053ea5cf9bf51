from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCallDemoData(TransactionCase):
    """The demo story of calls and promises, as evaluated when the demo data was loaded."""

    def setUp(self):
        super().setUp()
        call = self.env.ref("debt_collection.demo_call_dingxin", raise_if_not_found=False)
        if not call:
            self.skipTest("demo data not loaded")
        if call.invoice_ids.payment_state not in ("paid", "in_payment"):
            # the payments and the evaluation of the demo are <function> calls, run on install only
            self.skipTest("demo calls added by an update of the module: the demo payments were not registered")

    def test_demo_promises(self):
        kept = self.env.ref("debt_collection.demo_call_dingxin").promise_ids
        self.assertEqual(kept.state, "kept")
        self.assertEqual(kept.paid_amount, 2200.0)
        broken = self.env.ref("debt_collection.demo_call_duc_thinh").promise_ids
        self.assertEqual(broken.state, "broken")
        self.assertEqual(len(broken.activity_ids), 1)
        self.assertEqual(broken.activity_ids.user_id, self.env.ref("debt_collection.demo_user_collector"))
        plan = self.env.ref("debt_collection.demo_call_minh_phat").promise_ids
        self.assertEqual(plan.state, "open")
        self.assertEqual(plan.line_ids.sorted("date").mapped("state"), ["kept", "open"])
        self.assertEqual(plan.paid_amount, 500.0)

    def test_demo_calls(self):
        green = self.env.ref("debt_collection.demo_partner_green_energy")
        self.assertTrue(green.debt_attention)
        self.assertEqual(green.debt_attention_reason, "disputed")
        call = self.env.ref("debt_collection.demo_call_hoa_binh_2")
        self.assertEqual(call.activity_id.user_id, self.env.ref("debt_collection.demo_user_collector"))
        self.assertEqual(self.env.ref("debt_collection.demo_partner_hoa_binh").debt_call_count, 2)
