import logging
import threading
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, float_compare, format_date
from odoo.tools.mail import generate_tracking_message_id

from .input_limits import MAX_GRACE_DAYS, check_integer_limits

_logger = logging.getLogger(__name__)

PROMISE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("partial", "Partially kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
EVALUATED_STATES = ("kept", "partial", "broken")
LINE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("missed", "Missed"),
    ("cancelled", "Cancelled"),
]
# The value of the context key ``debt_promise_checks_lines``: an object, which no JSON-RPC call can send.
_PROMISE_CHECKS_LINES = object()
# Open promises evaluated per batch by the daily cron (one set of queries per batch, a commit after each).
PROMISE_BATCH_SIZE = 2000
# Fields of a promise that cannot change once it has been evaluated or cancelled.
LOCKED_FIELDS = {
    "partner_id", "company_id", "invoice_ids", "currency_id", "amount", "date", "promised_date", "line_ids",
    "grace_days", "call_id",
}
# Engine-owned fields (their values when the promise is recorded): written only by the payment check
# (_debt_evaluate, in SQL), Cancel (action_cancel) and the snapshot of the invoices' open amount, all
# under sudo(); a user's write() or create() giving them is refused (see _check_engine_fields).
ENGINE_FIELDS = {"state": "open", "paid_amount": 0.0, "open_amount_start": 0.0, "evaluation_date": False}
LINE_ENGINE_FIELDS = {"state": "open"}
GRACE_LIMITS = {"grace_days": (0, MAX_GRACE_DAYS)}


def _check_engine_fields(records, vals_list, engine_fields, creating):
    """Refuse user values of engine-owned fields. ``sudo()`` (the engine's own writes) is let through: it
    cannot be requested over RPC, where a context key could. On create, a field's initial value (also
    given as a ``default_`` key of the context) is accepted."""
    if records.env.su:
        return
    context = records.env.context
    for vals in vals_list:
        given = {fname: vals[fname] for fname in engine_fields if fname in vals}
        if creating:
            given.update({fname: context[f"default_{fname}"] for fname in engine_fields
                          if f"default_{fname}" in context})
            given = {fname: value for fname, value in given.items() if value != engine_fields[fname]
                     and not (value in (None, False, 0, 0.0) and engine_fields[fname] in (False, 0.0))}
        if given:
            fields_ = records._fields
            raise AccessError(records.env._(
                "%(fields)s of %(model)s are set by the payment check, not by hand: use Check Payments "
                "or Cancel Promise instead.",
                fields=", ".join(fields_[fname]._description_string(records.env) for fname in sorted(given)),
                model=records._description))


