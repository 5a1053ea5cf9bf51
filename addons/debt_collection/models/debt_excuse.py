from odoo import api, fields, models

from .input_limits import check_integer_limits

NEXT_STEPS = [
    ("resend_invoice", "Resend the invoice"),
    ("payment_plan", "Propose a payment plan"),
    ("open_dispute", "Open a dispute"),
    ("ask_reference", "Ask for the transfer reference"),
    ("call_decision_maker", "Call back the person in charge"),
    ("call_back", "Call back on an agreed date"),
    ("send_statement", "Send a statement of account"),
    ("update_contact", "Update the contact details"),
    ("escalate", "Escalate to a manager"),
]


class DebtExcuse(models.Model):
    """A reason customers give for not paying, with a prepared, polite answer and the step that follows."""

    _name = "debt.excuse"
    _description = "Excuse for Not Paying"
    _order = "sequence, id"

    name = fields.Char(string="Excuse", required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", index=True,
        help="Leave empty to share this excuse with every company.")
    suggested_response = fields.Text(
        required=True, translate=True,
        help="What the collector can answer, politely, when the customer gives this excuse.")
    next_step = fields.Selection(
        NEXT_STEPS, string="Suggested Next Step", required=True, default="call_back")
    next_step_note = fields.Text(
        string="Next Step Details", translate=True,
        help="How to carry out the next step; copied to the call as the agreed next step.")
    call_count = fields.Integer(compute="_compute_call_count", string="Calls")

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_limits(self, vals_list)  # the sequence, within PostgreSQL's integer range
        return super().create(vals_list)

    def write(self, vals):
        check_integer_limits(self, [vals], context_defaults=False)
        return super().write(vals)

    def _compute_call_count(self):
        counts = dict(self.env["debt.call"]._read_group(
            [("excuse_id", "in", self.ids)], ["excuse_id"], ["__count"]))
        for excuse in self:
            excuse.call_count = counts.get(excuse, 0)
