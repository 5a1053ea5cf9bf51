from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools.misc import clean_context, format_date, format_datetime

OUTCOMES = [
    ("promised", "Promised to pay"),
    ("paid", "Paid already"),
    ("disputed", "Disputed"),
    ("refused", "Refused to pay"),
    ("callback", "Call back later"),
    ("no_answer", "No answer"),
    ("wrong_number", "Wrong number"),
    ("left_message", "Left a message"),
]
CHANNELS = [
    ("phone", "Phone"),
    ("meeting", "Meeting or visit"),
    ("message", "Message"),
    ("email", "E-mail"),
]
DIRECTIONS = [
    ("outbound", "Outbound"),
    ("inbound", "Inbound"),
]
# Outcomes that flag the customer for a manager's or the collector's attention, and the reason recorded.
ATTENTION_OUTCOMES = {"wrong_number": "wrong_number", "disputed": "disputed"}
# Engine-owned fields of a call: its next action's to-do (kept by _debt_sync_next_action) and when its summary
# was sent (by the call summary wizard), both written under sudo(); refused to users' create() and write().
CALL_ENGINE_FIELDS = ("activity_id", "summary_sent_date")


class DebtCall(models.Model):
    """One exchange with a customer about its debt: a phone call, a visit, a message or an e-mail."""

    _name = "debt.call"
    _description = "Collection Call"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade", tracking=True,
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)])
    contact_id = fields.Many2one(
        "res.partner", string="Contact Reached",
        domain="[('id', 'child_of', partner_id)]",
        help="The person spoken to, if not the company itself.")
    user_id = fields.Many2one(
        "res.users", string="Collector", required=True, index=True, tracking=True,
        default=lambda self: self.env.user, domain=[("share", "=", False)])
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    date = fields.Datetime(required=True, default=fields.Datetime.now, index=True, tracking=True)
    duration = fields.Float(help="How long the call or the meeting lasted (hours:minutes).")
    channel = fields.Selection(CHANNELS, required=True, default="phone")
    direction = fields.Selection(DIRECTIONS, required=True, default="outbound")
    outcome = fields.Selection(OUTCOMES, required=True, tracking=True)
    excuse_id = fields.Many2one(
        "debt.excuse", string="Excuse Given",
        domain="['|', ('company_id', '=', False), ('company_id', '=', company_id)]")
    excuse_response = fields.Text(related="excuse_id.suggested_response", string="Suggested Response")
    invoice_ids = fields.Many2many(
        "account.move", "debt_call_account_move_rel", "call_id", "move_id", string="Invoices Discussed",
        check_company=True,
        domain="[('move_type', '=', 'out_invoice'), ('state', '=', 'posted'),"
               " ('commercial_partner_id', '=', partner_id)]")
    note = fields.Html(string="Notes", help="Internal notes: what was said. Not sent to the customer.")
    next_step = fields.Text(
        string="Agreed Next Step", compute="_compute_next_step", store=True, readonly=False,
        help="What happens next, as agreed with the customer; written in the call summary e-mail.")
    next_action_date = fields.Date(
        tracking=True,
        help="Schedules a to-do for the collector on that day.")
    activity_id = fields.Many2one("mail.activity", string="Next Action Activity", readonly=True, copy=False)
    promise_ids = fields.One2many("debt.promise", "call_id", string="Promises")
    promise_count = fields.Integer(compute="_compute_promise_count")
    summary_sent_date = fields.Datetime(string="Summary Sent On", readonly=True, copy=False)
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")

    @api.depends("partner_id", "date", "outcome")
    def _compute_display_name(self):
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        for call in self:
            call.display_name = _(
                "%(customer)s, %(date)s: %(outcome)s",
                customer=call.partner_id.display_name or _("New call"),
                # in the user's language and time zone (not ISO)
                date=format_date(self.env, fields.Datetime.context_timestamp(call, call.date)) if call.date else "",
                outcome=outcomes.get(call.outcome, ""),
            )

    @api.depends("excuse_id")
    def _compute_next_step(self):
        for call in self:
            if call.excuse_id and not call.next_step:
                call.next_step = call.excuse_id.next_step_note

    def _compute_promise_count(self):
        counts = dict(self.env["debt.promise"]._read_group(
            [("call_id", "in", self.ids)], ["call_id"], ["__count"]))
        for call in self:
            call.promise_count = counts.get(call, 0)

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.contact_id and self.partner_id and \
                self.contact_id.commercial_partner_id != self.partner_id.commercial_partner_id:
            self.contact_id = False
        if not self.contact_id and self.partner_id.payment_contact_id:
            self.contact_id = self.partner_id.payment_contact_id
        self.invoice_ids = self.invoice_ids.filtered(
            lambda move: move.commercial_partner_id == self.partner_id.commercial_partner_id)

    @api.onchange("outcome")
    def _onchange_outcome_promise(self):
        """"Promised to pay" opens its promise at once, prefilled with what is still open."""
        if self.outcome != "promised" or self.promise_ids or not self.partner_id:
            return
        promise_model = self.env(context=clean_context(self.env.context))["debt.promise"]
        # a line created by an onchange gets no defaults: take the promise's own (date, state, grace days)
        defaults = promise_model.default_get(["date", "state", "grace_days"])
        self.promise_ids = [Command.create({
            **defaults,
            "partner_id": self.partner_id.commercial_partner_id.id,
            "company_id": (self.company_id or self.env.company).id,
            "user_id": self.user_id.id,
            "invoice_ids": [Command.set(self.invoice_ids._origin.ids)],
            **promise_model._debt_open_amount_values(
                self.partner_id.commercial_partner_id, self.invoice_ids._origin,
                self.company_id._origin or self.env.company),
        })]

    # ------------------------------------------------------------------ constraints
    @api.constrains("date")
    def _check_date(self):
        now = fields.Datetime.now()
        for call in self:
            if call.date > now:
                raise ValidationError(_(
                    "A call cannot be logged in the future (%(date)s). Log it once it has taken place, "
                    "and use the next action date to plan the next one.",
                    date=format_datetime(self.env, call.date)))

    @api.constrains("duration")
    def _check_duration(self):
        for call in self:
            if call.duration < 0:
                raise ValidationError(_("The duration of a call cannot be negative."))

    @api.constrains("partner_id", "contact_id", "company_id", "invoice_ids")
    def _check_partner(self):
        for call in self:
            partner = call.partner_id
            if partner.company_id and partner.company_id != call.company_id:
                raise ValidationError(_(
                    "The customer %(customer)s belongs to the company %(company)s, not to %(other)s.",
                    customer=partner.display_name, company=partner.company_id.name, other=call.company_id.name))
            if call.contact_id and call.contact_id.commercial_partner_id != partner:
                raise ValidationError(_(
                    "%(contact)s is not a contact of %(customer)s.",
                    contact=call.contact_id.display_name, customer=partner.display_name))
            wrong = call.invoice_ids.filtered(
                lambda move, partner=partner: move.commercial_partner_id != partner or not move.is_sale_document())
            if wrong:
                raise ValidationError(_(
                    "The invoices %(invoices)s are not invoices of %(customer)s.",
                    invoices=", ".join(wrong.mapped("display_name")), customer=partner.display_name))

    @api.constrains("outcome", "promise_ids")
    def _check_promise(self):
        for call in self:
            if call.outcome == "promised" and not call.promise_ids:
                raise ValidationError(_(
                    "The customer promised to pay: record the promise (amount and date) on the call."))
            if call.promise_ids.partner_id - call.partner_id:
                raise ValidationError(_("A promise made during a call must be a promise of the same customer."))

    # ------------------------------------------------------------------ ORM
    def _debt_check_engine_fields(self, vals_list):
        """Refuse user values of the engine-owned fields (sudo, the engine's own writes, passes)."""
        if self.env.su:
            return
        given = sorted({fname for vals in vals_list for fname in CALL_ENGINE_FIELDS if vals.get(fname)})
        if given:
            raise AccessError(self.env._(
                "%(fields)s of a call are set by the application (the next action date, Send Summary), "
                "not by hand.",
                fields=", ".join(self._fields[fname]._description_string(self.env) for fname in given)))

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_engine_fields(vals_list)
        # Calls belong to the commercial entity; a contact given as customer becomes the contact reached.
        partner_ids = [vals["partner_id"] for vals in vals_list if vals.get("partner_id")]
        partners = {p.id: p for p in self.env["res.partner"].browse(partner_ids)}
        for vals in vals_list:
            partner = partners.get(vals.get("partner_id"))
            if partner and partner.commercial_partner_id != partner:
                vals["partner_id"] = partner.commercial_partner_id.id
                vals.setdefault("contact_id", partner.id)
        calls = super().create(vals_list)
        calls._debt_flag_attention()
        calls._debt_sync_next_action()
        return calls

    def write(self, vals):
        if not self.env.su and any(fname in vals for fname in CALL_ENGINE_FIELDS):
            self._debt_check_engine_fields([{fname: True for fname in CALL_ENGINE_FIELDS if fname in vals}])
        if any(call.promise_ids.filtered(lambda p: p.state != "open") for call in self) and (
                "partner_id" in vals or "company_id" in vals):
            raise UserError(_("The customer of a call whose promise has been evaluated cannot be changed."))
        res = super().write(vals)
        if "outcome" in vals:
            self._debt_flag_attention()
        if {"next_action_date", "user_id", "next_step", "partner_id"} & set(vals):
            self._debt_sync_next_action()
        return res

    # ------------------------------------------------------------------ behaviour
    def _debt_flag_attention(self):
        """Calls with outcome "wrong number" or "disputed" flag their customer for attention."""
        reasons = dict(self.env["res.partner"]._fields["debt_attention_reason"]._description_selection(self.env))
        for call in self.filtered(lambda c: c.outcome in ATTENTION_OUTCOMES):
            # sudo: the flag is read and written by the engine (write() refuses it to users); it is per
            # company, that of the call
            partner = call.partner_id.with_company(call.company_id).sudo()
            reason = ATTENTION_OUTCOMES[call.outcome]
            if partner.debt_attention and partner.debt_attention_reason == reason:
                continue
            # sudo: salespeople may not edit partners; the flag is set by the outcome of a call they
            # are allowed to log (record rules on debt.call), and cleared only through a checked action.
            partner.sudo().write({"debt_attention": True, "debt_attention_reason": reason})
            partner.sudo().message_post(
                body=_("Flagged for attention: %(reason)s (call of %(date)s logged by %(user)s).",
                       reason=reasons[reason],
                       date=format_date(self.env, fields.Datetime.context_timestamp(call, call.date)),
                       user=call.user_id.name),
                subtype_xmlid="mail.mt_note")

    def _debt_sync_next_action(self):
        """Keep one to-do activity on the call for its next action date, assigned to the collector."""
        call_type = self.env.ref("mail.mail_activity_data_call", raise_if_not_found=False)
        for call in self:
            activity = call.activity_id if call.activity_id.active else self.env["mail.activity"]
            if not call.next_action_date:
                if activity:
                    activity.unlink()
                continue
            summary = _("Follow up with %(customer)s", customer=call.partner_id.display_name)
            if activity:
                activity.write({
                    "date_deadline": call.next_action_date,
                    "user_id": call.user_id.id,
                    "summary": summary,
                    "note": call.next_step or False,
                })
            else:
                # sudo: activity_id is engine-owned (refused to users' writes); the to-do is scheduled
                # under the user's own rights just below, on a call they may edit
                call.sudo().activity_id = call.activity_schedule(
                    activity_type_id=call_type.id if call_type else False,
                    date_deadline=call.next_action_date,
                    summary=summary,
                    note=call.next_step or False,
                    user_id=call.user_id.id,
                )

    # ------------------------------------------------------------------ actions
    def action_send_summary(self):
        """Prepare the call summary e-mail to the customer's payment contact, in the customer's language."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Send the Call Summary"),
            "res_model": "debt.call.summary",
            "view_mode": "form",
            "target": "new",
            "context": {"default_call_id": self.id},
        }

    def action_view_promises(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("debt_collection.action_debt_promise")
        action["domain"] = [("call_id", "=", self.id)]
        action["context"] = {"default_call_id": self.id, "default_partner_id": self.partner_id.id}
        return action

    def action_open_partner(self):
        self.ensure_one()
        return self.partner_id.get_formview_action()

    # ------------------------------------------------------------------ call summary e-mail
    def _debt_summary_recipient(self):
        """The customer's payment contact, else the contact reached, else the customer itself."""
        self.ensure_one()
        return self.partner_id.payment_contact_id or self.contact_id or self.partner_id

    def _debt_summary_promises(self):
        self.ensure_one()
        return self.promise_ids.filtered(lambda promise: promise.state != "cancelled")
