from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import schedule
from .input_limits import MAX_OFFSET_DAYS, MAX_REPEAT_EVERY_DAYS, MIN_OFFSET_DAYS, check_integer_limits

# What a user may type (checked before the record is saved: PostgreSQL's integers stop at 2,147,483,647)
RULE_LIMITS = {
    "offset_days": (MIN_OFFSET_DAYS, MAX_OFFSET_DAYS),
    "repeat_every_days": (0, MAX_REPEAT_EVERY_DAYS),
    "repeat_until_days": (MIN_OFFSET_DAYS, MAX_OFFSET_DAYS),
}
CHANNELS = [("email", "E-mail"), ("sms", "SMS"), ("both", "E-mail and SMS")]


class DebtReminderRule(models.Model):
    """When, how and with which words to remind customers of their open invoices.

    A rule fires at an offset in days from each open item's due date (negative: before it), or
    repeatedly ("every 7 days from +7 to +28"). On a given day, the rule in force for an item is
    the one whose (last) step is the latest not after the item's age; see ``tools/schedule.py``.
    """

    _name = "debt.reminder.rule"
    _description = "Payment Reminder Rule"
    _order = "company_id, sequence, offset_days, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Order of the rules; the first one wins when two fire the same day.")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    offset_days = fields.Integer(
        string="Days From Due Date", required=True,
        help="When the rule fires, in days from the due date of each open item: -3 is three days "
        "before it, 0 on the due date, 7 a week after it. With a repetition, the first reminder.")
    repeat = fields.Boolean(
        help="Fire again every few days until an end, e.g. every 7 days from +7 to +28.")
    repeat_every_days = fields.Integer(string="Every (Days)", default=7)
    repeat_until_days = fields.Integer(
        string="Until (Days From Due Date)",
        help="Last day of the repetition, in days from the due date (included).")
    step_description = fields.Char(compute="_compute_step_description", string="When")
    channel = fields.Selection(CHANNELS, required=True, default="email")
    mail_template_id = fields.Many2one(
        "mail.template", string="E-mail Template", domain=[("model", "=", "debt.reminder")], ondelete="restrict",
        help="Rendered in the customer's language on the reminder record.")
    sms_template_id = fields.Many2one(
        "sms.template", string="SMS Template", domain=[("model", "=", "debt.reminder")], ondelete="restrict",
        help="Rendered in the customer's language on the reminder record.")
    min_amount = fields.Monetary(
        string="Minimum Amount", currency_field="currency_id",
        help="No reminder while the customer owes less than this under the rule (open items of the "
        "rule less its unapplied payments and credit notes), in company currency.")
    partner_category_ids = fields.Many2many(
        "res.partner.category", string="Customer Tags",
        help="Only for customers with one of these tags. Empty: every customer.")
    escalate_activity = fields.Boolean(
        string="Activity for the Collector",
        help="When the reminder goes out, schedule an activity for the customer's collector "
        "(else the salesperson).")
    activity_type_id = fields.Many2one(
        "mail.activity.type",
        default=lambda self: self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False))
    activity_summary = fields.Char(translate=True)
    escalate_final_notice = fields.Boolean(
        string="Mark as Final Notice", help="Mark the customer as having received its final notice.")
    escalate_credit_hold = fields.Boolean(
        string="Place Credit Hold",
        help="Place the customer on manual credit hold (no new sale orders) when the reminder goes out.")
    reminder_count = fields.Integer(compute="_compute_reminder_count", string="Reminders")
    attach_statement = fields.Boolean(
        help="Attach the customer's statement (PDF, in its language) to the e-mail: this month, or since its "
        "oldest open item, up to the day of the reminder.")

    _sql_constraints = [
        ("min_amount_positive", "CHECK (min_amount >= 0)", "The minimum amount of a reminder rule cannot be negative."),
    ]

    @api.depends("offset_days", "repeat", "repeat_every_days", "repeat_until_days")
    def _compute_step_description(self):
        for rule in self:
            labels = []
            for value in (rule.offset_days, rule.repeat_until_days):
                labels.append(_("due date") if value == 0 else _("%(days)+d days", days=value))
            if rule.repeat:
                rule.step_description = _(
                    "every %(every)s days from %(start)s to %(end)s",
                    every=rule.repeat_every_days, start=labels[0], end=labels[1])
            else:
                rule.step_description = labels[0]

    def _compute_reminder_count(self):
        counts = dict(self.env["debt.reminder"]._read_group([("rule_id", "in", self.ids)], ["rule_id"], ["__count"]))
        for rule in self:
            rule.reminder_count = counts.get(rule, 0)

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_limits(self, vals_list, RULE_LIMITS)
        return super().create(vals_list)

    def write(self, vals):
        check_integer_limits(self, [vals], RULE_LIMITS, context_defaults=False)
        return super().write(vals)

    def _offsets(self):
        """The steps of the rule, in days from the due date (see ``tools.schedule.rule_offsets``)."""
        self.ensure_one()
        if not self.repeat:
            return [self.offset_days]
        return schedule.rule_offsets(self.offset_days, self.repeat_every_days, self.repeat_until_days)

    def _channels(self):
        self.ensure_one()
        return {"email", "sms"} if self.channel == "both" else {self.channel}

    @api.constrains("offset_days", "repeat", "repeat_every_days", "repeat_until_days")
    def _check_repetition(self):
        for rule in self:
            if rule.offset_days < MIN_OFFSET_DAYS or rule.offset_days > MAX_OFFSET_DAYS:
                raise ValidationError(_(
                    "The rule %(rule)s fires %(days)s days from the due date: choose between -365 and 3650.",
                    rule=rule.name, days=rule.offset_days))
            if rule.repeat and not MIN_OFFSET_DAYS <= rule.repeat_until_days <= MAX_OFFSET_DAYS:
                raise ValidationError(_(
                    "The rule %(rule)s repeats until %(days)s days from the due date: choose between -365 and 3650.",
                    rule=rule.name, days=rule.repeat_until_days))
            if not rule.repeat:
                continue
            if rule.repeat_every_days <= 0:
                raise ValidationError(_(
                    "The rule %(rule)s repeats every %(every)s days: repeat every 1 day or more.",
                    rule=rule.name, every=rule.repeat_every_days))
            try:
                rule._offsets()
            except schedule.ScheduleError as error:
                if error.code == "too_many_steps":
                    raise ValidationError(_(
                        "The rule %(rule)s would fire %(count)s times: at most %(max)s reminders per rule.",
                        rule=rule.name, count=error.values["count"], max=schedule.MAX_REPEAT_STEPS))
                raise ValidationError(_(
                    "The rule %(rule)s repeats with no end: it starts %(start)s days from the due date and "
                    "must stop later than that (Until), not at %(end)s days.",
                    rule=rule.name, start=rule.offset_days, end=rule.repeat_until_days))

    @api.constrains("channel", "mail_template_id", "sms_template_id")
    def _check_templates(self):
        for rule in self:
            channels = rule._channels()
            if "email" in channels and not rule.mail_template_id:
                raise ValidationError(_("The rule %s sends e-mails: choose its e-mail template.", rule.name))
            if "sms" in channels and not rule.sms_template_id:
                raise ValidationError(_("The rule %s sends SMS: choose its SMS template.", rule.name))
            if rule.mail_template_id and rule.mail_template_id.model != "debt.reminder":
                raise ValidationError(_(
                    "The e-mail template of the rule %s must apply to payment reminders.", rule.name))
            if rule.sms_template_id and rule.sms_template_id.model != "debt.reminder":
                raise ValidationError(_(
                    "The SMS template of the rule %s must apply to payment reminders.", rule.name))

    @api.constrains("offset_days", "repeat", "repeat_every_days", "repeat_until_days", "channel", "active",
                    "company_id", "partner_category_ids")
    def _check_duplicate_steps(self):
        """Two active rules of a company may not fire on the same day with the same channel for the
        same customers (same tags): the customer would get the same reminder twice."""
        rules = self.search([("company_id", "in", self.company_id.ids)])
        for rule in self.filtered("active"):
            try:
                offsets = set(rule._offsets())
            except schedule.ScheduleError:
                continue  # reported by _check_repetition
            for other in rules:
                if other == rule or other.company_id != rule.company_id:
                    continue
                if other.partner_category_ids != rule.partner_category_ids:
                    continue
                if not rule._channels() & other._channels():
                    continue
                try:
                    common = offsets & set(other._offsets())
                except schedule.ScheduleError:
                    continue
                if common:
                    raise ValidationError(_(
                        "The rules %(rule)s and %(other)s both send %(channel)s %(days)s days from the due "
                        "date: change the day or the channel of one of them, or archive it.",
                        rule=rule.name, other=other.name,
                        channel=dict(self._fields["channel"]._description_selection(self.env))[rule.channel],
                        days=min(common)))

    def action_view_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_reminder")
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {}
        return action
