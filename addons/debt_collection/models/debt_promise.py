"""The promise to pay: what the customer committed to, its checks and its actions (the payment check, the job
and the shared SQL are in ``debt_promise_evaluation.py``, the installments in ``debt_promise_line.py``)."""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_amount, format_date, get_lang

from .input_limits import MAX_GRACE_DAYS, check_integer_limits
from .sql_common import open_items_sql

PROMISE_STATES = [
    ("open", "Open"),
    ("kept", "Kept"),
    ("partial", "Partially kept"),
    ("broken", "Broken"),
    ("cancelled", "Cancelled"),
]
EVALUATED_STATES = ("kept", "partial", "broken")
# The value of the context key ``debt_promise_checks_lines``: an object, which no JSON-RPC call can send.
_PROMISE_CHECKS_LINES = object()
# Fields of a promise that cannot change once it has been evaluated or cancelled.
LOCKED_FIELDS = {
    "partner_id", "company_id", "invoice_ids", "currency_id", "amount", "date", "promised_date", "line_ids",
    "grace_days", "call_id",
}
# Engine-owned fields (their values when the promise is recorded): written only by the payment check
# (_debt_evaluate, in SQL), Cancel (action_cancel) and the snapshot of the invoices' open amount, all
# under sudo(); a user's write() or create() giving them is refused (see _check_engine_fields).
ENGINE_FIELDS = {"state": "open", "paid_amount": 0.0, "open_amount_start": 0.0, "evaluation_date": False}
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
        # each amount and date formatted once: the promise job names thousands of promises at once (the
        # to-dos' res_name), most of them falling on the same few dates
        amounts, dates = {}, {}
        # the language currency.format and format_date would look up each time; + 0.0 as currency.format: no "-0.00"
        lang_code = get_lang(self.env).code
        for promise in self:
            if not promise.partner_id:
                promise.display_name = _("New Promise")
                continue
            currency, amount, day = promise.currency_id, promise.amount, promise.promised_date
            if (currency, amount) not in amounts:
                amounts[currency, amount] = (
                    format_amount(self.env, amount + 0.0, currency, lang_code) if currency else amount)
            if day not in dates:
                dates[day] = format_date(self.env, day, lang_code) if day else "?"
            promise.display_name = _(
                "%(customer)s: %(amount)s by %(date)s",
                customer=promise.partner_id.display_name, amount=amounts[currency, amount], date=dates[day])

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
             WHERE p.id IN %s AND %s
          GROUP BY r.promise_id
            """,
            tuple(with_invoices.ids), open_items_sql("aml", "acc"),
        ))
        amounts = dict(self.env.cr.fetchall())
        for promise in with_invoices:
            promise.open_amount_start = promise.currency_id.round(amounts.get(promise.id) or 0.0)

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
