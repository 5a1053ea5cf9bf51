"""Payment reminders: the record of each reminder, and the engine that plans and sends them.

The hourly cron (:meth:`DebtReminder._cron_send_reminders`) works in two phases, company by company:

1. *plan*: find, for every customer, the open items that reached a rule's step and are not yet
   covered by a reminder of that rule (see ``tools/schedule.py``), keep one rule per customer (the
   latest step), check the pauses (no reminders, open promise, disputed call, frequency cap,
   minimum amount, credits covering the items), and insert one ``planned`` reminder per customer
   with ``INSERT ... ON CONFLICT DO NOTHING`` on the unique key (customer, rule, cycle date): a
   second run, or a concurrent one, inserts nothing twice. The planned time is the next moment
   inside the company's working hours, in the customer's time zone, on a working day.
2. *send*: take the planned reminders whose time has come, in batches locked with
   ``FOR UPDATE SKIP LOCKED``; check again (paid meanwhile, pauses, working hours, cap), render
   the templates for the whole batch, queue the e-mails (``mail.mail``) and SMS (``sms.sms``),
   post them in the customers' chatter, apply the escalations, and mark the reminders sent,
   failed or skipped. Each batch is one transaction, committed before the next one: a run killed
   halfway leaves every reminder either untouched (planned, sent by the next run) or done.
"""

import logging
import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta
from operator import itemgetter

import pytz
from markupsafe import Markup
from psycopg2.errors import LockNotAvailable

from odoo import SUPERUSER_ID, Command, _, api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, split_every
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html

from ..tools import phone as phone_tools
from ..tools import schedule, sms_text

_logger = logging.getLogger(__name__)

PLAN_BATCH_SIZE = 1000
SEND_BATCH_SIZE = 500
STATES = [("planned", "Planned"), ("sent", "Sent"), ("failed", "Failed"), ("skipped", "Skipped")]
COVERING_STATES = ("planned", "sent", "failed")  # a skipped reminder leaves its items to a later one
EMAIL_FIELDS = ("subject", "body_html", "email_from", "reply_to", "mail_server_id", "auto_delete")
# the outcome of a processed reminder, written in one UPDATE per batch (see DebtReminder._debt_write_rows)
OUTCOME_FIELDS = ("state", "sent_time", "reason", "subject", "body_html", "email_to", "sms_body", "sms_segments",
                  "sms_number")


