"""Issue 11 over the wire: a salesperson's JSON-RPC calls and report downloads, refused or allowed by the
server (not by the views)."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, JsonRpcException, new_test_user, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestTrustJsonRpc(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.env.company
        users = {}
        for key in ("a", "b"):
            users[key] = new_test_user(
                cls.env, login=f"dc_http_{key}", password=f"dc_http_{key}_password", name=f"Http Sales {key}",
                groups="sales_team.group_sale_salesman", company_id=company.id,
                company_ids=[Command.set(company.ids)])
        cls.user_a, cls.user_b = users["a"], users["b"]
        Partner = cls.env["res.partner"]
        cls.customer_a = Partner.create({"name": "Http Customer of A", "is_company": True, "user_id": cls.user_a.id})
        cls.customer_b = Partner.create({"name": "Http Customer of B", "is_company": True, "user_id": cls.user_b.id})
        today = fields.Date.context_today(cls.env.user)
        cls.promise_a = cls.env["debt.promise"].create({
            "partner_id": cls.customer_a.id, "amount": 100.0, "promised_date": today + timedelta(days=10)})
        cls.report_b = cls.env["debt.aging.report"].with_user(cls.user_b).create({
            "interval_mode": "list", "interval_list": "30,60"})
        cls.report_b.action_export_xlsx()  # computes the lines and stores the file
        # a line of B's report: the report's own INSERT writes lines only for customers with open items
        cls.env.cr.execute(
            "INSERT INTO debt_aging_report_line (report_id, partner_id, company_id, bucket_index, amount, create_uid)"
            " VALUES (%s, %s, %s, 1, 10, %s) RETURNING id",
            (cls.report_b.id, cls.customer_b.id, company.id, cls.user_b.id))
        cls.line_b_id = cls.env.cr.fetchone()[0]

    def _call_kw(self, model, method, args, kwargs=None):
        return self.make_jsonrpc_request(f"/web/dataset/call_kw/{model}/{method}", {
            "model": model, "method": method, "args": args, "kwargs": kwargs or {}})

    @mute_logger("odoo.http")
    def test_salesperson_refused_over_jsonrpc(self):
        self.authenticate("dc_http_a", "dc_http_a_password")
        # the promise's state belongs to the payment check, even on one's own customer
        with self.assertRaises(JsonRpcException) as error:
            self._call_kw("debt.promise", "write", [[self.promise_a.id], {"state": "kept"}])
        self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")
        # ... also with a context key of one's choosing
        with self.assertRaises(JsonRpcException) as error:
            self._call_kw("debt.promise", "write", [[self.promise_a.id], {"paid_amount": 100.0}],
                          {"context": {"debt_promise_checks_lines": True, "debt_engine": True}})
        self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")
        self.promise_a.invalidate_recordset()
        self.assertEqual((self.promise_a.state, self.promise_a.paid_amount), ("open", 0.0))
        # another salesperson's aging lines: not read, not searched, and none added
        with self.assertRaises(JsonRpcException) as error:
            self._call_kw("debt.aging.report.line", "read", [[self.line_b_id], ["amount", "partner_id"]])
        self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")
        self.assertEqual(self._call_kw("debt.aging.report.line", "search_read",
                                       [[("report_id", "=", self.report_b.id)], ["amount"]]), [])
        with self.assertRaises(JsonRpcException) as error:
            self._call_kw("debt.aging.report.line", "create", [{
                "report_id": self.report_b.id, "partner_id": self.customer_a.id, "amount": 1e6, "bucket_index": 1}])
        self.assertEqual(str(error.exception), "odoo.exceptions.AccessError")
        # bad input: a clear message, not PostgreSQL's "integer out of range"
        with self.assertRaises(JsonRpcException) as error:
            self._call_kw("debt.aging.report", "create", [{"interval_mode": "width", "interval_width": 2**31}])
        self.assertEqual(str(error.exception), "odoo.exceptions.ValidationError")
        # B's report, downloaded by A
        response = self.url_open(f"/report/html/debt_collection.report_debt_aging/{self.report_b.id}")
        self.assertNotEqual(response.status_code, 200)
        self.assertNotIn("Http Customer of B", response.text)
        response = self.url_open(f"/web/content/?model=debt.aging.report&id={self.report_b.id}&field=xlsx_file"
                                 f"&filename_field=xlsx_filename&download=true")
        self.assertIn(response.status_code, (403, 404))
        self.assertNotIn(b"PK", response.content[:2])

    def test_salesperson_allowed_over_jsonrpc(self):
        self.authenticate("dc_http_a", "dc_http_a_password")
        self._call_kw("debt.promise", "write", [[self.promise_a.id], {"note": "Called again"}])
        [values] = self._call_kw("debt.promise", "read", [[self.promise_a.id], ["state", "note"]])
        self.assertEqual((values["state"], values["note"]), ("open", "Called again"))
        self.assertTrue(self._call_kw("debt.promise", "action_cancel", [[self.promise_a.id]]))
        self.promise_a.invalidate_recordset()
        self.assertEqual(self.promise_a.state, "cancelled")
        # B reads its own report's lines and downloads its own file
        self.authenticate("dc_http_b", "dc_http_b_password")
        rows = self._call_kw("debt.aging.report.line", "search_read",
                             [[("report_id", "=", self.report_b.id)], ["amount"]])
        self.assertIn(self.line_b_id, [row["id"] for row in rows])
        response = self.url_open(f"/web/content/?model=debt.aging.report&id={self.report_b.id}&field=xlsx_file"
                                 f"&filename_field=xlsx_filename&download=true")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content[:2], b"PK")  # an XLSX is a zip file
