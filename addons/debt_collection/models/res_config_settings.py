from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    debt_hold_on_credit_limit = fields.Boolean(
        related="company_id.debt_hold_on_credit_limit", readonly=False)
    debt_hold_overdue_days = fields.Integer(
        related="company_id.debt_hold_overdue_days", readonly=False)
    debt_reminder_cap_days = fields.Integer(
        related="company_id.debt_reminder_cap_days", readonly=False)
    debt_reminder_sms_plain = fields.Boolean(
        related="company_id.debt_reminder_sms_plain", readonly=False)
    debt_promise_grace_days = fields.Integer(
        related="company_id.debt_promise_grace_days", readonly=False)

    # Late-payment charges
    debt_charge_enabled = fields.Boolean(related="company_id.debt_charge_enabled", readonly=False)
    debt_charge_method = fields.Selection(related="company_id.debt_charge_method", readonly=False)
    debt_charge_rate = fields.Float(related="company_id.debt_charge_rate", readonly=False)
    debt_charge_grace_days = fields.Integer(related="company_id.debt_charge_grace_days", readonly=False)
    debt_charge_product_id = fields.Many2one(related="company_id.debt_charge_product_id", readonly=False)
    debt_snapshot_retention_days = fields.Integer(
        related="company_id.debt_snapshot_retention_days", readonly=False)