class DebtReminder(models.Model):
    _name = "debt.reminder"
    _description = "Payment Reminder"
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
    recipient_id = fields.Many2one("res.partner", readonly=True)
    email_to = fields.Char(string="E-mail To", readonly=True)
    sms_number = fields.Char(string="SMS To", readonly=True)
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="E-mail", readonly=True, sanitize=False)
    sms_body = fields.Text(string="SMS", readonly=True)
    sms_segments = fields.Integer(string="SMS Parts", readonly=True)
    message_ids = fields.Many2many(
        "mail.message", "debt_reminder_mail_message_rel", "reminder_id", "message_id",
        string="Messages", readonly=True, help="The e-mail and the SMS posted in the customer's chatter.")
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
            reminder.recipient_name = (reminder.recipient_id or partner.payment_contact_id or partner).name
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
        variables = self.env["mail.render.mixin"]._debt_render_variables()  # Odoo's formats, faster
        format_amount, format_date = variables["format_amount"], variables["format_date"]
        for reminder in self:
            reminder.amount_due_text = format_amount(reminder.amount_due, reminder.currency_id)
            reminder.oldest_due_date_text = format_date(reminder.oldest_due_date) if reminder.oldest_due_date else ""

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

    # --- the engine: company set-up ------------------------------------------------------------------------------

    @api.model
    def _debt_setup(self, company, now):
        """Everything about ``company`` the engine needs, read once per run."""
        rules = self.env["debt.reminder.rule"].search([("company_id", "=", company.id)], order="sequence, id")
        steps, broken = [], []
        for order, rule in enumerate(rules):
            try:
                steps.extend((offset, order, rule.id) for offset in rule._offsets())
            except schedule.ScheduleError:
                broken.append(rule)  # cannot happen through the ORM (constraint); skipped, logged
        if broken:
            _logger.warning("debt reminders: rules with an invalid repetition ignored: %s", broken.ids)
        company_tz = company._debt_timezone()
        calendar = company.resource_calendar_id
        calendar_error = False
        if not calendar:
            calendar_error = _("The company %s has no working hours (resource calendar).", company.name)
        elif not calendar.attendance_ids.filtered(
                lambda a: not a.resource_id and not a.display_type and a.day_period != "lunch"):
            calendar_error = _("The working hours %s have no working time.", calendar.name)
        offsets = [step[0] for step in steps]
        return {
            "company": company,
            "rules": {rule.id: rule for rule in rules},
            "steps": steps,
            "lead_days": max([0, *(-offset for offset in offsets)]),
            "order": {rule.id: order for order, rule in enumerate(rules)},
            "rule_tags": {rule.id: set(rule.partner_category_ids.ids) for rule in rules},
            "tagged_rules": any(rule.partner_category_ids for rule in rules),
            "company_tz": company_tz,
            "calendar_error": calendar_error,
            "calendar": calendar,
            "work_time": {},  # the calendar's working time per time zone, computed once per run when needed
            "cap_days": company.debt_reminder_cap_days,
            "plain_sms": company.debt_reminder_sms_plain,
            "renderers": {},  # the templates compiled in this run, by language (see _debt_render)
        }

    @api.model
    def _debt_zone(self, setup, partner_tz, zones):
        """The customer's ``ZoneInfo`` (its own time zone, else the company's), or a failure reason."""
        name = partner_tz or setup["company_tz"]
        if name not in zones:
            try:
                zones[name] = schedule.get_zone(name)
                pytz.timezone(name)  # the calendar's working time is read with pytz (Odoo's)
            except (schedule.ScheduleError, pytz.UnknownTimeZoneError):
                zones[name] = _(
                    "Unknown time zone %(tz)s on %(owner)s: choose a valid time zone so that reminders are "
                    "sent in working hours.",
                    tz=name, owner=_("the customer") if partner_tz else _("the company"))
        return zones[name]

    # --- the engine: what is due ---------------------------------------------------------------------------------

    @api.model
    def _debt_open_items(self, company, partner_ids=None, horizon=None):
        """Open receivable items (company currency) of the customers of ``company`` that have an item
        due on or before ``horizon`` (all customers with open items when None), in one query:
        ``{commercial partner id: [(line id, due date, residual)]}``, by due date."""
        partner_filter = SQL()
        if partner_ids is not None:
            partner_filter = SQL("AND cp.id = ANY(%s)", list(partner_ids))
        horizon_filter = SQL()
        if horizon is not None:
            horizon_filter = SQL("WHERE i.partner_id IN (SELECT partner_id FROM items WHERE residual > 0 "
                                 "AND due_date <= %s)", horizon)
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            WITH items AS (
                SELECT aml.id, cp.id AS partner_id, COALESCE(aml.date_maturity, aml.date) AS due_date,
                       aml.amount_residual AS residual
                  FROM account_move_line aml
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN res_partner p ON p.id = aml.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE aml.company_id = %(company)s
                   AND aml.parent_state = 'posted'
                   AND aml.reconciled IS NOT TRUE
                   AND aml.amount_residual != 0
                   AND acc.account_type = 'asset_receivable'
                   %(partner_filter)s
            )
            SELECT i.partner_id, i.id, i.due_date, i.residual
              FROM items i
              %(horizon_filter)s
          ORDER BY i.partner_id, i.due_date, i.id
            """,
            company=company.id, partner_filter=partner_filter, horizon_filter=horizon_filter,
        ))
        items = defaultdict(list)
        for partner_id, line_id, due_date, residual in rows:
            items[partner_id].append((line_id, due_date, residual))
        return items

    @api.model
    def _debt_partner_info(self, partner_ids, company):
        """tz, "no reminders", disputed call pending (both in ``company``) and tags of customers, in one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT p.id, p.tz, COALESCE((p.no_reminder ->> %(company)s)::boolean, FALSE),
                   COALESCE((p.debt_attention ->> %(company)s)::boolean, FALSE)
                   AND (p.debt_attention_reason ->> %(company)s) = 'disputed',
                   ARRAY(SELECT rel.category_id FROM res_partner_res_partner_category_rel rel
                          WHERE rel.partner_id = p.id) AS tags
              FROM res_partner p
             WHERE p.id = ANY(%(partners)s)
            """, company=str(company.id), partners=list(partner_ids)))
        return {
            pid: {"tz": tz, "no_reminder": no_reminder, "disputed": disputed, "tags": set(tags)}
            for pid, tz, no_reminder, disputed, tags in rows
        }

    @api.model
    def _debt_coverage(self, company, partner_ids):
        """``{(line id, rule id): last cycle date}`` of the reminders covering the customers' items."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT rel.move_line_id, r.rule_id, MAX(r.cycle_date)
              FROM debt_reminder r
              JOIN debt_reminder_move_line_rel rel ON rel.reminder_id = r.id
             WHERE r.company_id = %s AND r.partner_id = ANY(%s) AND r.state IN %s
          GROUP BY rel.move_line_id, r.rule_id
            """, company.id, list(partner_ids), COVERING_STATES))
        return {(line_id, rule_id): cycle for line_id, rule_id, cycle in rows}

    @api.model
    def _debt_history(self, company, partner_ids, exclude_ids=()):
        """``{partner id: (last sent time, has a planned reminder)}`` in one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT partner_id, MAX(sent_time) FILTER (WHERE state = 'sent'), BOOL_OR(state = 'planned')
              FROM debt_reminder
             WHERE company_id = %s AND partner_id = ANY(%s) AND id != ALL(%s)
          GROUP BY partner_id
            """, company.id, list(partner_ids), list(exclude_ids)))
        return {pid: (last_sent, planned) for pid, last_sent, planned in rows}

    @api.model
    def _debt_paused_partners(self, company, partner_ids, info):
        """``{partner id: reason}`` of the customers not to remind now: "no reminders", and the holds
        of the collection work (open promise covering the overdue amount, disputed call pending)."""
        paused = {}
        promised = self.env["res.partner"]._debt_promised_partner_ids(partner_ids, company)
        for pid in partner_ids:
            if info.get(pid, {}).get("no_reminder"):
                paused[pid] = _("The customer is set to receive no reminders.")
            elif pid in promised:
                paused[pid] = _("The customer's open promise to pay covers its overdue amount: reminders wait "
                                "until it is kept or broken.")
            elif info.get(pid, {}).get("disputed"):
                paused[pid] = _("A call flagged the customer's debt as disputed: reminders wait until the "
                                "dispute is cleared.")
        return paused

    @api.model
    def _debt_candidates(self, setup, now, partner_ids=None, force=False):
        """What the engine would do for each customer of the company at ``now``.

        :param force: "send now": steps already covered count again, no frequency cap
        :returns: list of dicts ``{partner_id, status, reason, rule, step_offset, items, amount,
            credit, amount_due, cycle_date, planned_time}``, ``status`` being ``plan`` (a reminder to
            create), ``fail`` (to create and fail at once, e.g. unknown time zone) or ``hold`` (nothing
            to create now; ``reason`` says why)
        """
        company = setup["company"]
        if not setup["steps"]:
            return []
        horizon = (now + timedelta(days=setup["lead_days"] + 1)).date()
        items_by_partner = self._debt_open_items(company, partner_ids=partner_ids, horizon=horizon)
        pids = list(items_by_partner)
        info = self._debt_partner_info(pids, company)
        coverage = {} if force else self._debt_coverage(company, pids)
        history = self._debt_history(company, pids)
        paused = self._debt_paused_partners(company, pids, info)
        rules = setup["rules"]
        zones = {}
        result = []
        for pid, items in items_by_partner.items():
            pinfo = info.get(pid, {})
            zone = self._debt_zone(setup, pinfo.get("tz"), zones)
            zone_error = isinstance(zone, str) and zone
            today = schedule.local_date(now, schedule.get_zone("UTC") if zone_error else zone)
            steps = setup["steps"]
            if setup["tagged_rules"]:
                tags = pinfo.get("tags", set())
                rule_tags = setup["rule_tags"]
                steps = [s for s in steps if not rule_tags[s[2]] or tags & rule_tags[s[2]]]
            best, due_items = None, defaultdict(list)
            for line_id, due_date, residual in items:
                if residual <= 0:
                    continue
                step = schedule.current_step((today - due_date).days, steps)
                if not step:
                    continue
                offset, rule_id = step
                if schedule.is_covered(due_date, offset, coverage.get((line_id, rule_id))):
                    continue
                due_items[rule_id].append((line_id, due_date, residual))
                key = (offset, -setup["order"][rule_id])
                if best is None or key > best[0]:
                    best = (key, rule_id, offset)
            if best is None:
                continue
            rule = rules[best[1]]
            chosen = due_items[rule.id]
            amount = sum(residual for _line, _due, residual in chosen)
            credit = -sum(residual for _line, _due, residual in items if residual < 0)
            amount_due = max(company.currency_id.round(amount - credit), 0.0)
            candidate = {
                "partner_id": pid, "rule": rule, "step_offset": best[2], "items": chosen,
                "amount": amount, "credit": credit, "amount_due": amount_due, "cycle_date": today,
                "status": "plan", "reason": False, "planned_time": now,
            }
            last_sent, has_planned = history.get(pid, (None, False))
            if pid in paused:
                candidate.update(status="hold", reason=paused[pid])
            elif amount_due <= 0:
                candidate.update(status="hold", reason=_(
                    "Nothing to ask: the customer's unapplied payments and credit notes (%s) cover the items.",
                    tools.format_amount(self.env, credit, company.currency_id)))
            elif company.currency_id.compare_amounts(amount_due, rule.min_amount) < 0:
                candidate.update(status="hold", reason=_(
                    "The customer owes %(amount)s under the rule, less than its minimum of %(minimum)s.",
                    amount=tools.format_amount(self.env, amount_due, company.currency_id),
                    minimum=tools.format_amount(self.env, rule.min_amount, company.currency_id)))
            elif has_planned and not force:
                candidate.update(status="hold", reason=_("A reminder is already planned for this customer."))
            elif zone_error:
                candidate.update(status="fail", reason=zone_error)
            elif not force and last_sent and not schedule.cap_allows(
                    today, schedule.local_date(last_sent, zone), setup["cap_days"]):
                next_date = schedule.cap_next_date(schedule.local_date(last_sent, zone), setup["cap_days"])
                candidate.update(status="hold", reason=_(
                    "At most one reminder every %(days)s days: the next one can go out on %(date)s.",
                    days=setup["cap_days"], date=tools.format_date(self.env, next_date)))
            elif not force:
                if setup["calendar_error"]:
                    candidate.update(status="hold", reason=setup["calendar_error"])
                else:
                    planned_time = setup["calendar"]._debt_next_work_moments(
                        {pid: now}, zone.key, company, setup["work_time"])[pid]
                    if planned_time:
                        candidate["planned_time"] = planned_time
                    else:
                        candidate.update(status="hold", reason=_(
                            "No working hours in the company's calendar in the coming year."))
            result.append(candidate)
        return result

    # --- the engine: planning ------------------------------------------------------------------------------------

    @api.model
    def _debt_insert(self, candidates, now):
        """Insert the reminders of ``candidates`` (status plan or fail) in two queries, skipping those
        whose (customer, rule, cycle date) already exists. Returns the new reminders."""
        candidates = [c for c in candidates if c["status"] in ("plan", "fail")]
        if not candidates:
            return self.browse()
        self.env.flush_all()
        rows = [
            SQL("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                c["partner_id"], c["rule"].company_id.id, c["rule"].id, c["cycle_date"], c["step_offset"],
                c["amount"], c["credit"], c["amount_due"],
                c["planned_time"] if c["status"] == "plan" else now,
                "planned", c["reason"] or None, self.env.uid, self.env.uid, now, now)
            for c in candidates
        ]
        inserted = self.env.execute_query(SQL(
            """
            INSERT INTO debt_reminder (partner_id, company_id, rule_id, cycle_date, step_offset, amount,
                                       credit_amount, amount_due, planned_time, state, reason,
                                       create_uid, write_uid, create_date, write_date)
            VALUES %s
            ON CONFLICT (partner_id, rule_id, cycle_date) DO NOTHING
            RETURNING id, partner_id, rule_id
            """, SQL(", ").join(rows)))
        if not inserted:
            return self.browse()
        new_ids = {(pid, rule_id): rid for rid, pid, rule_id in inserted}
        rel_reminders, rel_lines = [], []
        for candidate in candidates:
            reminder_id = new_ids.get((candidate["partner_id"], candidate["rule"].id))
            if reminder_id:
                for line_id, _due, _residual in candidate["items"]:
                    rel_reminders.append(reminder_id)
                    rel_lines.append(line_id)
        self.env.execute_query(SQL(
            """
            INSERT INTO debt_reminder_move_line_rel (reminder_id, move_line_id)
                 SELECT * FROM unnest(%s::int[], %s::int[])
            """, rel_reminders, rel_lines))
        self.invalidate_model()
        return self.browse(sorted(new_ids.values()))

    @api.model
    def _debt_plan(self, setup, now, auto_commit, partner_ids=None, batch_size=PLAN_BATCH_SIZE):
        """Phase 1 for one company: insert the planned reminders. Returns how many were planned."""
        candidates = self._debt_candidates(setup, now, partner_ids=partner_ids)
        planned = 0
        for chunk in split_every(batch_size, [c for c in candidates if c["status"] in ("plan", "fail")]):
            with self._debt_transaction(auto_commit):
                planned += len(self._debt_insert(chunk, now))
        return planned

    @contextmanager
    def _debt_transaction(self, auto_commit):
        """One batch of work: committed at the end (cron), or a savepoint (tests, user actions)."""
        if not auto_commit:
            with self.env.cr.savepoint():
                yield
            return
        try:
            yield
            self.env.cr.commit()
        except Exception:
            self.env.cr.rollback()
            self.env.invalidate_all()
            raise

    # --- the cron ------------------------------------------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self, now=None, send_batch_size=SEND_BATCH_SIZE, plan_batch_size=PLAN_BATCH_SIZE):
        """Plan the reminders due, then send those whose time has come, company by company."""
        auto_commit = not getattr(threading.current_thread(), "testing", False)
        now = now or fields.Datetime.now()
        companies = self.env["debt.reminder.rule"].search([]).company_id
        done = 0
        for company in companies:
            engine = self.with_company(company)
            setup = engine._debt_setup(company, now)
            if setup["calendar_error"]:
                _logger.warning("debt reminders: %s Nothing is planned for this company.", setup["calendar_error"])
            planned = engine._debt_plan(setup, now, auto_commit, batch_size=plan_batch_size)
            done += engine._debt_send_due(setup, now, auto_commit, batch_size=send_batch_size, done=done)
            _logger.info("debt reminders: company %s: %s planned", company.name, planned)
        self.env["ir.cron"]._notify_progress(done=done, remaining=0)

    @api.model
    def _debt_send_due(self, setup, now, auto_commit, batch_size=SEND_BATCH_SIZE, done=0):
        """Phase 2 for one company: process the planned reminders due at ``now``, batch by batch."""
        company = setup["company"]
        due_domain = SQL(
            "company_id = %s AND state = 'planned' AND planned_time <= %s", company.id, now)
        self.env.flush_all()
        total = self.env.execute_query(SQL("SELECT COUNT(*) FROM debt_reminder WHERE %s", due_domain))[0][0]
        seen = []
        processed = 0
        while True:
            with self._debt_transaction(auto_commit):
                ids = [row[0] for row in self.env.execute_query(SQL(
                    """
                    SELECT id FROM debt_reminder
                     WHERE %s AND id != ALL(%s)
                  ORDER BY planned_time, id
                     LIMIT %s
                       FOR UPDATE SKIP LOCKED
                    """, due_domain, seen, batch_size))]
                if ids:
                    self.browse(ids)._debt_process(setup, now)
            if not ids:
                break
            seen.extend(ids)
            processed += len(ids)
            self.env["ir.cron"]._notify_progress(done=done + processed, remaining=max(total - processed, 0))
            if auto_commit:
                self.env.cr.commit()
        return processed

    # --- the engine: sending -------------------------------------------------------------------------------------

    @api.model
    def _debt_credits(self, company, partner_ids):
        """``{partner id: unapplied credits}`` (open credit notes, unreconciled payments), one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT cp.id, -SUM(aml.amount_residual)
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
             WHERE aml.company_id = %s AND cp.id = ANY(%s)
               AND aml.parent_state = 'posted' AND aml.reconciled IS NOT TRUE
               AND aml.amount_residual < 0 AND acc.account_type = 'asset_receivable'
          GROUP BY cp.id
            """, company.id, list(partner_ids)))
        return dict(rows)

    def _debt_process(self, setup, now, force=False):
        """Send, postpone, skip or fail the planned reminders ``self`` (one company).

        :param force: "send now": ignore working hours and the frequency cap
        """
        company = setup["company"]
        self.env.flush_all()
        self._debt_fetch_items()
        pids = list(set(self.partner_id.ids))
        info = self._debt_partner_info(pids, company)
        paused = self._debt_paused_partners(company, pids, info)
        credits = self._debt_credits(company, pids)
        history = self._debt_history(company, pids, exclude_ids=self.ids)
        zones = {}
        to_send, tz_failed = [], []
        amounts = {}  # {reminder id: (amount, credit, amount due)} of the reminders to send now
        decided = {}  # {reminder id: (state, reason, planned time)} of the others (skipped, failed, postponed)
        currency = company.currency_id
        for reminder in self:
            pid = reminder.partner_id.id
            open_lines = reminder.line_ids.filtered(lambda line: not line.reconciled and line.amount_residual > 0)
            amount = sum(open_lines.mapped("amount_residual"))
            credit = credits.get(pid, 0.0)
            amount_due = max(currency.round(amount - credit), 0.0)
            skip_reason = False
            if pid in paused:
                skip_reason = paused[pid]
            elif not open_lines:
                skip_reason = _("The items were paid or settled before the reminder went out.")
            elif amount_due <= 0:
                skip_reason = _(
                    "The customer's unapplied payments and credit notes (%s) cover the items.",
                    tools.format_amount(self.env, credit, currency))
            elif currency.compare_amounts(amount_due, reminder.rule_id.min_amount) < 0:
                skip_reason = _(
                    "The customer owes %(amount)s under the rule, less than its minimum of %(minimum)s.",
                    amount=tools.format_amount(self.env, amount_due, currency),
                    minimum=tools.format_amount(self.env, reminder.rule_id.min_amount, currency))
            if skip_reason:
                decided[reminder.id] = ("skipped", skip_reason, reminder.planned_time)
                continue
            zone = self._debt_zone(setup, info.get(pid, {}).get("tz"), zones)
            if isinstance(zone, str) and not force:
                decided[reminder.id] = ("failed", zone, reminder.planned_time)
                tz_failed.append(reminder.id)
                continue
            if not force:
                planned_time, reason = reminder._debt_postponed_time(setup, now, zone, history.get(pid))
                if planned_time:
                    decided[reminder.id] = ("planned", reason, planned_time)
                    continue
            if open_lines != reminder.line_ids:
                reminder.line_ids = [Command.set(open_lines.ids)]
            amounts[reminder.id] = (currency.round(amount), currency.round(credit), amount_due)  # as Monetary does
            to_send.append(reminder.id)
        # sent_time: a reminder waiting, skipped or failed has not been sent (it is planned until now)
        self._debt_write_rows(("state", "reason", "planned_time", "sent_time"),
                              {rid: (*decision, None) for rid, decision in decided.items()})
        if tz_failed:
            tz_failed = self.browse(tz_failed)
            activities = {}
            for reminder in tz_failed:
                activities[reminder] = {
                    "summary": _("Fix the time zone of %s", reminder.partner_id.name), "note": reminder.reason}
            tz_failed._debt_followup_activities(activities)
            tz_failed._debt_post_failure_notes()
        if to_send:
            self.browse(to_send)._debt_deliver(setup, now, amounts)

    def _debt_postponed_time(self, setup, now, zone, history):
        """When a due reminder must wait (outside working hours, frequency cap), and why:
        ``(moment, reason)``, or ``(None, False)`` to send it now."""
        self.ensure_one()
        last_sent = history[0] if history else None
        not_before = now
        reason = False
        if last_sent:
            next_date = schedule.cap_next_date(schedule.local_date(last_sent, zone), setup["cap_days"])
            if next_date and schedule.local_date(now, zone) < next_date:
                not_before = schedule.to_utc(datetime.combine(next_date, time(0, 0)).replace(tzinfo=zone))
                reason = _("Postponed: at most one reminder every %(days)s days.", days=setup["cap_days"])
        if setup["calendar_error"]:
            return now + timedelta(hours=1), setup["calendar_error"]
        moment = setup["calendar"]._debt_next_work_moments(
            {self.id: not_before}, zone.key, setup["company"], setup["work_time"])[self.id]
        if not moment:
            return now + timedelta(days=1), _("No working hours in the company's calendar in the coming year.")
        if moment <= now:
            return None, False
        return moment, reason or _("Postponed to the next working hours of the customer.")

    def _debt_skip(self, reason):
        self.write({"state": "skipped", "reason": reason})

    # --- delivery ------------------------------------------------------------------------------------------------

    def _debt_recipients(self, setup):
        """``{reminder: {"partner", "email", "email_error", "number", "sms_error"}}``."""
        company = setup["company"]
        default_country = company.country_id.code
        result = {}
        for reminder in self:
            customer = reminder.partner_id
            contact = customer.payment_contact_id
            email_owner = contact if contact.email else customer
            email = tools.email_normalize(email_owner.email) if email_owner.email else False
            email_error = False
            if not email_owner.email:
                email_error = _("no e-mail address on the customer or its payment contact")
            elif not email:
                email_error = _("the e-mail address %s is not valid", email_owner.email)
            candidates = []
            for owner in (contact, customer):
                if owner:
                    region = owner.country_id.code or customer.country_id.code or default_country
                    candidates += [(owner, owner.mobile, region), (owner, owner.phone, region)]
            number, sms_error, sms_owner = False, False, contact or customer
            try:
                sms_owner, number = phone_tools.pick_mobile(candidates)
            except phone_tools.PhoneError as error:
                sms_error = {
                    "missing": _("no mobile number on the customer or its payment contact"),
                    "invalid": _("the number %s is not a valid phone number", error.number),
                    "landline": _("the number %s is a landline, which cannot receive SMS", error.number),
                }[error.code]
            result[reminder] = {
                "email_partner": email_owner, "email": email, "email_error": email_error,
                "sms_partner": sms_owner, "number": number, "sms_error": sms_error,
            }
        return result

    def _debt_render(self, template, fields_to_render, renderers=None):
        """Render ``fields_to_render`` of ``template`` (a mail.template or sms.template on reminders) for
        all of ``self``, each in its customer's language (the template's ``lang``). Each template field is
        compiled once per language, then rendered record by record (see ``models/mail_render_mixin.py``):
        a template failing for one reminder fails only that one.

        :param renderers: a dict keeping the compiled renderers (or the compilation errors) between calls,
            e.g. for the batches of a run (see :meth:`_debt_setup`); None: compiled for this call only
        :returns: ``(values by id, error by id)``
        """
        renderers = {} if renderers is None else renderers

        def renderer(localized, field, source, qweb):
            key = (localized._name, localized.id, field, localized.env.lang, source)
            if key not in renderers:
                try:
                    renderers[key] = localized._debt_qweb_renderer(source) if qweb else \
                        localized._debt_inline_renderer(source)
                except Exception as error:  # noqa: BLE001 - an invalid template fails all its reminders
                    renderers[key] = error
            return renderers[key]

        values = {rid: {} for rid in self.ids}
        errors = {}
        by_lang = defaultdict(list)
        if template.lang:
            render_lang = renderer(template, "lang", template.lang, False)
            if isinstance(render_lang, Exception):
                return {}, dict.fromkeys(self.ids, self._debt_render_error(template, render_lang))
            for record in self:
                try:
                    by_lang[render_lang(record) or False].append(record.id)
                except Exception as error:  # noqa: BLE001
                    errors[record.id] = self._debt_render_error(template, error)
        else:
            by_lang[False] = self.ids
        base_url = self[:1].get_base_url() if self else False
        mixin = self.env["mail.render.mixin"]
        for lang, res_ids in by_lang.items():
            localized = template.with_context(lang=lang) if lang else template
            # prefetching the whole batch: the values the templates read (items, contact, amounts) are
            # computed for all the reminders at once, not once per language and template
            records = localized.env[self._name].browse(res_ids).with_prefetch(self._prefetch_ids)
            for field in fields_to_render:
                if field in ("auto_delete", "mail_server_id"):
                    for rid in res_ids:
                        values[rid][field] = template[field].id if field == "mail_server_id" else template[field]
                    continue
                source = localized[field]
                if not source:
                    for rid in res_ids:
                        values[rid][field] = ""
                    continue
                qweb = getattr(template._fields[field], "render_engine", "inline_template") == "qweb"
                render = renderer(localized, field, source, qweb)
                if isinstance(render, Exception):  # an invalid template fails all its reminders
                    for rid in res_ids:
                        errors.setdefault(rid, self._debt_render_error(template, render))
                    continue
                for record in records:
                    if record.id in errors:
                        continue
                    try:
                        text = render(record)
                    except Exception as error:  # noqa: BLE001 - a template may fail in any way for one record
                        errors[record.id] = self._debt_render_error(template, error)
                        continue
                    values[record.id][field] = mixin._debt_replace_local_links(text, base_url) if qweb else text
        return {rid: vals for rid, vals in values.items() if rid not in errors}, errors

    @api.model
    def _debt_render_error(self, template, error):
        _logger.info("debt reminders: template %s failed: %s", template.display_name, error)
        return str(error) or error.__class__.__name__

    def _debt_deliver(self, setup, now, amounts):
        """Render and queue the e-mails and SMS of ``self`` (due, checked), post them in the
        customers' chatter, apply the escalations, and record the outcome. A constant number of
        queries for the whole batch, whatever its size (templates grouped).

        :param amounts: ``{reminder id: (amount, credit, amount due)}``, the amounts of the items now
        """
        company = setup["company"]
        recipients = self._debt_recipients(setup)
        zones = {}
        addressed = {}
        for reminder, recipient in recipients.items():
            main = recipient["email_partner"] if "email" in reminder.rule_id._channels() else recipient["sms_partner"]
            zone = self._debt_zone(setup, reminder.partner_id.tz, zones)
            if isinstance(zone, str):  # "send now" to a customer with an unknown time zone
                zone = schedule.get_zone("UTC")
            addressed[reminder.id] = (main.id, schedule.local_date(now, zone), *amounts[reminder.id])
        self._debt_write_rows(("recipient_id", "send_date", "amount", "credit_amount", "amount_due"), addressed)
        self.env.flush_all()
        author = company.partner_id
        author_email = company.email_formatted or author.email_formatted or self.env.user.email_formatted
        outcome = {reminder: {"sent": [], "errors": [], "values": {}} for reminder in self}
        mail_items = self._debt_prepare_emails(setup, recipients, outcome, author, author_email)
        sms_items = self._debt_prepare_sms(setup, recipients, outcome)
        self._debt_queue(mail_items, sms_items, recipients, outcome, author, author_email)

        # outcome, escalations
        activities = {}
        sent = []
        message_rel = [(reminder.id, mid) for reminder in self for mid in outcome[reminder]["sent"]]
        if message_rel:
            self.env.execute_query(SQL(
                """
                INSERT INTO debt_reminder_mail_message_rel (reminder_id, message_id)
                     SELECT * FROM unnest(%s::int[], %s::int[])
                """, [rid for rid, _mid in message_rel], [mid for _rid, mid in message_rel]))
            self.invalidate_recordset(["message_ids"])
        outcome_rows = {}
        for reminder in self:
            result = outcome[reminder]
            values = result["values"]
            if result["sent"]:
                sent.append(reminder.id)
            outcome_rows[reminder.id] = (
                "sent" if result["sent"] else "failed", now if result["sent"] else None,
                "\n".join(result["errors"]) or None,
                *(None if values.get(fname) is False else values.get(fname) for fname in OUTCOME_FIELDS[3:]),
            )
            if result.get("fix_number"):
                activities[reminder] = {
                    "summary": _("Fix the mobile number of %s", reminder.partner_id.name),
                    "note": _("The payment reminder could not be sent by SMS: %s. Please enter a valid mobile "
                              "number (on the customer or its payment contact).", result["fix_number"]),
                }
        self._debt_write_rows(OUTCOME_FIELDS, outcome_rows)
        sent = self.browse(sent)
        failed = self - sent
        failed._debt_post_failure_notes()
        self._debt_escalate(sent, activities)

    def _debt_prepare_emails(self, setup, recipients, outcome, author, author_email):
        """Render the e-mails of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, chatter message values, mail.mail values)]``
        """
        company = setup["company"]
        # translated once per batch, filled in per reminder (as _() would do, with the same arguments)
        summary_text = _("Payment reminder e-mailed to %(recipient)s: %(subject)s (%(invoices)s; %(amount)s).")
        items = []
        by_template = defaultdict(list)
        for reminder in self:
            if "email" not in reminder.rule_id._channels():
                continue
            if recipients[reminder]["email_error"]:
                outcome[reminder]["errors"].append(_("E-mail not sent: %s.", recipients[reminder]["email_error"]))
                continue
            by_template[reminder.rule_id.mail_template_id].append(reminder.id)
        for template, reminder_ids in by_template.items():
            reminders = self.browse(reminder_ids).with_prefetch(self._prefetch_ids)
            rendered, errors = reminders._debt_render(template, EMAIL_FIELDS, setup["renderers"])
            for reminder in reminders:
                if reminder.id in errors:
                    outcome[reminder]["errors"].append(_(
                        "E-mail not sent: the template %(template)s could not be rendered: %(error)s",
                        template=template.name, error=errors[reminder.id]))
                    continue
                values = rendered[reminder.id]
                email_from = values.get("email_from") or author_email
                if not email_from:
                    outcome[reminder]["errors"].append(_(
                        "E-mail not sent: the company %s has no e-mail address to send from.", company.name))
                    continue
                partner = reminder.partner_id
                recipient = recipients[reminder]["email_partner"]
                # The chatter shows a summary: the full e-mail goes out from body_html and stays on the
                # reminder (its E-mail tab). Sanitizing every e-mail again for the chatter would double the
                # cost of a run (Odoo sanitizes an HTML value twice when creating a record).
                summary = Markup("<p>%s</p>") % (summary_text % {
                    "recipient": recipient.email, "subject": values.get("subject") or "",
                    "invoices": reminder.invoice_names, "amount": reminder.amount_due_text})
                message_values = {
                    "model": "res.partner",
                    "res_id": partner.id,
                    "record_name": partner.display_name,
                    "message_type": "email_outgoing",
                    "message_id": generate_tracking_message_id("debt-reminder"),
                    "author_id": author.id,
                    "email_from": email_from,
                    "reply_to": values.get("reply_to") or email_from,
                    "subject": values.get("subject") or "",
                    "body": summary,
                    "mail_server_id": values.get("mail_server_id") or False,
                }
                mail_values = {
                    "is_notification": True,
                    "body_html": values.get("body_html") or "",
                    "recipient_ids": [Command.link(recipient.id)],
                    "auto_delete": values.get("auto_delete", True),
                    "state": "outgoing",
                }
                items.append((reminder, message_values, mail_values))
                outcome[reminder]["values"].update(
                    subject=values.get("subject"), body_html=values.get("body_html"), email_to=recipient.email)
        return items

    def _debt_prepare_sms(self, setup, recipients, outcome):
        """Render the SMS of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, text)]``
        """
        items = []
        by_template = defaultdict(list)
        for reminder in self:
            if "sms" not in reminder.rule_id._channels():
                continue
            if recipients[reminder]["sms_error"]:
                outcome[reminder]["errors"].append(_("SMS not sent: %s.", recipients[reminder]["sms_error"]))
                outcome[reminder]["fix_number"] = recipients[reminder]["sms_error"]
                continue
            by_template[reminder.rule_id.sms_template_id].append(reminder.id)
        for template, reminder_ids in by_template.items():
            reminders = self.browse(reminder_ids).with_prefetch(self._prefetch_ids)
            rendered, errors = reminders._debt_render(template, ("body",), setup["renderers"])
            for reminder in reminders:
                if reminder.id in errors:
                    outcome[reminder]["errors"].append(_(
                        "SMS not sent: the template %(template)s could not be rendered: %(error)s",
                        template=template.name, error=errors[reminder.id]))
                    continue
                body = (rendered[reminder.id]["body"] or "").strip()
                body = sms_text.sms_plain_text(body) if setup["plain_sms"] else sms_text.sms_typography(body)
                items.append((reminder, body))
                outcome[reminder]["values"].update(
                    sms_body=body, sms_segments=sms_text.sms_segments(body)["segments"],
                    sms_number=recipients[reminder]["number"])
        return items

    def _debt_queue(self, mail_items, sms_items, recipients, outcome, author, author_email):
        """Post the e-mails and SMS in the customers' chatter and queue them, in a few creates for the
        whole batch: the chatter messages of both channels in one ``mail.message`` create; then each
        e-mail as the ``mail.mail`` of its message (as Odoo's e-mail notifications are: a ``mail.mail``
        created with the message's values would create the message through ``_inherits`` and sanitize
        its body once more); then the ``sms.sms`` and their notifications, as Odoo's SMS are.
        The ids of the messages go to ``outcome``."""
        if not mail_items and not sms_items:
            return
        note_subtype = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        # sudo: logging in the chatter and queueing the messages (technical records), as Odoo's notifications do
        messages = self.env["mail.message"].sudo().create([values for _r, values, _m in mail_items] + [{
            "model": "res.partner",
            "res_id": reminder.partner_id.id,
            "record_name": reminder.partner_id.display_name,
            "message_type": "sms",
            "subtype_id": note_subtype,
            "body": sms_content_to_rendered_html(body),
            "author_id": author.id,
            "email_from": author_email,
            "reply_to": author_email,
            "message_id": generate_tracking_message_id("debt-reminder-sms"),
        } for reminder, body in sms_items])
        mail_messages, sms_messages = messages[:len(mail_items)], messages[len(mail_items):]
        if mail_items:
            self.env["mail.mail"].sudo().create([
                dict(mail_values, mail_message_id=message.id)
                for (_reminder, _values, mail_values), message in zip(mail_items, mail_messages, strict=True)])
            for (reminder, _values, _mail_values), message in zip(mail_items, mail_messages, strict=True):
                outcome[reminder]["sent"].append(message.id)
        if sms_items:
            sms_records = self.env["sms.sms"].sudo().create([{
                "body": body,
                "number": recipients[reminder]["number"],
                "partner_id": recipients[reminder]["sms_partner"].id,
                "mail_message_id": message.id,
                "state": "outgoing",
            } for (reminder, body), message in zip(sms_items, sms_messages, strict=True)])
            self.env["mail.notification"].sudo().create([{
                "author_id": author.id,
                "mail_message_id": sms.mail_message_id.id,
                "res_partner_id": sms.partner_id.id,
                "sms_number": sms.number,
                "notification_type": "sms",
                "sms_id_int": sms.id,
                "sms_tracker_ids": [Command.create({"sms_uuid": sms.uuid})],
                "is_read": True,
                "notification_status": "ready",
            } for sms in sms_records])
            for (reminder, _body), message in zip(sms_items, sms_messages, strict=True):
                outcome[reminder]["sent"].append(message.id)

    def _debt_write_rows(self, fnames, rows):
        """Write a different value of the columns ``fnames`` on each reminder, in one ``UPDATE``:
        ``rows`` is ``{reminder id: (value, ...)}`` with values in the order of ``fnames`` (plain column
        values: ids, dates, numbers, texts, None for empty).

        The engine writes the outcome of every reminder of a batch (state, reason, the rendered
        messages, their recipient): ``write`` reminder by reminder costs a ``write`` call, its cache
        updates and its dependency checks per reminder, and as many ``UPDATE`` statements as there are
        different sets of written fields in the batch. The reminders are the engine's own records
        (read-only for users, no tracking, no stored field depending on these columns): the update
        sets ``write_uid`` and ``write_date`` as ``write`` does, and the ORM cache gets the new values.
        """
        if not rows:
            return
        reminders = self.browse(list(rows))
        reminders.check_access("write")
        reminders.flush_recordset(list(fnames))  # a pending value would overwrite the update when flushed
        reminders.modified(fnames, before=True)
        columns = [SQL.identifier(fname) for fname in fnames]
        self.env.execute_query(SQL(
            """
            UPDATE debt_reminder
               SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
              FROM (VALUES %(values)s) AS v(id, %(columns)s)
             WHERE debt_reminder.id = v.id
            """,
            assignments=SQL(", ").join(
                SQL("%s = v.%s::%s", column, column, SQL(self._fields[fname].column_type[1]))
                for fname, column in zip(fnames, columns, strict=True)),
            uid=self.env.uid, now=self.env.cr.now(),
            values=SQL(", ").join(SQL("(%s)", SQL(", ").join([rid, *values])) for rid, values in rows.items()),
            columns=SQL(", ").join(columns),
        ))
        # the cache gets the values written, as with write() (and no query to read them again)
        for index, fname in enumerate(fnames):
            field = self._fields[fname]
            self.env.cache.update(reminders, field, [
                field.convert_to_cache(values[index], reminder)  # per reminder: a Monetary reads its currency
                for reminder, values in zip(reminders, rows.values(), strict=True)])
        reminders.invalidate_recordset(["write_uid", "write_date"])
        reminders.modified(fnames)

    def _debt_post_failure_notes(self):
        """A note in the chatter of each customer whose reminder could not be sent, in one query batch."""
        if not self:
            return
        note_subtype = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        author = self.company_id[:1].partner_id
        author_email = author.email_formatted or False
        vals_list = []
        for reminder in self:
            body = _("Payment reminder (%(rule)s) not sent: %(reason)s",
                     rule=reminder.rule_id.name, reason=reminder.reason or "")
            vals_list.append({
                "model": "res.partner",
                "res_id": reminder.partner_id.id,
                "record_name": reminder.partner_id.display_name,
                "message_type": "notification",
                "subtype_id": note_subtype,
                "is_internal": True,
                "body": tools.plaintext2html(body),
                "author_id": author.id,
                "email_from": author_email,
                "reply_to": author_email,
                "message_id": generate_tracking_message_id("debt-reminder-note"),
            })
        self.env["mail.message"].sudo().create(vals_list)  # sudo: a note in the chatter, written by the engine

    def _debt_followup_activities(self, activities):
        """Schedule activities ``{reminder: {"summary", "note"[, "activity_type"]}}`` for the customers'
        collectors (else salespeople), in one create."""
        vals_list = []
        model_id = self.env["ir.model"]._get_id("res.partner")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for reminder, activity in activities.items():
            partner = reminder.partner_id.with_company(reminder.company_id)
            user = partner.collector_id  # the collector in the reminder's company, else the salesperson
            if not user:
                continue
            vals_list.append({
                "res_model_id": model_id,
                "res_id": partner.id,
                "activity_type_id": (activity.get("activity_type") or todo).id,
                "summary": activity["summary"],
                "note": tools.plaintext2html(activity["note"]),
                "user_id": user.id,
                "date_deadline": fields.Date.context_today(self),
            })
        if vals_list:
            # sudo: the collector may not be the current user; activities are assigned on their behalf
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    def _debt_escalate(self, sent, activities):
        """Escalations of the rules of ``self`` (processed, sent or failed), and follow-up activities."""
        states = dict(self._fields["state"]._description_selection(self.env))
        # translated once per batch, filled in per reminder (as _() would do, with the same arguments)
        note = _("The reminder %(rule)s was %(state)s for %(amount)s (%(invoices)s). Please call the customer.")
        summaries = {}
        for reminder in self:
            rule = reminder.rule_id
            if rule.escalate_activity and reminder not in activities:
                if rule not in summaries:
                    summaries[rule] = rule.activity_summary or _("Follow up the payment reminder %s", rule.name)
                activities[reminder] = {
                    "summary": summaries[rule],
                    "note": note % {
                        "rule": rule.name, "state": states[reminder.state], "amount": reminder.amount_due_text,
                        "invoices": reminder.invoice_names},
                    "activity_type": rule.activity_type_id,
                }
        self._debt_followup_activities(activities)
        final = sent.filtered(lambda r: r.rule_id.escalate_final_notice).partner_id
        if final:
            # sudo: set by the engine, read-only for users; mail_notrack: the field is not tracked, and
            # preparing the tracking of the partners' tracked fields (addresses...) would cost more than the write
            # the flag is per company: that of each reminder
            for company, reminders in sent.filtered(lambda r: r.rule_id.escalate_final_notice).grouped(
                    "company_id").items():
                reminders.partner_id.with_company(company).sudo().with_context(mail_notrack=True).write(
                    {"debt_final_notice": True})
        for reminder in self.filtered(lambda r: r.rule_id.escalate_credit_hold):
            partner = reminder.partner_id.with_company(reminder.company_id)
            if partner.sudo().debt_manual_hold:
                continue
            # with_user(root): the hold is placed by the engine on the rule's behalf, whoever ran it
            partner.with_user(SUPERUSER_ID)._debt_set_manual_hold(True, _(
                "reminder %(rule)s: %(amount)s still unpaid",
                rule=reminder.rule_id.name,
                amount=tools.format_amount(self.env, reminder.amount_due, reminder.currency_id)))

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
                    status = {"sent": "send", "failed": "fail", "skipped": "hold", "planned": "later"}[reminder.state]
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
