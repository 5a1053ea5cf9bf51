from odoo import fields, models


class DebtReminderRule(models.Model):
    """The fee of a reminder level, charged once per reminder sent when the company charges fees for late
    payment (see ``debt_late_charge.py``). Kept beside the charges rather than in ``debt_reminder_rule.py``."""

    _inherit = "debt.reminder.rule"

    charge_fee = fields.Monetary(
        string="Late-Payment Fee", currency_field="currency_id",
        help="Charged once for each reminder of this rule that went out, when the company charges a fee per "
             "reminder (Collections settings), on the next late-charge invoice proposed.")

    _sql_constraints = [
        ("debt_charge_fee_positive", "CHECK (charge_fee IS NULL OR charge_fee >= 0)",
         "The late-payment fee of a reminder rule cannot be negative."),
    ]
