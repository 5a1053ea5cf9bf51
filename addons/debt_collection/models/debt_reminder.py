"""Payment reminders: the record of each reminder, its fields and its actions.

The engine that plans and sends them extends this model, one capability per file:

- ``debt_reminder_planning.py``: the hourly job (:meth:`_cron_send_reminders`), what is due for each
  customer (rules, pauses, frequency cap, working hours), the planned reminders inserted once per
  (customer, rule, cycle date), and the checks made again just before sending;
- ``debt_reminder_rendering.py``: the mail and SMS templates rendered for a batch, in each customer's language;
- ``debt_reminder_delivery.py``: recipients, the e-mails and SMS posted and queued through Odoo's mail and SMS
  machinery (``mail.mail``/``sms.sms`` with their ``mail.notification``), the follow-up of their delivery
  (``mail_notification.py``), chatter notes, activities and escalations.

Each batch is one transaction, committed before the next one: a run killed halfway leaves every reminder
either untouched (planned, sent by the next run) or done.
"""

import logging
from operator import itemgetter

from markupsafe import Markup, escape
from psycopg2.errors import LockNotAvailable

from odoo import _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

PLAN_BATCH_SIZE = 1000
SEND_BATCH_SIZE = 500
# queued: handed to Odoo's mail/SMS queues; sent: every channel accepted by its gateway (mail server, SMS
# provider); partial: one channel failed, the other went out; failed: nothing went out
STATES = [("planned", "Planned"), ("queued", "Queued"), ("sent", "Sent"), ("partial", "Partly Sent"),
          ("failed", "Failed"), ("skipped", "Skipped")]
CHANNEL_STATES = [("queued", "Queued"), ("sent", "Accepted"), ("failed", "Not Delivered")]
COVERING_STATES = ("planned", "queued", "sent", "partial", "failed")  # skipped: its items go to a later one
GONE_STATES = ("queued", "sent", "partial")  # a reminder that went out (at least one channel): the frequency cap
EMAIL_FIELDS = ("subject", "body_html", "email_from", "reply_to", "mail_server_id", "auto_delete")
# the outcome of a processed reminder, written in one UPDATE per batch (see DebtReminder._debt_write_rows)
OUTCOME_FIELDS = ("state", "sent_time", "reason", "mail_state", "mail_failure", "sms_state", "sms_failure",
                  "subject", "body_html", "email_to", "sms_body", "sms_segments", "sms_number")


