from odoo import _, fields, models
from odoo.exceptions import UserError


class DebtCreditHoldWizard(models.TransientModel):
    _name = "debt.credit.hold.wizard"
    _description = "Place, Release or Override a Credit Hold"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, readonly=True)
    sale_order_id = fields.Many2one("sale.order", readonly=True)
    action = fields.Selection(
        [("place", "Place on hold"), ("release", "Release the hold"), ("override", "Override for one order")],
        required=True, readonly=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        if not (self.reason or "").strip():
            raise UserError(_("Please give a reason."))
        if self.action == "override":
            if not self.sale_order_id:
                raise UserError(_("Choose the sale order to let through."))
            self.sale_order_id._debt_override_hold(self.reason)
        else:
            self.partner_id._debt_set_manual_hold(self.action == "place", self.reason)
        return {"type": "ir.actions.act_window_close"}
