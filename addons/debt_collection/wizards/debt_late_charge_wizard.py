from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.common import open_items_domain


class DebtLateChargeWizard(models.TransientModel):
    """Propose the late-payment charges of some customers (or of every customer with overdue items) as draft
    invoices, for a manager to check and post."""

    _name = "debt.late.charge.wizard"
    _description = "Propose Late-Payment Charges"

    company_id = fields.Many2one("res.company", required=True, readonly=True, default=lambda self: self.env.company)
    partner_ids = fields.Many2many(
        "res.partner", string="Customers",
        help="The customers to charge; empty: every customer with an overdue item in this company.")
    charge_date = fields.Date(
        string="Charge Up To", required=True, default=fields.Date.context_today,
        help="Interest runs up to this date included.")

    @api.model_create_multi
    def create(self, vals_list):
        # managers only, before anything is shown or computed (the model's access rights say so too)
        self.env["debt.late.charge"]._debt_check_manager()
        return super().create(vals_list)

    def action_propose(self):
        self.ensure_one()
        Charge = self.env["debt.late.charge"]
        partners = self.partner_ids
        if not partners:
            groups = self.env["account.move.line"]._read_group([
                *open_items_domain(), ("company_id", "=", self.company_id.id), ("amount_residual", ">", 0),
                ("date_maturity", "<", self.charge_date)], ["partner_id"])
            partners = self.env["res.partner"].browse({partner.commercial_partner_id.id for (partner,) in groups})
        invoices = Charge._debt_propose(partners, self.company_id, self.charge_date)
        if not invoices:
            raise UserError(_("Nothing to charge up to this date: no overdue day left uncharged after the grace "
                              "days (or no reminder fee due)."))
        action = self.env["ir.actions.act_window"]._for_xml_id("account.action_move_out_invoice_type")
        action.update({"domain": [("id", "in", invoices.ids)], "context": {"create": False}})
        if len(invoices) == 1:
            action.update({"views": [(False, "form")], "res_id": invoices.id, "view_mode": "form"})
        return action
