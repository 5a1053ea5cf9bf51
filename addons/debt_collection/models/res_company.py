from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    _inherit = "res.company"

    debt_hold_on_credit_limit = fields.Boolean(
        string="Hold Customers Over Their Credit Limit",
        help="Place a customer on credit hold when its receivable plus its confirmed, not yet "
        "invoiced sale orders exceed its credit limit.",
    )
    debt_hold_overdue_days = fields.Integer(
        string="Hold After Days Overdue",
        help="Place a customer on credit hold when its oldest unpaid item is overdue by more "
        "than this number of days. 0 disables the rule.",
    )

    @api.constrains("debt_hold_overdue_days")
    def _check_debt_hold_overdue_days(self):
        for company in self:
            if company.debt_hold_overdue_days < 0:
                raise ValidationError(_("The number of overdue days before a credit hold cannot be negative."))

    def _debt_timezone(self):
        """Name of the company's time zone: its working calendar's, else its partner's, else UTC."""
        self.ensure_one()
        return self.resource_calendar_id.tz or self.partner_id.tz or "UTC"

    # Promises to pay
    debt_promise_grace_days = fields.Integer(
        string="Promise Grace Days", default=3,
        help="Days of tolerance after a promised date before a promise to pay counts as broken. "
        "The default of new promises; each promise can change it.",
    )

    @api.constrains("debt_promise_grace_days")
    def _check_debt_promise_grace_days(self):
        for company in self:
            if company.debt_promise_grace_days < 0:
                raise ValidationError(_("The grace days of promises to pay cannot be negative."))