class DebtReminder(models.Model):
    _name = "debt.reminder"
    _inherit = ["mail.thread"]
    _description = "Payment Reminder"
    # the reminder's own chatter: its delivery (failures, bounces, retries) and the collectors' notes; users
    # who can read a reminder may write there (the reminder itself stays the job's to write)
    _mail_post_access = "read"
    _order = "planned_time desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    rule_id = fields.Many2one("debt.reminder.rule", required=True, index=True, readonly=True,
                              ondelete="restrict")
    cycle_date = fields.Date(
        required=True, readonly=True,
        help="The customer's day on which the rule fired: one reminder per customer, rule and cycle date.")
    step_offset = fields.Integer(
        string="Step (Days From Due Date)", readonly=True,
        help="The step of the rule that fired, in days from the due date of the items.")
    channel = fields.Selection(related="rule_id.channel", string="Channel")
    line_ids = fields.Many2many(
        "account.move.line", "debt_reminder_move_line_rel", "reminder_id", "move_line_id",
        string="Items", readonly=True)
    item_count = fields.Integer(compute="_compute_item_info", string="Number of Items")
    sorted_line_ids = fields.Many2many(
        "account.move.line", compute="_compute_item_info", string="Items by Due Date")
    amount = fields.Monetary(
        string="Items Total", currency_field="currency_id", readonly=True,
        help="Open amount of the items, after partial payments, in company currency.")
    credit_amount = fields.Monetary(
        string="Unapplied Credits", currency_field="currency_id", readonly=True,
        help="The customer's unreconciled payments and open credit notes, deducted from what is asked.")
    amount_due = fields.Monetary(
        string="Amount Asked", currency_field="currency_id", readonly=True,
        help="Items total less unapplied credits.")
    planned_time = fields.Datetime(readonly=True, index=True)
    sent_time = fields.Datetime(readonly=True)
    send_date = fields.Date(
        string="Customer's Date", readonly=True,
        help="The customer's local date when the reminder was written: the wording (not yet due, due "
        "today, overdue) depends on it.")
    state = fields.Selection(STATES, required=True, default="planned", readonly=True, index=True)
    reason = fields.Text(readonly=True, help="Why the reminder failed, was skipped or postponed.")
    mail_state = fields.Selection(
        CHANNEL_STATES, string="E-mail Status", readonly=True,
        help="Followed from the e-mail's notification: sent once the mail server accepted it, failed on an "
        "error or a bounce. Empty: no e-mail for this reminder.")
    mail_failure = fields.Text(string="E-mail Failure", readonly=True)
    sms_state = fields.Selection(
        CHANNEL_STATES, string="SMS Status", readonly=True,
        help="Followed from the SMS's notification: sent once the SMS provider accepted it, failed on an error. "
        "Empty: no SMS for this reminder.")
    sms_failure = fields.Text(string="SMS Failure", readonly=True)
    retry_count = fields.Integer(
        string="Retries", readonly=True, help="How many times the job sent the failed channels again (once at most).")
    recipient_id = fields.Many2one("res.partner", readonly=True)
    email_to = fields.Char(string="E-mail To", readonly=True)
    sms_number = fields.Char(string="SMS To", readonly=True)
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="E-mail", readonly=True, sanitize=False)
    sms_body = fields.Text(string="SMS", readonly=True)
    sms_segments = fields.Integer(string="SMS Parts", readonly=True)
    sent_message_ids = fields.Many2many(
        "mail.message", "debt_reminder_mail_message_rel", "reminder_id", "message_id",
        string="Messages Sent", readonly=True, help="The e-mail and the SMS posted in the customer's chatter.")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    collector_id = fields.Many2one(related="partner_id.collector_id", string="Collector")
    lang = fields.Selection(related="partner_id.lang", string="Language")

    # Values for the templates (rendered in the customer's language)
    stage = fields.Selection(
        [("upcoming", "Not yet due"), ("due", "Due today"), ("overdue", "Overdue")],
        compute="_compute_stage")
    oldest_due_date = fields.Date(compute="_compute_item_info")
    invoice_names = fields.Char(compute="_compute_item_info", string="Invoices")
    payment_reference = fields.Char(compute="_compute_item_info")
    recipient_name = fields.Char(compute="_compute_contact_info")
    contact_name = fields.Char(compute="_compute_contact_info", string="Contact Person")
    contact_phone = fields.Char(compute="_compute_contact_info")
    contact_email = fields.Char(compute="_compute_contact_info")
    contact_details = fields.Char(compute="_compute_contact_info", help="Phone and e-mail of the contact person.")
    bank_account_id = fields.Many2one(
        "res.partner.bank", compute="_compute_contact_info",
        help="The company's bank account the customer pays to.")
    bank_account_text = fields.Char(compute="_compute_contact_info", string="Bank Account (Text)")
    amount_due_text = fields.Char(compute="_compute_texts", string="Amount Asked (Text)")
    oldest_due_date_text = fields.Char(compute="_compute_texts", string="Oldest Due Date (Text)")
    # The parts of the e-mails that need logic: the shipped e-mail templates are then only plain placeholders,
    # which Odoo renders without evaluating code (_render_template_qweb_regex), a hundred times faster than QWeb.
    intro_text = fields.Char(compute="_compute_mail_parts", string="Introduction (Text)")
    items_html = fields.Html(compute="_compute_mail_parts", sanitize=False, string="Items (Table Rows)")
    amount_html = fields.Html(compute="_compute_mail_parts", sanitize=False, string="Amount To Pay (Text)")
    payment_html = fields.Html(compute="_compute_mail_parts", sanitize=False, string="How To Pay (Text)")

    _sql_constraints = [
        ("cycle_unique", "UNIQUE(partner_id, rule_id, cycle_date)",
         "A customer gets one reminder per rule and cycle date."),
    ]

    # --- ORM: the job's records ----------------------------------------------------------------------------------
    # Every field of a reminder (state, planned and sent times, reason, rendered messages, recipients) is written
    # by the reminder job, "Send Reminder Now" and "Cancel", under sudo() (or in SQL, _debt_write_rows); users only
    # read them. The access rights give no group create or write; these checks keep it so if one ever did.

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_engine()
        return super().create(vals_list)

    def write(self, vals):
        self._debt_check_engine()
        return super().write(vals)

    def _debt_check_engine(self):
        if not self.env.su:
            raise AccessError(self.env._(
                "Payment reminders are written by the reminder job only: use Send Reminder Now or Cancel Reminder."))

    @api.model
    def mail_allowed_qweb_expressions(self):
        """The plain field paths of the reminder templates: a template made only of them is rendered by Odoo
        without evaluating code (``_render_template_inline_template_regex``), faster, and for users who are not
        template editors too."""
        return (
            *super().mail_allowed_qweb_expressions(),
            "object.partner_id.lang", "object.company_id.name", "object.company_id.email_formatted",
            "object.collector_id.email_formatted", "object.recipient_name", "object.amount_due_text",
            "object.invoice_names", "object.oldest_due_date_text", "object.bank_account_text",
            "object.payment_reference", "object.contact_name", "object.contact_phone", "object.contact_details",
            "object.partner_id.name", "object.intro_text", "object.items_html", "object.amount_html",
            "object.payment_html",
        )

    @api.model
    def _debt_overall_state(self, mail_state, sms_state):
        """The reminder's state from its channels' states (False: channel not used)."""
        used = [state for state in (mail_state, sms_state) if state]
        if not used or all(state == "failed" for state in used):
            return "failed"
        if "failed" in used:
            return "partial"
        return "queued" if "queued" in used else "sent"

    # --- computes ------------------------------------------------------------------------------------------------

    @api.depends("partner_id", "rule_id", "cycle_date")
    def _compute_display_name(self):
        for reminder in self:
            reminder.display_name = _(
                "%(rule)s - %(customer)s (%(date)s)", rule=reminder.rule_id.name or "",
                customer=reminder.partner_id.display_name or "",
                date=tools.format_date(self.env, reminder.cycle_date))

    @api.depends("step_offset", "send_date", "line_ids")
    def _compute_stage(self):
        for reminder in self:
            if reminder.send_date and reminder.oldest_due_date:
                days = (reminder.send_date - reminder.oldest_due_date).days
            else:
                days = reminder.step_offset
            reminder.stage = "upcoming" if days < 0 else "due" if days == 0 else "overdue"

    @api.depends("line_ids")
    def _compute_item_info(self):
        """The items by due date, their oldest due date, invoice numbers and payment references. The
        reminder job computes this for hundreds of reminders at once, ten items each: the items' values
        are read once, then each reminder only sorts and joins them."""
        self._debt_fetch_items()
        items = {}  # {line id: (sort key, due date, invoice number, payment reference)}
        for line in self.line_ids:
            due, name = line.date_maturity or line.date, line.move_name
            items[line.id] = ((due, name or "", line.id), due, name, line.move_id.payment_reference or name)
        lines = self.env["account.move.line"]
        for reminder in self:
            ordered = [items[line_id] for line_id in reminder.line_ids._ids]
            ordered.sort(key=itemgetter(0))
            reminder.sorted_line_ids = lines.browse([key[2] for key, *_values in ordered])
            reminder.item_count = len(ordered)
            reminder.oldest_due_date = min((due for _key, due, _name, _ref in ordered), default=False)
            names = dict.fromkeys(name for _key, _due, name, _ref in ordered if name)
            refs = dict.fromkeys(ref for _key, _due, _name, ref in ordered)
            reminder.invoice_names = ", ".join(names)
            reminder.payment_reference = ", ".join(ref for ref in refs if ref)

    @api.depends("partner_id", "recipient_id", "company_id")
    def _compute_contact_info(self):
        banks = {}
        for reminder in self:
            company = reminder.company_id
            partner = reminder.partner_id.with_company(company)
            user = partner.collector_id  # the collector in the reminder's company, else the salesperson
            # never empty: Odoo's placeholder would show its sample text instead
            recipient = reminder.recipient_id or partner.payment_contact_id or partner
            reminder.recipient_name = recipient.name or partner.name
            reminder.contact_name = user.name or company.name
            reminder.contact_phone = user.mobile or user.phone or company.phone or ""
            reminder.contact_email = user.email or company.email or ""
            reminder.contact_details = ", ".join(filter(None, [reminder.contact_phone, reminder.contact_email]))
            if company not in banks:
                banks[company] = company._debt_payment_bank_account()
            bank = banks[company]
            reminder.bank_account_id = bank
            reminder.bank_account_text = f"{bank.acc_number} ({bank.bank_id.name})" if bank.bank_id else \
                (bank.acc_number or "")

    @api.depends("amount_due", "line_ids")
    @api.depends_context("lang")
    def _compute_texts(self):
        for reminder in self:
            reminder.amount_due_text = tools.format_amount(self.env, reminder.amount_due, reminder.currency_id)
            reminder.oldest_due_date_text = tools.format_date(self.env, reminder.oldest_due_date) \
                if reminder.oldest_due_date else ""

    @api.depends("line_ids", "amount", "credit_amount", "amount_due", "stage", "partner_id", "company_id")
    @api.depends_context("lang")
    def _compute_mail_parts(self):
        """The sentences and the table rows of the e-mail templates, in the context's language (Odoo renders a
        template in the customer's language: ``_render_field`` browses the records in that language)."""
        env = self.env
        intros = {
            "due": env._("We hope all is well at %(customer)s. This is a friendly reminder from %(company)s that "
                         "the following invoices fall due today:"),
            "overdue": env._("We hope all is well at %(customer)s. This is a friendly reminder from %(company)s "
                             "that the following invoices have recently fallen due:"),
            "upcoming": env._("We hope all is well at %(customer)s. This is a friendly reminder from %(company)s "
                              "that the following invoices will soon fall due, so that you can plan their payment "
                              "with ease:"),
        }
        # translated once, escaped, then filled in with escaped values
        credit_text = escape(env._(
            "These invoices come to %(amount)s. After deducting your unapplied payments and credit notes of "
            "%(credits)s, the amount to pay is %(amount_due)s."))
        to_pay_text = escape(env._("Amount to pay: %(amount_due)s"))
        bank_text = escape(env._(
            "You can pay by bank transfer to %(company)s, account %(account)s, quoting the payment reference of "
            "each invoice."))
        quote_text = escape(env._("Please quote the payment reference of each invoice with your payment."))
        strong = Markup("<strong>%s</strong>")
        row = Markup(
            '<tr style="border-bottom: 1px solid #eeeeee;">'
            '<td style="padding: 4px 12px 4px 0px;">%s</td>'
            '<td style="padding: 4px 12px;">%s</td>'
            '<td style="padding: 4px 12px;">%s</td>'
            '<td style="padding: 4px 0px 4px 12px; text-align: right;">%s</td></tr>')
        # Odoo's formatters called once per distinct date or amount of the batch: the same due dates come back for
        # many customers, and each call looks the language up again
        dates, amounts = {}, {}

        def format_date(value):
            if value not in dates:
                dates[value] = tools.format_date(env, value)
            return dates[value]

        def format_amount(value, currency):
            if (value, currency) not in amounts:
                amounts[value, currency] = tools.format_amount(env, value, currency)
            return amounts[value, currency]

        for reminder in self:
            company_name = reminder.company_id.name or ""
            reminder.intro_text = intros[reminder.stage] % {
                "customer": reminder.partner_id.name or "", "company": company_name}
            reminder.items_html = Markup("").join(
                row % (line.move_name or "", format_date(line.date_maturity or line.date),
                       line.move_id.payment_reference or line.move_name or "",
                       format_amount(line.amount_residual_currency, line.currency_id))
                for line in reminder.sorted_line_ids)
            amount_due = strong % reminder.amount_due_text
            if reminder.credit_amount:
                reminder.amount_html = credit_text % {
                    "amount": format_amount(reminder.amount, reminder.currency_id),
                    "credits": format_amount(reminder.credit_amount, reminder.currency_id),
                    "amount_due": amount_due}
            else:
                reminder.amount_html = to_pay_text % {"amount_due": amount_due}
            if reminder.bank_account_id:
                reminder.payment_html = bank_text % {
                    "company": company_name, "account": strong % reminder.bank_account_text}
            else:
                reminder.payment_html = quote_text

    def _debt_fetch_items(self):
        """Read the items of the reminders, and their invoices' references, in a few narrow queries
        (reading one field of a journal item or an invoice would fetch all their columns)."""
        lines = self.line_ids
        lines.fetch(["date", "date_maturity", "move_name", "move_id", "currency_id", "company_currency_id",
                     "amount_residual", "amount_residual_currency", "reconciled", "partner_id"])
        lines.move_id.fetch(["name", "payment_reference"])

    # --- actions -------------------------------------------------------------------------------------------------

    def action_open_partner(self):
        self.ensure_one()
        return self.partner_id.get_formview_action()

    def _debt_skip(self, reason):
        self.write({"state": "skipped", "reason": reason})

    # --- send now, preview ---------------------------------------------------------------------------------------

    @api.model
    def _debt_send_now(self, partner):
        """Send the customer's current reminder at once (the user asked: no working hours, no cap).

        A planned reminder of the customer goes first; otherwise the rule in force for its open
        items is used, even if it already went out on an earlier day. Raises a UserError with the
        reason when there is nothing to send or the customer is paused.
        """
        partner = partner.commercial_partner_id
        company = self.env.company
        now = fields.Datetime.now()
        setup = self._debt_setup(company, now)
        planned = self.search([("partner_id", "=", partner.id), ("company_id", "=", company.id),
                               ("state", "=", "planned")], order="planned_time, id", limit=1)
        if not planned:
            candidates = self._debt_candidates(setup, now, partner_ids=[partner.id], force=True)
            if not candidates:
                raise UserError(_(
                    "Nothing to remind %s of: no open item has reached a reminder rule.", partner.display_name))
            candidate = candidates[0]
            if candidate["status"] == "hold":
                raise UserError(_("No reminder sent to %(customer)s: %(reason)s",
                                  customer=partner.display_name, reason=candidate["reason"]))
            candidate["status"] = "plan"
            planned = self._debt_insert([candidate], now)
            if not planned:
                raise UserError(_(
                    "A reminder of the rule %(rule)s was already sent to %(customer)s today.",
                    rule=candidate["rule"].name, customer=partner.display_name))
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.execute_query(SQL(
                    "SELECT id FROM debt_reminder WHERE id = %s AND state = 'planned' FOR UPDATE NOWAIT", planned.id))
        except LockNotAvailable:
            raise UserError(_("The reminder job is sending this reminder right now: look again in a minute."))
        planned.invalidate_recordset(["state"])
        if planned.state != "planned":
            raise UserError(_("This reminder was sent by the reminder job in the meantime."))
        planned._debt_process(setup, now, force=True)
        if planned.state == "skipped":
            raise UserError(_("No reminder sent to %(customer)s: %(reason)s",
                              customer=partner.display_name, reason=planned.reason))
        return planned

    @api.model
    def _debt_preview(self, company, at, partner_ids=None):
        """What a run at ``at`` would do, without sending nor keeping anything: one dict per customer
        (see the preview wizard). Works in a savepoint that is rolled back."""
        setup = self._debt_setup(company, at)
        lines = []
        self.env.flush_all()
        savepoint = self.env.cr.savepoint()
        try:
            candidates = self._debt_candidates(setup, at, partner_ids=partner_ids)
            held = [c for c in candidates if c["status"] == "hold"]
            self._debt_insert(candidates, at)
            domain = [("company_id", "=", company.id), ("state", "=", "planned")]
            if partner_ids is not None:
                domain.append(("partner_id", "in", list(partner_ids)))
            planned = self.search(domain, order="planned_time, id")
            due = planned.filtered(lambda r: r.planned_time <= at)
            later = planned - due
            for reminder in later:
                lines.append(reminder._debt_preview_values("later"))
            if due:
                due._debt_process(setup, at)
                # the deliveries happened inside the savepoint: read what they would have sent
                for reminder in due:
                    # partial: the preview shows it as failing in part (its reason says which channel)
                    status = {"queued": "send", "sent": "send", "partial": "send", "failed": "fail", "skipped": "hold",
                              "planned": "later"}[reminder.state]
                    lines.append(reminder._debt_preview_values(status))
            for candidate in held:
                lines.append({
                    "partner_id": candidate["partner_id"], "rule_id": candidate["rule"].id, "status": "hold",
                    "reason": candidate["reason"], "amount_due": candidate["amount_due"],
                    "credit_amount": candidate["credit"], "planned_time": False,
                })
        finally:
            savepoint.close(rollback=True)
            self.env.invalidate_all()
        return lines

    def _debt_preview_values(self, status):
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "rule_id": self.rule_id.id,
            "status": status,
            "reason": self.reason or False,
            "planned_time": self.planned_time,
            "amount_due": self.amount_due,
            "credit_amount": self.credit_amount,
            "invoice_names": self.invoice_names,
            "recipient_id": self.recipient_id.id,
            "email_to": self.email_to,
            "sms_number": self.sms_number,
            "subject": self.subject,
            "body_html": self.body_html,
            "sms_body": self.sms_body,
            "sms_segments": self.sms_segments,
        }

    def action_skip(self):
        """Cancel planned reminders (collection managers): they are kept as skipped, with who did it."""
        if not self.env.user.has_group("debt_collection.group_debt_collection_manager"):
            raise UserError(_("Only a collection manager can cancel a planned reminder."))
        self.check_access("read")
        planned = self.filtered(lambda r: r.state == "planned")
        # sudo: reminders are read-only for users; the manager right is checked above
        planned.sudo()._debt_skip(_("Cancelled by %s.", self.env.user.name))
        return True

    @api.model
    def _debt_load_demo(self):
        """Demo data: the reminders of the main company's customers, planned and sent at once (as with
        "Send Reminder Now"), so that the lists, the chatter and the failures have something to show.
        The e-mails and SMS only wait in Odoo's queues (the demo has no mail server nor SMS credit)."""
        company = self.env.ref("base.main_company")
        engine = self.with_company(company)
        now = fields.Datetime.now()
        setup = engine._debt_setup(company, now)
        candidates = [c for c in engine._debt_candidates(setup, now, force=True) if c["status"] != "hold"]
        for candidate in candidates:
            candidate["status"] = "plan"
        reminders = engine._debt_insert(candidates, now)
        reminders._debt_process(setup, now, force=True)
        return reminders