class DebtPromise(models.Model):
    """A customer's commitment to pay an amount by a date, or in installments, and whether it was kept.

    What was paid is measured, in the promise's currency, as the reduction of the open amount of the
    linked invoices since the promise was recorded; without linked invoices, as the customer's payments
    received since the day the promise was made. The daily cron :meth:`_cron_evaluate_promises` closes
    each promise once it is fully paid, or once an installment's date plus the grace days has passed.
    """

    _name = "debt.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", tracking=True,
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)])
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    company_currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    user_id = fields.Many2one(
        "res.users", string="Collector", compute="_compute_user_id", store=True, readonly=False, tracking=True,
        index=True, domain=[("share", "=", False)],
        help="Who follows this promise up: the activities for broken promises are assigned to this user.")
    call_id = fields.Many2one("debt.call", index=True, ondelete="set null", copy=False)
    invoice_ids = fields.Many2many(
        "account.move", "debt_promise_account_move_rel", "promise_id", "move_id", string="Invoices",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
               " ('commercial_partner_id', '=', partner_id), ('payment_state', 'not in', ('paid', 'reversed'))]",
        help="The invoices the promise pays. Without invoices, every payment of the customer received "
             "since the day of the promise counts.")
    currency_id = fields.Many2one(
        "res.currency", compute="_compute_currency_id", store=True, readonly=False, required=True,
        precompute=True, help="The currency of the promised amount: the invoices' currency when they share one.")
    amount = fields.Monetary(string="Promised Amount", required=True, tracking=True)
    amount_company = fields.Monetary(
        string="Promised Amount (Company Currency)", currency_field="company_currency_id",
        compute="_compute_amount_company", store=True)
    date = fields.Date(
        string="Promise Date", required=True, default=fields.Date.context_today,
        help="The day the customer made the promise.")
    promised_date = fields.Date(
        compute="_compute_promised_date", store=True, readonly=False, precompute=True,
        tracking=True, help="The day the customer will have paid by; with installments, the last one's date.")
    line_ids = fields.One2many("debt.promise.line", "promise_id", string="Installments", copy=True)
    grace_days = fields.Integer(
        default=lambda self: self.env.company.debt_promise_grace_days,
        help="Days of tolerance after each promised date before the promise counts as broken.")
    state = fields.Selection(PROMISE_STATES, required=True, default="open", readonly=True, tracking=True,
                             copy=False, index=True)
    open_amount_start = fields.Monetary(
        string="Open Amount When Promised", readonly=True, copy=False,
        help="The open amount of the linked invoices when the promise was recorded.")
    paid_amount = fields.Monetary(
        readonly=True, copy=False,
        help="Paid towards the promise, as of the last evaluation (the daily check, or Check Payments).")
    remaining_amount = fields.Monetary(compute="_compute_remaining_amount")
    evaluation_date = fields.Date(
        readonly=True, copy=False, index=True, help="The day the promise was found kept, partial or broken.")
    next_date = fields.Date(compute="_compute_next_date", string="Next Due Date")
    note = fields.Text()
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")

    # ------------------------------------------------------------------ computes
    @api.depends("partner_id")
    def _compute_user_id(self):
        for promise in self:
            if not promise.user_id:
                promise.user_id = promise.partner_id.commercial_partner_id.with_company(
                    promise.company_id or self.env.company).collector_id or self.env.user

    @api.depends("invoice_ids", "company_id")
    def _compute_currency_id(self):
        for promise in self:
            currencies = promise.invoice_ids.currency_id
            if len(currencies) == 1:
                promise.currency_id = currencies
            elif not promise.currency_id or currencies:
                promise.currency_id = (promise.company_id or self.env.company).currency_id

    @api.depends("amount", "currency_id", "company_id", "date")
    def _compute_amount_company(self):
        for promise in self:
            company = promise.company_id or self.env.company
            if not promise.currency_id or promise.currency_id == company.currency_id:
                promise.amount_company = promise.amount
            else:
                promise.amount_company = promise.currency_id._convert(
                    promise.amount, company.currency_id, company, promise.date or fields.Date.context_today(self))

    @api.depends("line_ids.date")
    def _compute_promised_date(self):
        for promise in self:
            dates = [d for d in promise.line_ids.mapped("date") if d]
            # without installments, the date is the one entered (kept as it is)
            promise.promised_date = max(dates) if dates else promise.promised_date

    @api.depends("amount", "paid_amount")
    def _compute_remaining_amount(self):
        for promise in self:
            promise.remaining_amount = max(promise.amount - promise.paid_amount, 0.0)

    @api.depends("line_ids.date", "line_ids.state", "promised_date", "state")
    def _compute_next_date(self):
        for promise in self:
            if promise.state != "open":
                promise.next_date = False
            elif promise.line_ids:
                dates = promise.line_ids.filtered(lambda line: line.state == "open").mapped("date")
                promise.next_date = min(dates) if dates else False
            else:
                promise.next_date = promise.promised_date

    @api.depends("partner_id", "amount", "currency_id", "promised_date")
    def _compute_display_name(self):
        for promise in self:
            if not promise.partner_id:
                promise.display_name = _("New Promise")
                continue
            promise.display_name = _(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.display_name,
                amount=promise.currency_id.format(promise.amount) if promise.currency_id else promise.amount,
                date=format_date(self.env, promise.promised_date) if promise.promised_date else "?",
            )

    @api.onchange("invoice_ids")
    def _onchange_invoice_ids(self):
        """Offer the open amount of the invoices as the promised amount."""
        if self.invoice_ids and not self.amount:
            # _origin: the invoices as saved (with their payments), not a draft copy of the onchange
            values = self._debt_open_amount_values(
                self.partner_id, self.invoice_ids._origin, self.company_id._origin or self.env.company)
            self.amount = values["amount"]

    @api.model
    def _debt_open_amount_values(self, partner, invoices, company):
        """The amount still open to promise: the invoices' open balances (in their currency when they share
        one), else the customer's overdue amount, else its whole open receivable (company currency)."""
        if invoices:
            if len(invoices.currency_id) == 1:
                return {"amount": sum(invoices.mapped("amount_residual")), "currency_id": invoices.currency_id.id}
            return {"amount": sum(invoices.mapped("amount_residual_signed")), "currency_id": company.currency_id.id}
        partner = partner.with_company(company)
        amount = partner.overdue_amount if partner.overdue_amount > 0 else partner.debt_total_receivable
        return {"amount": max(amount, 0.0), "currency_id": company.currency_id.id}

    # ------------------------------------------------------------------ constraints
    @api.constrains("amount", "date", "promised_date", "line_ids", "currency_id")
    def _check_amount_and_dates(self):
        for promise in self:
            currency = promise.currency_id
            if currency.compare_amounts(promise.amount, 0.0) <= 0:
                raise ValidationError(_("The promised amount must be greater than zero."))
            if not promise.promised_date:
                raise ValidationError(_("Give the date by which the customer will have paid."))
            if promise.promised_date < promise.date:
                raise ValidationError(_(
                    "The promised date (%(promised)s) cannot be before the day the promise is made (%(date)s).",
                    promised=format_date(self.env, promise.promised_date), date=format_date(self.env, promise.date)))
            if not promise.line_ids:
                continue
            seen = set()
            for line in promise.line_ids:
                if currency.compare_amounts(line.amount, 0.0) <= 0:
                    raise ValidationError(_("Each installment must be of an amount greater than zero."))
                if line.date < promise.date:
                    raise ValidationError(_(
                        "The installment of %(date)s is before the day the promise is made (%(made)s).",
                        date=format_date(self.env, line.date), made=format_date(self.env, promise.date)))
                if line.date in seen:
                    raise ValidationError(_(
                        "Two installments fall on %(date)s: give each installment its own date.",
                        date=format_date(self.env, line.date)))
                seen.add(line.date)
            total = sum(promise.line_ids.mapped("amount"))
            if currency.compare_amounts(total, promise.amount) != 0:
                raise ValidationError(_(
                    "The installments add up to %(total)s, not to the promised amount %(amount)s.",
                    total=currency.format(total), amount=currency.format(promise.amount)))

    @api.constrains("grace_days")
    def _check_grace_days(self):
        for promise in self:
            if promise.grace_days < 0:
                raise ValidationError(_("The grace days of a promise cannot be negative."))
            if promise.grace_days > MAX_GRACE_DAYS:
                raise ValidationError(_("The grace days of a promise can be at most %(max)s.", max=MAX_GRACE_DAYS))

    @api.constrains("partner_id", "company_id", "invoice_ids", "currency_id", "call_id")
    def _check_partner(self):
        for promise in self:
            partner = promise.partner_id
            if partner.company_id and partner.company_id != promise.company_id:
                raise ValidationError(_(
                    "The customer %(customer)s belongs to the company %(company)s: a promise of %(other)s "
                    "cannot be recorded for it.",
                    customer=partner.display_name, company=partner.company_id.name, other=promise.company_id.name))
            wrong = promise.invoice_ids.filtered(
                lambda move, partner=partner: move.commercial_partner_id != partner or move.move_type != "out_invoice")
            if wrong:
                raise ValidationError(_(
                    "The invoices %(invoices)s are not customer invoices of %(customer)s.",
                    invoices=", ".join(wrong.mapped("display_name")), customer=partner.display_name))
            company_currency = promise.company_id.currency_id
            if promise.currency_id != company_currency and promise.invoice_ids.currency_id - promise.currency_id:
                raise ValidationError(_(
                    "A promise in %(currency)s can only cover invoices in %(currency)s, or use %(company)s.",
                    currency=promise.currency_id.name, company=company_currency.name))
            if promise.call_id and promise.call_id.partner_id != partner:
                raise ValidationError(_("A promise made during a call must be a promise of the same customer."))

    # ------------------------------------------------------------------ ORM
    @api.model_create_multi
    def create(self, vals_list):
        _check_engine_fields(self, vals_list, ENGINE_FIELDS, creating=True)
        check_integer_limits(self, vals_list, GRACE_LIMITS)
        calls = self.env["debt.call"].browse([vals["call_id"] for vals in vals_list if vals.get("call_id")])
        calls = {call.id: call for call in calls}
        partner_ids = [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        commercial = {p.id: p.commercial_partner_id.id for p in self.env["res.partner"].browse(partner_ids)}
        for vals in vals_list:
            call = calls.get(vals.get("call_id"))
            if call:
                vals.setdefault("partner_id", call.partner_id.id)
                vals.setdefault("company_id", call.company_id.id)
                vals.setdefault("user_id", call.user_id.id)
                vals.setdefault("date", fields.Datetime.context_timestamp(call, call.date).date())
            if vals.get("partner_id") in commercial:
                vals["partner_id"] = commercial[vals["partner_id"]]
            if vals.get("line_ids"):
                vals.pop("promised_date", None)  # with installments, the last installment's date
        promises = super(DebtPromise, self._debt_lines_checked_here(vals_list)).create(vals_list).with_env(self.env)
        promises._debt_snapshot_open_amount()
        return promises

    def write(self, vals):
        _check_engine_fields(self, [vals], ENGINE_FIELDS, creating=False)
        check_integer_limits(self, [vals], GRACE_LIMITS, context_defaults=False)
        if LOCKED_FIELDS & set(vals):
            closed = self.filtered(lambda p: p.state != "open")
            if closed:
                raise UserError(_(
                    "The promise %(promise)s is %(state)s: it can no longer be changed. Record a new promise instead.",
                    promise=closed[0].display_name,
                    state=dict(self._fields["state"]._description_selection(self.env))[closed[0].state]))
        if vals.get("line_ids") and "promised_date" in vals:
            vals = {k: v for k, v in vals.items() if k != "promised_date"}  # computed from the installments
        res = super(DebtPromise, self._debt_lines_checked_here([vals])).write(vals)
        if {"invoice_ids", "currency_id"} & set(vals):
            self._debt_snapshot_open_amount()
        return res

    def _debt_lines_checked_here(self, vals_list):
        """``self`` with the context key ``debt_promise_checks_lines`` when installments are given as commands:
        they are then written one by one, and only the promise checks their total once all are done
        (``_check_amount_and_dates``, see ``DebtPromiseLine._check_total``). Its value is an object, which no
        JSON-RPC call can send: a user writing an installment directly cannot skip the check."""
        if any("line_ids" in vals for vals in vals_list):
            return self.with_context(debt_promise_checks_lines=_PROMISE_CHECKS_LINES)
        return self

    @api.ondelete(at_uninstall=False)
    def _unlink_only_open_without_history(self):
        if self.filtered(lambda p: p.state in EVALUATED_STATES):
            raise UserError(_("An evaluated promise is part of the customer's history: cancel it instead."))

    def _debt_snapshot_open_amount(self):
        """Store the current open amount of the linked invoices: what is paid is measured from it."""
        # sudo: open_amount_start is engine-owned (refused to users' writes); it is read from the accounting
        # here, for promises the user has just created or changed under their own rights
        promises = self.sudo()
        with_invoices = promises.filtered("invoice_ids")
        (promises - with_invoices).filtered("open_amount_start").open_amount_start = 0.0
        if not with_invoices:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            SELECT r.promise_id,
                   SUM(CASE WHEN p.currency_id = comp.currency_id THEN aml.amount_residual
                            ELSE aml.amount_residual_currency END)
              FROM debt_promise p
              JOIN res_company comp ON comp.id = p.company_id
              JOIN debt_promise_account_move_rel r ON r.promise_id = p.id
              JOIN account_move_line aml ON aml.move_id = r.move_id
              JOIN account_account acc ON acc.id = aml.account_id
             WHERE p.id IN %s AND acc.account_type = 'asset_receivable'
          GROUP BY r.promise_id
            """,
            tuple(with_invoices.ids),
        ))
        amounts = dict(self.env.cr.fetchall())
        for promise in with_invoices:
            promise.open_amount_start = promise.currency_id.round(amounts.get(promise.id) or 0.0)

    # ------------------------------------------------------------------ SQL
    def _debt_promise_ctes(self, where):
        """Common table expressions over the promises matching ``where`` (an SQL condition on ``p``).

        ``prom``: the promises with their customer's "today" (its time zone, else the company's);
        ``paid``: what was paid towards each, in its currency; ``sched``: its schedule (the installments,
        or the promised date and amount) with the cumulative amount due at each date.
        """
        return SQL(
            """
            prom AS (
                SELECT p.id, p.partner_id, p.company_id, p.currency_id, p.date, p.amount, p.amount_company,
                       p.promised_date, COALESCE(p.grace_days, 0) AS grace_days,
                       COALESCE(p.open_amount_start, 0) AS open_amount_start,
                       comp.currency_id AS company_currency_id,
                       EXISTS (SELECT 1 FROM debt_promise_account_move_rel r WHERE r.promise_id = p.id)
                           AS has_invoices,
                       (%(now)s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE COALESCE(
                            NULLIF(cp.tz, ''), NULLIF(cal.tz, ''), NULLIF(comp_p.tz, ''), 'UTC'))::date AS today
                  FROM debt_promise p
                  JOIN res_partner cp ON cp.id = p.partner_id
                  JOIN res_company comp ON comp.id = p.company_id
                  JOIN res_partner comp_p ON comp_p.id = comp.partner_id
             LEFT JOIN resource_calendar cal ON cal.id = comp.resource_calendar_id
                 WHERE %(where)s
            ), open_now AS (
                SELECT r.promise_id AS id,
                       SUM(CASE WHEN pr.currency_id = pr.company_currency_id THEN aml.amount_residual
                                ELSE aml.amount_residual_currency END) AS amount
                  FROM prom pr
                  JOIN debt_promise_account_move_rel r ON r.promise_id = pr.id
                  JOIN account_move_line aml ON aml.move_id = r.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE acc.account_type = 'asset_receivable'
              GROUP BY r.promise_id
            ), received AS (
                SELECT pr.id,
                       SUM(CASE WHEN pr.currency_id = pr.company_currency_id THEN -aml.balance
                                ELSE -aml.amount_currency END) AS amount
                  FROM prom pr
                  JOIN res_partner rp ON rp.commercial_partner_id = pr.partner_id
                  JOIN account_move_line aml ON aml.partner_id = rp.id AND aml.company_id = pr.company_id
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE NOT pr.has_invoices
                   AND aml.parent_state = 'posted'
                   AND acc.account_type = 'asset_receivable'
                   AND aml.balance < 0
                   AND aml.date >= pr.date
                   AND (am.origin_payment_id IS NOT NULL OR am.statement_line_id IS NOT NULL)
                   AND (pr.currency_id = pr.company_currency_id OR aml.currency_id = pr.currency_id)
              GROUP BY pr.id
            ), paid AS (
                SELECT pr.id,
                       ROUND(CASE WHEN pr.has_invoices THEN pr.open_amount_start - COALESCE(o.amount, 0)
                                  ELSE COALESCE(rc.amount, 0) END, cur.decimal_places) AS paid
                  FROM prom pr
                  JOIN res_currency cur ON cur.id = pr.currency_id
             LEFT JOIN open_now o ON o.id = pr.id
             LEFT JOIN received rc ON rc.id = pr.id
            ), sched AS (
                SELECT s.promise_id, s.line_id, s.date, s.amount, s.line_state,
                       SUM(s.amount) OVER (PARTITION BY s.promise_id ORDER BY s.date
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
                  FROM (SELECT l.promise_id, l.id AS line_id, l.date, l.amount, l.state AS line_state
                          FROM debt_promise_line l
                          JOIN prom pr ON pr.id = l.promise_id
                         UNION ALL
                        SELECT pr.id, NULL, pr.promised_date, pr.amount, NULL
                          FROM prom pr
                         WHERE NOT EXISTS (SELECT 1 FROM debt_promise_line l WHERE l.promise_id = pr.id)) s
            )
            """,
            now=fields.Datetime.now(),
            where=where,
        )

    def _debt_promise_figures_sql(self, partner_ids=None, company_ids=None):
        """Per customer and company: open promises (count, remaining amount in company currency, next
        date), promises kept and evaluated over the last 12 months, and the last contact (call)."""
        promise_filter = SQL("TRUE")
        call_filter = SQL("TRUE")
        if partner_ids is not None:
            ids = tuple(partner_ids) or (None,)
            promise_filter = SQL("p.partner_id IN %s", ids)
            call_filter = SQL("c.partner_id IN %s", ids)
        if company_ids is not None:
            ids = tuple(company_ids) or (None,)
            promise_filter = SQL("%s AND p.company_id IN %s", promise_filter, ids)
            call_filter = SQL("%s AND c.company_id IN %s", call_filter, ids)
        since = fields.Datetime.now().date() - relativedelta(months=12)  # no user time zone: no query
        return SQL(
            """
            WITH %(ctes)s,
            next_due AS (
                SELECT s.promise_id, MIN(s.date) AS next_date
                  FROM sched s
                  JOIN paid pd ON pd.id = s.promise_id
                 WHERE s.cum > pd.paid
              GROUP BY s.promise_id
            ), open_fig AS (
                SELECT pr.partner_id, pr.company_id, COUNT(*) AS open_count,
                       SUM(GREATEST(pr.amount - pd.paid, 0) * pr.amount_company / NULLIF(pr.amount, 0))
                           AS open_amount,
                       MIN(nd.next_date) AS next_date
                  FROM prom pr
                  JOIN paid pd ON pd.id = pr.id
             LEFT JOIN next_due nd ON nd.promise_id = pr.id
              GROUP BY pr.partner_id, pr.company_id
            ), hist AS (
                SELECT p.partner_id, p.company_id,
                       COUNT(*) FILTER (WHERE p.state = 'kept') AS kept_count, COUNT(*) AS evaluated_count
                  FROM debt_promise p
                 WHERE p.state IN %(evaluated)s AND p.evaluation_date >= %(since)s AND %(promise_filter)s
              GROUP BY p.partner_id, p.company_id
            ), last_call AS (
                SELECT DISTINCT ON (c.partner_id, c.company_id) c.partner_id, c.company_id, c.date, c.outcome
                  FROM debt_call c
                 WHERE %(call_filter)s
              ORDER BY c.partner_id, c.company_id, c.date DESC, c.id DESC
            ), keys AS (
                SELECT partner_id, company_id FROM open_fig
                 UNION SELECT partner_id, company_id FROM hist
                 UNION SELECT partner_id, company_id FROM last_call
            )
            SELECT k.partner_id, k.company_id,
                   COALESCE(o.open_count, 0) AS promise_count,
                   ROUND(COALESCE(o.open_amount, 0), cur.decimal_places) AS promise_amount,
                   o.next_date AS promise_date,
                   COALESCE(h.kept_count, 0) AS kept_count,
                   COALESCE(h.evaluated_count, 0) AS evaluated_count,
                   CASE WHEN h.evaluated_count > 0 THEN ROUND(h.kept_count * 100.0 / h.evaluated_count, 2)
                        ELSE 0 END AS kept_rate,
                   lc.date AS last_contact_date,
                   lc.outcome AS last_contact_outcome
              FROM keys k
              JOIN res_company comp ON comp.id = k.company_id
              JOIN res_currency cur ON cur.id = comp.currency_id
         LEFT JOIN open_fig o ON o.partner_id = k.partner_id AND o.company_id = k.company_id
         LEFT JOIN hist h ON h.partner_id = k.partner_id AND h.company_id = k.company_id
         LEFT JOIN last_call lc ON lc.partner_id = k.partner_id AND lc.company_id = k.company_id
            """,
            ctes=self._debt_promise_ctes(SQL("p.state = 'open' AND %s", promise_filter)),
            evaluated=EVALUATED_STATES,
            since=since,
            promise_filter=promise_filter,
            call_filter=call_filter,
        )

    @api.model
    def _debt_promised_sql(self, promise_alias, overdue_sql):
        """SQL condition: the open promises of a customer cover its overdue amount."""
        alias = SQL.identifier(promise_alias)
        return SQL(
            "(COALESCE(%(pf)s.promise_count, 0) > 0"
            " AND COALESCE(%(pf)s.promise_amount, 0) >= COALESCE(%(overdue)s, 0))",
            pf=alias, overdue=overdue_sql)

    # ------------------------------------------------------------------ evaluation
    def _debt_evaluate(self):
        """Evaluate the open promises of ``self`` in a constant number of queries.

        A promise is kept as soon as it is fully paid (even early). Otherwise, once the date plus the
        grace days of an installment (or of the promise) is past and what was paid does not cover what
        was due by then, it is partially kept (something was paid) or broken (nothing was), and its
        later installments are cancelled. Broken and partial promises are posted in the chatter of the
        promise and of the customer, and a to-do is scheduled for the collector. Running it again the
        same day changes nothing.

        :return: the promises closed by this evaluation
        """
        if not self:
            return self
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL(
            """
            WITH %(ctes)s
            SELECT pr.id, pr.currency_id, pr.amount, pr.today, pr.grace_days, pd.paid,
                   s.line_id, s.date, s.cum, s.line_state
              FROM prom pr
              JOIN paid pd ON pd.id = pr.id
              JOIN sched s ON s.promise_id = pr.id
          ORDER BY pr.id, s.date
            """,
            ctes=self._debt_promise_ctes(SQL("p.id IN %s AND p.state = 'open'", tuple(self.ids))),
        ))
        rows = cr.dictfetchall()
        schedules = defaultdict(list)
        for row in rows:
            schedules[row["id"]].append(row)
        currencies = {c.id: c for c in self.env["res.currency"].browse({row["currency_id"] for row in rows})}

        promise_values = []  # (id, state, paid, evaluation_date)
        line_values = []  # (line id, state)
        outcome = {}  # closed promise id -> (state, paid, missed schedule row or None)
        for promise_id, schedule in schedules.items():
            first = schedule[0]
            currency = currencies[first["currency_id"]]
            paid, amount, today, grace = first["paid"], first["amount"], first["today"], first["grace_days"]
            state, missed = "open", None
            if float_compare(paid, amount, precision_rounding=currency.rounding) >= 0:
                state = "kept"
            else:
                for item in schedule:
                    overdue = item["date"] + timedelta(days=grace) < today
                    if overdue and float_compare(item["cum"], paid, precision_rounding=currency.rounding) > 0:
                        missed = item
                        state = "partial" if float_compare(paid, 0.0, precision_rounding=currency.rounding) > 0 \
                            else "broken"
                        break
            promise_values.append((promise_id, state, paid, today if state != "open" else None))
            if state != "open":
                outcome[promise_id] = (state, paid, missed)
            after_missed = False
            for item in schedule:
                if not item["line_id"]:
                    continue
                if state == "kept" or float_compare(item["cum"], paid, precision_rounding=currency.rounding) <= 0:
                    line_state = "kept"
                elif missed and item["line_id"] == missed["line_id"]:
                    line_state, after_missed = "missed", True
                elif after_missed:
                    line_state = "cancelled"
                else:
                    line_state = "open"
                if line_state != item["line_state"]:
                    line_values.append((item["line_id"], line_state))

        if promise_values:
            ids, states, paids, dates = zip(*promise_values, strict=True)
            cr.execute(SQL(
                """
                UPDATE debt_promise p
                   SET state = v.state, paid_amount = v.paid, evaluation_date = v.evaluation_date,
                       write_date = %(now)s, write_uid = %(uid)s
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(states)s::varchar[]) AS state,
                               unnest(%(paids)s::numeric[]) AS paid, unnest(%(dates)s::date[]) AS evaluation_date) v
                 WHERE p.id = v.id AND p.state = 'open'
                   AND (p.state, p.paid_amount, p.evaluation_date)
                       IS DISTINCT FROM (v.state, v.paid, v.evaluation_date)
             RETURNING p.id
                """,
                ids=list(ids), states=list(states), paids=list(paids), dates=list(dates),
                now=fields.Datetime.now(), uid=self.env.uid,
            ))
            # Notify only what this run closed: a concurrent run (the daily job and "Check Payments")
            # that closed a promise first leaves it out here (the row lock, then p.state = 'open').
            updated = {row[0] for row in cr.fetchall()}
            outcome = {pid: result for pid, result in outcome.items() if pid in updated}
        if line_values:
            line_ids, line_states = zip(*line_values, strict=True)
            cr.execute(SQL(
                """
                UPDATE debt_promise_line l
                   SET state = v.state, write_date = %(now)s, write_uid = %(uid)s
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(states)s::varchar[]) AS state) v
                 WHERE l.id = v.id
                """,
                ids=list(line_ids), states=list(line_states), now=fields.Datetime.now(), uid=self.env.uid,
            ))
        self.env["debt.promise"].invalidate_model(
            ["state", "paid_amount", "evaluation_date", "write_date", "write_uid"])
        self.env["debt.promise.line"].invalidate_model(["state", "write_date", "write_uid"])
        closed = self.browse(list(outcome))
        closed._debt_notify_closed(outcome)
        return closed

    def _debt_amount_formatter(self):
        """A fast amount formatter in the user's language (``currency.format`` costs ~1 ms per call, which
        matters when thousands of promises close on one day)."""
        lang = self.env["res.lang"]._get_data(code=self.env.lang or "en_US")
        thousands, decimal = lang.thousands_sep or "", lang.decimal_point or "."

        def format_amount(amount, currency):
            text = f"{abs(amount):,.{currency.decimal_places}f}"
            text = text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
            text = ("-" if currency.compare_amounts(amount, 0.0) < 0 else "") + text
            symbol = currency.symbol or currency.name
            return f"{symbol}\N{NO-BREAK SPACE}{text}" if currency.position == "before" \
                else f"{text}\N{NO-BREAK SPACE}{symbol}"
        return format_amount

    def _debt_notify_closed(self, outcome):
        """Chatter notes (promise and customer) for closed promises; a to-do for broken and partial ones.

        Written set-based: one INSERT for the notes and one for the to-dos, whatever the number of promises
        (the ORM's per-record work costs several milliseconds per message or activity, i.e. minutes on a day
        when thousands of promises close). The rows are those ``_message_log_batch`` and
        ``mail.activity.create`` would write: internal notes by the current user, to-dos of type "To Do"
        for the collector (the promise's, else the customer's collector or salesperson); the collectors
        then follow their promises, as when an activity is assigned through the ORM.

        :param outcome: {promise id: (state, paid, missed schedule row or None)}
        """
        if not self:
            return
        cr = self.env.cr
        cr.execute(SQL(
            """
            SELECT p.id, p.partner_id, cp.name AS partner_name, p.currency_id, p.amount, p.promised_date,
                   p.grace_days,
                   COALESCE(p.user_id, (cp.debt_collector_id ->> p.company_id::text)::int, cp.user_id) AS user_id
              FROM debt_promise p
              JOIN res_partner cp ON cp.id = p.partner_id
             WHERE p.id IN %s
            """, tuple(self.ids)))
        promises = cr.dictfetchall()
        currencies = self.env["res.currency"].browse({p["currency_id"] for p in promises})
        currencies.fetch(["symbol", "position", "decimal_places", "rounding", "name"])
        currencies = {currency.id: currency for currency in currencies}
        format_amount = self._debt_amount_formatter()
        states = dict(self._fields["state"]._description_selection(self.env))
        todo_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        notes, partner_notes, todos = {}, defaultdict(list), []
        for promise in promises:
            state, paid, missed = outcome[promise["id"]]
            currency = currencies[promise["currency_id"]]
            values = {
                "paid": format_amount(paid, currency),
                "amount": format_amount(promise["amount"], currency),
                "date": fields.Date.to_string(promise["promised_date"]),
                "grace": promise["grace_days"] or 0,
            }
            if state == "kept":
                body = _("Promise kept: %(paid)s paid of the %(amount)s promised by %(date)s.", **values)
            elif missed and missed["line_id"]:
                body = _(
                    "Installment of %(due_date)s missed: %(paid)s paid of the %(due)s due by then "
                    "(%(amount)s promised in total, %(grace)s days of grace). The promise is closed as %(state)s.",
                    due=format_amount(missed["cum"], currency), due_date=fields.Date.to_string(missed["date"]),
                    state=states[state], **values)
            elif state == "partial":
                body = _(
                    "Promise partially kept: %(paid)s paid of the %(amount)s promised by %(date)s "
                    "(%(grace)s days of grace).", **values)
            else:
                body = _(
                    "Promise broken: nothing paid of the %(amount)s promised by %(date)s (%(grace)s days of grace).",
                    **values)
            notes[promise["id"]] = body
            partner_notes[promise["partner_id"]].append(body)
            if state in ("partial", "broken"):
                todos.append({
                    "res_id": promise["id"],
                    "res_name": _("%(customer)s: %(amount)s by %(date)s", customer=promise["partner_name"],
                                  amount=values["amount"], date=values["date"]),
                    "summary": _("Call %(customer)s back about the broken promise", customer=promise["partner_name"]),
                    "note": body,
                    "user_id": promise["user_id"] or self.env.uid,
                })
        self._debt_insert_notes("debt.promise", notes)
        self._debt_insert_notes("res.partner", partner_notes)
        if todos:
            self._debt_insert_todos(todos, todo_type)
        self.invalidate_recordset(["message_ids", "activity_ids"])
        self.env["res.partner"].browse(list(partner_notes)).invalidate_recordset(["message_ids"])

    def _debt_insert_notes(self, model, bodies):
        """Log internal notes ``{res_id: text or [texts]}`` on records of ``model`` in one INSERT."""
        if not bodies:
            return
        author = self.env.user.partner_id
        res_ids, html, message_ids = [], [], []
        for res_id, texts in bodies.items():
            texts = texts if isinstance(texts, list) else [texts]
            res_ids.append(res_id)
            html.append(str(Markup("<p>%s</p>") % Markup("<br/>").join(texts)))
            message_ids.append(generate_tracking_message_id("message-notify"))
        self.env.cr.execute(SQL(
            """
            INSERT INTO mail_message (
                model, res_id, body, message_id, message_type, subtype_id, is_internal, author_id, email_from,
                reply_to_force_new, email_add_signature, date, create_uid, write_uid, create_date, write_date)
            SELECT %(model)s, v.res_id, v.body, v.message_id, 'notification', %(subtype)s, TRUE, %(author)s,
                   %(email_from)s, FALSE, TRUE, %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(bodies)s::text[], %(message_ids)s::varchar[])
                   AS v(res_id, body, message_id)
            """,
            model=model, subtype=self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note"),
            author=author.id or None, email_from=author.email_formatted or None, now=fields.Datetime.now(),
            uid=self.env.uid, res_ids=res_ids, bodies=html, message_ids=message_ids,
        ))
        self.env["mail.message"].invalidate_model()

    def _debt_insert_todos(self, todos, activity_type):
        """Schedule the to-dos ``[{res_id, res_name, summary, note, user_id}]`` on promises in one INSERT,
        due today, and make each collector follow the promises assigned to them."""
        today = fields.Date.context_today(self)
        now = fields.Datetime.now()
        self.env.cr.execute(SQL(
            """
            INSERT INTO mail_activity (
                res_model_id, res_model, res_id, res_name, activity_type_id, summary, note, date_deadline,
                user_id, user_tz, automated, active, create_uid, write_uid, create_date, write_date)
            SELECT %(model_id)s, %(model)s, v.res_id, v.res_name, %(type)s, v.summary, v.note, %(today)s,
                   v.user_id, up.tz, TRUE, TRUE, %(uid)s, %(uid)s, %(now)s, %(now)s
              FROM unnest(%(res_ids)s::int[], %(names)s::varchar[], %(summaries)s::varchar[], %(notes)s::text[],
                          %(users)s::int[]) AS v(res_id, res_name, summary, note, user_id)
              JOIN res_users u ON u.id = v.user_id
              JOIN res_partner up ON up.id = u.partner_id
            """,
            model_id=self.env["ir.model"]._get_id(self._name), model=self._name,
            type=activity_type.id if activity_type else None, today=today, uid=self.env.uid, now=now,
            res_ids=[t["res_id"] for t in todos], names=[t["res_name"] for t in todos],
            summaries=[t["summary"] for t in todos],
            notes=[str(Markup("<p>%s</p>") % t["note"]) for t in todos],
            users=[t["user_id"] for t in todos],
        ))
        self.env["mail.activity"].invalidate_model()
        # The collector follows the promises assigned to them (with the default subtypes), as
        # mail.activity.create does through message_subscribe; existing followers are kept as they are.
        subtypes, _internal, _external = self.env["mail.message.subtype"]._default_subtypes(self._name)
        self.env.cr.execute(SQL(
            """
            WITH added AS (
                INSERT INTO mail_followers (res_model, res_id, partner_id)
                SELECT DISTINCT %(model)s, v.res_id, u.partner_id
                  FROM unnest(%(res_ids)s::int[], %(users)s::int[]) AS v(res_id, user_id)
                  JOIN res_users u ON u.id = v.user_id
                    ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
             RETURNING id
            )
            INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
            SELECT added.id, subtype_id FROM added CROSS JOIN unnest(%(subtypes)s::int[]) AS subtype_id
            """,
            model=self._name, res_ids=[t["res_id"] for t in todos], users=[t["user_id"] for t in todos],
            subtypes=list(subtypes),
        ))
        self.env["mail.followers"].invalidate_model()
        self.invalidate_recordset(["message_follower_ids", "message_partner_ids"])
        if activity_type:
            users = self.env["res.users"].browse({t["user_id"] for t in todos})
            users._bus_send("mail.activity/updated", {"activity_created": True})

    @api.model
    def _cron_evaluate_promises(self, batch_size=None):
        """Daily: evaluate every open promise, in batches, committing after each batch when run as a cron.

        A batch that fails is evaluated again promise by promise, each in its own savepoint, so that an
        error on one promise does not stop the others; the failing promise stays open and is logged.
        """
        batch_size = batch_size or PROMISE_BATCH_SIZE
        # commit after each batch only when run by the scheduler (not from code, demo data or tests)
        testing = getattr(threading.current_thread(), "testing", False)
        auto_commit = bool(self.env.context.get("cron_id")) and not testing
        cr = self.env.cr
        cr.execute("SELECT COUNT(*) FROM debt_promise WHERE state = 'open'")
        total = cr.fetchone()[0]
        done = failed = last_id = 0
        while True:
            cr.execute(SQL(
                "SELECT id FROM debt_promise WHERE state = 'open' AND id > %s ORDER BY id LIMIT %s",
                last_id, batch_size))
            ids = [row[0] for row in cr.fetchall()]
            if not ids:
                break
            last_id = ids[-1]
            batch = self.browse(ids)
            try:
                with cr.savepoint():
                    batch._debt_evaluate()
            except Exception:  # noqa: BLE001 - isolate the failing promise(s) below
                _logger.warning("Evaluating promises %s..%s failed; evaluating them one by one",
                                ids[0], ids[-1], exc_info=True)
                for promise in batch:
                    try:
                        with cr.savepoint():
                            promise._debt_evaluate()
                    except Exception:  # noqa: BLE001 - one bad promise must not stop the others
                        failed += 1
                        _logger.exception("Could not evaluate the promise to pay %s", promise.id)
            done += len(ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
            if auto_commit:
                cr.commit()
        if failed:
            _logger.error("%s promise(s) to pay could not be evaluated (see the errors above)", failed)
        return done

    # ------------------------------------------------------------------ actions
    def action_check_payments(self):
        """Evaluate now, as the daily check would."""
        self.check_access("write")
        # sudo: evaluation writes states, chatter notes and activities computed from the accounting,
        # not from user input; the user's right to edit these promises is checked above.
        self.sudo()._debt_evaluate()
        return True

    def action_cancel(self):
        for promise in self:
            if promise.state != "open":
                raise UserError(_("Only an open promise can be cancelled."))
        self.check_access("write")
        # sudo: the states are engine-owned (refused to users' writes); Cancel is the action meant for it,
        # on promises the user may edit (checked above)
        self.sudo().write({"state": "cancelled"})
        self.line_ids.sudo().filtered(lambda line: line.state == "open").write({"state": "cancelled"})
        return True

    def action_open_partner(self):
        self.ensure_one()
        return self.partner_id.get_formview_action()


class DebtPromiseLine(models.Model):
    """One installment of a promise to pay: an amount by a date."""

    _name = "debt.promise.line"
    _description = "Promise to Pay Installment"
    _order = "promise_id, date, id"

    promise_id = fields.Many2one("debt.promise", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="promise_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="promise_id.currency_id")
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    state = fields.Selection(LINE_STATES, required=True, default="open", readonly=True, copy=False)

    @api.model_create_multi
    def create(self, vals_list):
        _check_engine_fields(self, vals_list, LINE_ENGINE_FIELDS, creating=True)
        promise_ids = [vals["promise_id"] for vals in vals_list if vals.get("promise_id")]
        closed = self.env["debt.promise"].browse(promise_ids).filtered(lambda p: p.state != "open")
        if closed:
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be changed."))
        lines = super().create(vals_list)
        lines._check_total()
        return lines

    def write(self, vals):
        _check_engine_fields(self, [vals], LINE_ENGINE_FIELDS, creating=False)
        if {"date", "amount", "promise_id"} & set(vals) and self.promise_id.filtered(lambda p: p.state != "open"):
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be changed."))
        promises = self.promise_id
        res = super().write(vals)
        if {"date", "amount", "promise_id"} & set(vals):
            self._check_total(promises)
        return res

    def unlink(self):
        promises = self.promise_id
        res = super().unlink()
        self.browse()._check_total(promises.exists())
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_open(self):
        if self.promise_id.filtered(lambda p: p.state != "open"):
            raise UserError(_("The installments of an evaluated or cancelled promise can no longer be removed."))

    def _check_total(self, promises=None):
        """Installments created, changed or removed one by one must still add up to their promise
        (ValidationError otherwise). Inside the promise's own create/write (its installments given as
        commands) the promise checks the total once all its commands are done (_check_amount_and_dates)."""
        if self.env.context.get("debt_promise_checks_lines") is _PROMISE_CHECKS_LINES:
            return
        promises = (promises or self.env["debt.promise"]) | self.promise_id
        # the promise's own constraint: amounts, dates and the total of its installments
        promises.filtered(lambda p: p.state == "open")._check_amount_and_dates()
