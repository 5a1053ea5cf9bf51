from odoo import api, fields, models


class DebtEscalationReturn(models.TransientModel):
    """Take back a case handed to an agency or to legal: the date and why, written in the customer's chatter."""

    _name = "debt.escalation.return"
    _description = "Return an Escalated Case"

    escalation_id = fields.Many2one("debt.escalation", string="Case", required=True, readonly=True)
    partner_id = fields.Many2one(related="escalation_id.partner_id", string="Customer")
    return_date = fields.Date(required=True, default=fields.Date.context_today)
    note = fields.Text(string="Why", required=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        # the case is read (record rules, access rights: managers only) before anything is shown of it
        wizards.escalation_id.check_access("write")
        return wizards

    def action_confirm(self):
        self.ensure_one()
        self.escalation_id.action_debt_return(self.note, self.return_date)
        return {"type": "ir.actions.act_window_close"}
