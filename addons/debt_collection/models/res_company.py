import logging

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .input_limits import MAX_GRACE_DAYS, MAX_HOLD_OVERDUE_DAYS, MAX_REMINDER_CAP_DAYS, check_integer_limits

_logger = logging.getLogger(__name__)

DEFAULT_REMINDER_RULES = (
    "debt_collection.debt_reminder_rule_before_due",
    "debt_collection.debt_reminder_rule_due",
    "debt_collection.debt_reminder_rule_overdue_7",
    "debt_collection.debt_reminder_rule_overdue_14",
    "debt_collection.debt_reminder_rule_overdue_21",
    "debt_collection.debt_reminder_rule_final_notice",
)


# What a manager may type in the settings (checked before the company is saved: PostgreSQL's integers stop
# at 2,147,483,647, and a grace of a million days would make every promise "open" forever)
COMPANY_LIMITS = {
    "debt_promise_grace_days": (0, MAX_GRACE_DAYS),
    "debt_reminder_cap_days": (0, MAX_REMINDER_CAP_DAYS),
    "debt_hold_overdue_days": (0, MAX_HOLD_OVERDUE_DAYS),
}
DEBT_INTEGER_FIELDS = ("debt_promise_grace_days", "debt_reminder_cap_days", "debt_hold_overdue_days")


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

    # Payment reminders
    debt_reminder_cap_days = fields.Integer(
        string="Days Between Reminders", default=5,
        help="At most one payment reminder per customer every this many days (0: no limit). A reminder "
        "that would come sooner waits.")
    # on by default: a Vietnamese SMS with its diacritics is sent in UCS-2 (70 characters a part) and runs to 4-5
    # parts; without them it is plain GSM text (160 a part), 2 parts, and reads as Vietnamese SMS usually do
    debt_reminder_sms_plain = fields.Boolean(
        string="SMS Without Diacritics", default=True,
        help="Send reminder SMS without Vietnamese diacritics (and with plain punctuation): plain text "
        "holds 160 characters per SMS instead of 70.")

    @api.constrains("debt_reminder_cap_days")
    def _check_debt_reminder_cap_days(self):
        for company in self:
            if company.debt_reminder_cap_days < 0:
                raise ValidationError(_("The number of days between two reminders cannot be negative."))

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_limits(vals_list)
        companies = super().create(vals_list)
        companies._debt_create_default_reminder_rules()
        return companies

    def write(self, vals):
        self._debt_check_limits([vals])
        return super().write(vals)

    @api.model
    def _debt_check_limits(self, vals_list):
        """The module's numbers of the company (settings), bounded before they reach the database."""
        vals_list = [{fname: vals[fname] for fname in DEBT_INTEGER_FIELDS if fname in vals} for vals in vals_list]
        if any(vals_list):
            check_integer_limits(self, vals_list, COMPANY_LIMITS, context_defaults=False)

    def _debt_payment_bank_account(self):
        """The bank account customers pay to: the first bank journal's, else the company's first."""
        self.ensure_one()
        journal = self.env["account.journal"].sudo().search([  # sudo: shown to customers in reminders
            ("type", "=", "bank"), ("company_id", "=", self.id), ("bank_account_id", "!=", False),
        ], order="sequence, id", limit=1)
        return journal.bank_account_id or self.sudo().partner_id.bank_ids[:1]

    def _debt_create_default_reminder_rules(self):
        """Give each company without reminder rules a copy of the default set (-3, 0, +7, +14, +21
        reminders and a +30 final notice), shipped for the main company."""
        # sudo: the default rules belong to the main company, which the creator may not be allowed in
        Rule = self.env["debt.reminder.rule"].sudo().with_context(active_test=False)
        defaults = Rule
        for xmlid in DEFAULT_REMINDER_RULES:
            defaults |= Rule.env.ref(xmlid, raise_if_not_found=False) or Rule
        if not defaults:
            return
        with_rules = set(Rule.search([("company_id", "in", self.ids)]).company_id.ids)
        for company in self:
            if company.id in with_rules:
                continue
            for rule in defaults:
                try:
                    with self.env.cr.savepoint():
                        rule.with_context(lang="en_US").copy({"company_id": company.id, "name": rule.name})
                except ValidationError as error:  # e.g. its template was deleted: never block a new company
                    _logger.warning("debt reminders: default rule %s not copied to %s: %s",
                                    rule.name, company.name, error)

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
            if company.debt_promise_grace_days > MAX_GRACE_DAYS:
                raise ValidationError(_(
                    "The grace days of promises to pay can be at most %(max)s.", max=MAX_GRACE_DAYS))

    # Late-payment charges (debt_late_charge.py): off by default
    debt_charge_enabled = fields.Boolean(
        string="Late-Payment Charges",
        help="Propose draft invoices charging interest on overdue items, or a fee per reminder sent. Nothing is "
        "posted without a manager.")
    debt_charge_method = fields.Selection(
        [("interest", "Interest on overdue amounts"), ("fee", "Fixed fee per reminder level")],
        string="Charge", default="interest", required=True)
    debt_charge_rate = fields.Float(
        string="Annual Interest Rate (%)", digits=(16, 4),
        help="Charged on each overdue item's open amount in company currency, per day overdue after the grace "
        "days: amount x rate / 100 x days / 365.")
    debt_charge_grace_days = fields.Integer(
        string="Interest Grace Days", help="Days overdue not charged: interest runs from the day after.")
    debt_charge_product_id = fields.Many2one(
        "product.product", string="Charge Product",
        help="The product of the charge lines (its income account and taxes); empty: the module's "
        "\"Late-payment charge\".")

    @api.constrains("debt_charge_rate", "debt_charge_grace_days")
    def _check_debt_charge(self):
        for company in self:
            if company.debt_charge_rate < 0 or company.debt_charge_rate > MAX_CHARGE_RATE:
                raise ValidationError(_(
                    "The annual interest rate of late payments must be between 0 and %(max)s%%.",
                    max=MAX_CHARGE_RATE))
            if company.debt_charge_grace_days < 0 or company.debt_charge_grace_days > MAX_GRACE_DAYS:
                raise ValidationError(_(
                    "The grace days of late-payment interest must be between 0 and %(max)s.", max=MAX_GRACE_DAYS))

    # Aging snapshots (issue 14)
    debt_snapshot_retention_days = fields.Integer(
        string="Keep Aging Snapshots (Days)", default=731,
        help="Daily aging snapshots older than this many days are deleted by the daily job (0: keep them all).")

    @api.constrains("debt_snapshot_retention_days")
    def _check_debt_snapshot_retention_days(self):
        for company in self:
            if company.debt_snapshot_retention_days < 0:
                raise ValidationError(_("The number of days aging snapshots are kept cannot be negative."))


# Late-payment charges: the bounds of what a manager may type (the grace days are an integer column: checked with
# the module's other integers of the company, before they reach PostgreSQL)
MAX_CHARGE_RATE = 100.0
COMPANY_LIMITS["debt_charge_grace_days"] = (0, MAX_GRACE_DAYS)
DEBT_INTEGER_FIELDS += ("debt_charge_grace_days",)

# Aging snapshots (issue 14): the retention is bounded like the module's other numbers of the company
COMPANY_LIMITS["debt_snapshot_retention_days"] = (0, 36500)
DEBT_INTEGER_FIELDS += ("debt_snapshot_retention_days",)
