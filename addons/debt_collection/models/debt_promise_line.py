from odoo import _, api, fields, models
from odoo.exceptions import UserError

from .debt_promise import _PROMISE_CHECKS_LINES, _check_engine_fields

LINE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("missed", "Missed"),
    ("cancelled", "Cancelled"),
]
LINE_ENGINE_FIELDS = {"state": "open"}


class DebtPromiseLine(models.Model):
    """One installment of a promise to pay: an amount by a date."""

    _name = "debt.promise.line"
    _description = "Promise to Pay Installment"
    _order = "promise_id, date, id"

    promise_id = fields.Many2one("debt.promise", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="promise_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="promise_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    state = fields.Selection(LINE_STATES, required=True, default="open", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        _check_engine_fields(self, vals_list, LINE_ENGINE_FIELDS, creating=True)
        promise_ids = [vals["promise_id"] for vals in vals_list if vals.get("promise_id")]
        closed = self.env["debt.promise"].browse(promise_ids).filtered(lambda p: p.state != "open")
        if closed:
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be changed."))
        lines = super().create(vals_list)
        lines._check_total()
        return lines

    def write(self, vals):
        _check_engine_fields(self, [vals], LINE_ENGINE_FIELDS, creating=False)
        if {"date", "amount", "promise_id"} & set(vals) and self.promise_id.filtered(lambda p: p.state != "open"):
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be changed."))
        promises = self.promise_id
        res = super().write(vals)
        if {"date", "amount", "promise_id"} & set(vals):
            self._check_total(promises)
        return res

    def unlink(self):
        promises = self.promise_id
        res = super().unlink()
        self.browse()._check_total(promises.exists())
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_open(self):
        if self.promise_id.filtered(lambda p: p.state != "open"):
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be removed."))

    def _check_total(self, promises=None):
        """Installments created, changed or removed one by one must still add up to their promise
        (ValidationError otherwise). Inside the promise's own create/write (its installments given as
        commands) the promise checks the total once all its commands are done (_check_amount_and_dates)."""
        if self.env.context.get("debt_promise_checks_lines") is _PROMISE_CHECKS_LINES:
            return
        promises = (promises or self.env["debt.promise"]) | self.promise_id
        # the promise's own constraint: amounts, dates and the total of its installments
        promises.filtered(lambda p: p.state == "open")._check_amount_and_dates()
