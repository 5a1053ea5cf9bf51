from datetime import timedelta

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

from ..tools.amount_text import AmountError, parse_amount
from .common import customer_today, job_commits
from .input_limits import check_integer_limits
from .sql_common import company_tree_sql

STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("confirmed", "Confirmed"),
    ("disputed", "Disputed"),
    ("expired", "Expired"),
]
# Written only by the application (computing the balance, sending, the customer's answer, expiry), under sudo():
# refused to users' create() and write(), managers included (README, "Balance confirmations").
ENGINE_FIELDS = (
    "state", "balance", "sent_date", "customer_amount", "customer_comment", "answer_date", "answered_by",
    "access_token",
)
# What users set, while the confirmation is a draft; the validity may still be extended once sent.
DRAFT_FIELDS = ("partner_id", "company_id", "date")
MAX_VALIDITY_DAYS = 365


class DebtBalanceConfirmation(models.Model):
    """A balance confirmation (biên bản đối chiếu công nợ): the customer's receivable balance in the company's
    books on a date, sent to the customer, who confirms it or disputes it with their own figure from the portal."""

    _name = "debt.balance.confirmation"
    _description = "Balance Confirmation"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict", tracking=True,
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)])
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    date = fields.Date(
        string="Balance As Of", required=True, tracking=True, default=fields.Date.context_today,
        help="The balance is the customer's receivable in the company's books at the end of this day.")
    currency_id = fields.Many2one(related="company_id.currency_id", string="Currency")
    balance = fields.Monetary(
        readonly=True, copy=False, tracking=True,
        help="The customer's receivable balance in company currency: the posted receivable journal items dated on "
             "or before the date (invoices less credit notes and payments). Computed when the confirmation is "
             "created and by Refresh Balance while it is a draft.")
    state = fields.Selection(STATES, required=True, default="draft", readonly=True, copy=False, tracking=True,
                             index=True)
    validity_days = fields.Integer(
        string="Validity (Days)", default=30, tracking=True,
        help="Days the customer has to answer, from the day it is sent; then the confirmation expires.")
    sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    expiry_date = fields.Date(
        string="Answer By", compute="_compute_expiry_date", store=True,
        help="The last day the customer can answer from the portal.")
    customer_amount = fields.Monetary(
        string="Customer's Figure", readonly=True, copy=False,
        help="The balance in the customer's books, as they typed it when disputing ours.")
    difference = fields.Monetary(
        compute="_compute_difference", store=True,
        help="The customer's figure less our balance (disputed confirmations only).")
    customer_comment = fields.Text(string="Customer's Comment", readonly=True, copy=False)
    answer_date = fields.Datetime(string="Answered On", readonly=True, copy=False)
    answered_by = fields.Char(readonly=True, copy=False, help="The name the customer gave when answering.")
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")

    _sql_constraints = [
        ("validity_days_positive", "CHECK(validity_days > 0)", "The validity of a balance confirmation must be at "
                                                               "least one day."),
    ]

    # ------------------------------------------------------------------ computes
    def _compute_access_url(self):
        for confirmation in self:
            confirmation.access_url = f"/my/balance_confirmation/{confirmation.id}"

    @api.depends("sent_date", "validity_days", "partner_id", "company_id")
    def _compute_expiry_date(self):
        for confirmation in self:
            if not confirmation.sent_date:
                confirmation.expiry_date = False
                continue
            sent_day = customer_today(confirmation.partner_id, confirmation.company_id, confirmation.sent_date)
            confirmation.expiry_date = sent_day + timedelta(days=confirmation.validity_days)

    @api.depends("state", "customer_amount", "balance")
    def _compute_difference(self):
        for confirmation in self:
            disputed = confirmation.state == "disputed"
            confirmation.difference = confirmation.customer_amount - confirmation.balance if disputed else 0.0

    @api.depends("partner_id", "date")
    def _compute_display_name(self):
        for confirmation in self:
            confirmation.display_name = _(
                "%(reference)s: %(customer)s as of %(date)s", reference=confirmation.name,
                customer=confirmation.partner_id.display_name or "",
                date=format_date(self.env, confirmation.date) if confirmation.date else "")

    def _debt_compute_balances(self):
        """The receivable balance of each confirmation's customer (its contacts included) on its date, in the
        company's books: one query per company (the company tree of Odoo's own ``credit``), not per customer."""
        self.env.flush_all()
        balances = {}
        for company in self.company_id:
            confirmations = self.filtered(lambda c, company=company: c.company_id == company)
            self.env.cr.execute(SQL(
                """
                SELECT c.id, COALESCE(SUM(aml.balance), 0)
                  FROM unnest(%(ids)s::int[], %(partners)s::int[], %(dates)s::date[]) AS c(id, partner_id, date)
                  JOIN res_partner contact ON contact.commercial_partner_id = c.partner_id
                  JOIN account_move_line aml ON aml.partner_id = contact.id
                                            AND aml.parent_state = 'posted'
                                            AND aml.date <= c.date
                                            AND aml.company_id IN (%(tree)s)
                  JOIN account_account acc ON acc.id = aml.account_id AND acc.account_type = 'asset_receivable'
              GROUP BY c.id
                """,
                ids=confirmations.ids, partners=[c.partner_id.id for c in confirmations],
                dates=[str(c.date) for c in confirmations], tree=company_tree_sql(company.ids),
            ))
            balances.update(self.env.cr.fetchall())
        for confirmation in self:
            # sudo: the balance is engine-owned (write() refuses it to users)
            confirmation.sudo().balance = confirmation.currency_id.round(balances.get(confirmation.id, 0.0))

    # ------------------------------------------------------------------ constraints
    @api.constrains("partner_id", "company_id")
    def _check_partner(self):
        for confirmation in self:
            partner = confirmation.partner_id
            if partner.commercial_partner_id != partner:
                raise ValidationError(_(
                    "A balance confirmation is made for the customer itself (%(customer)s), not for one of its "
                    "contacts.", customer=partner.commercial_partner_id.display_name))
            if partner.company_id and partner.company_id != confirmation.company_id:
                raise ValidationError(_(
                    "The customer %(customer)s belongs to the company %(company)s, not to %(other)s.",
                    customer=partner.display_name, company=partner.company_id.name,
                    other=confirmation.company_id.name))

    # ------------------------------------------------------------------ ORM
    def _debt_check_engine_fields(self, vals_list):
        """Refuse user values of the engine-owned fields (sudo, the engine's own writes, passes)."""
        if self.env.su:
            return
        given = sorted({fname for vals in vals_list for fname in ENGINE_FIELDS if fname in vals})
        if given:
            raise AccessError(self.env._(
                "%(fields)s of a balance confirmation are set by the application (Refresh Balance, Send, the "
                "customer's answer), not by hand.",
                fields=", ".join(self._fields[fname]._description_string(self.env) for fname in given)))

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_engine_fields(vals_list)
        check_integer_limits(self, vals_list, {"validity_days": (1, MAX_VALIDITY_DAYS)})
        partners = self.env["res.partner"].browse([vals["partner_id"] for vals in vals_list if vals.get("partner_id")])
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        for vals in vals_list:
            # the customer's contacts roll up to it, as everywhere in the module
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]
            if not self.env.su or vals.get("name", "/") == "/":
                # sudo: the sequence is the module's, users have no right on ir.sequence
                vals["name"] = self.env["ir.sequence"].sudo().with_company(
                    vals.get("company_id") or self.env.company.id).next_by_code("debt.balance.confirmation") or "/"
        confirmations = super().create(vals_list)
        confirmations._debt_compute_balances()
        return confirmations

    def write(self, vals):
        self._debt_check_engine_fields([vals])
        check_integer_limits(self, [vals], {"validity_days": (1, MAX_VALIDITY_DAYS)}, context_defaults=False)
        if not self.env.su:
            if any(fname in vals for fname in DRAFT_FIELDS) and any(c.state != "draft" for c in self):
                raise UserError(_("The customer, company and date of a balance confirmation cannot change once it "
                                  "has been sent: create a new one."))
            if "validity_days" in vals and any(c.state not in ("draft", "sent") for c in self):
                raise UserError(_("The validity of a balance confirmation that was answered or has expired cannot "
                                  "change."))
        res = super().write(vals)
        if not self.env.su and {"partner_id", "company_id", "date"} & set(vals):
            self._debt_compute_balances()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if any(confirmation.state != "draft" for confirmation in self):
            raise UserError(_("Only draft balance confirmations can be deleted; the others are the record of what "
                              "the customer was sent and answered."))

    def _get_report_base_filename(self):
        self.ensure_one()
        return _("Balance Confirmation %(reference)s", reference=self.name)

    # ------------------------------------------------------------------ actions
    def action_refresh_balance(self):
        if any(confirmation.state != "draft" for confirmation in self):
            raise UserError(_("Only the balance of a draft confirmation is recomputed: the customer was sent the "
                              "balance of the others."))
        self._debt_compute_balances()
        return True

    def _debt_mail_attachments(self):
        """The files sent with the confirmation, as ``(file name, content)`` pairs: the one list that Send (the
        composer) and :meth:`_debt_send` attach: the confirmation and the customer's statement up to its date (this
        month, or since the oldest item still open, as the statement wizard proposes), the detail behind the
        balance."""
        self.ensure_one()
        pdf = self.env["ir.actions.report"].sudo()._render_qweb_pdf(
            "debt_collection.action_report_debt_balance_confirmation", self.ids)[0]
        files = [(f"{self._get_report_base_filename()}.pdf", pdf)]
        partner = self.partner_id.with_company(self.company_id)
        date_from, date_to = partner._debt_statement_default_period(self.company_id, self.date)
        if partner._debt_statement_has_entries(date_to):  # no receivable entry yet: no statement to send
            statement, name = partner._debt_statement_pdf(date_from, date_to)
            files.append((name, statement))
        return files

    def _debt_composer_attachments(self):
        """The files of :meth:`_debt_mail_attachments` as the composer's own attachments (res_id 0), as the composer
        makes its template's: the user may remove them before sending; posting moves them to the message."""
        return self.env["ir.attachment"].create([
            {"name": name, "raw": content, "res_model": "mail.compose.message", "res_id": 0, "type": "binary"}
            for name, content in self._debt_mail_attachments()])

    def _debt_check_can_send(self):
        for confirmation in self:
            if confirmation.state not in ("draft", "sent"):
                raise UserError(_(
                    "The balance confirmation %(reference)s is %(state)s: it cannot be sent again. Create a new one.",
                    reference=confirmation.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[confirmation.state]))

    def action_send(self):
        """Odoo's composer with the confirmation's template and files, in the customer's language, as Sales'
        "Send by E-mail"; sending it marks the confirmation sent (message_post below)."""
        self.ensure_one()
        self._debt_check_can_send()
        self._portal_ensure_token()
        template = self.env.ref("debt_collection.mail_template_debt_balance_confirmation", raise_if_not_found=False)
        attachments = self._debt_composer_attachments()
        return {
            "type": "ir.actions.act_window",
            "name": _("Send the Balance Confirmation"),
            "res_model": "mail.compose.message",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_model": self._name,
                "default_res_ids": self.ids,
                "default_composition_mode": "comment",
                "default_template_id": template.id if template else False,
                "default_attachment_ids": [Command.set(attachments.ids)],
                "default_email_layout_xmlid": "mail.mail_notification_layout_with_responsible_signature",
                "force_email": True,
                "debt_mark_confirmation_sent": True,
            },
        }

    def _debt_send(self):
        """Send the confirmation by e-mail without the composer (the template, the same files)."""
        self._debt_check_can_send()
        template = self.env.ref("debt_collection.mail_template_debt_balance_confirmation")
        for confirmation in self:
            confirmation._portal_ensure_token()
            confirmation.with_context(debt_mark_confirmation_sent=True).message_post_with_source(
                template, message_type="comment", subtype_xmlid="mail.mt_comment",
                attachment_ids=[Command.set(confirmation._debt_composer_attachments().ids)],
                email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature")
        return True

    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        if self.env.context.get("debt_mark_confirmation_sent"):
            self._debt_mark_sent()
        return message

    def _debt_mark_sent(self):
        """Draft becomes sent; a confirmation sent again keeps its first sending date (and its validity)."""
        drafts = self.filtered(lambda c: c.state == "draft")
        # sudo: state and sent_date are engine-owned; the user sent the e-mail on a record they may write
        drafts.sudo().write({"state": "sent", "sent_date": fields.Datetime.now()})

    def action_mark_expired(self):
        if any(confirmation.state != "sent" for confirmation in self):
            raise UserError(_("Only a balance confirmation waiting for the customer's answer (sent) can be marked "
                              "expired."))
        self.check_access("write")
        self._debt_expire()
        return True

    def _debt_expire(self):
        # sudo: the state is engine-owned; the caller checked the right (the button) or is the scheduler
        self.sudo().write({"state": "expired"})
        body = _("The balance confirmation expired without an answer from the customer.")
        self.sudo()._message_log_batch(bodies=dict.fromkeys(self.ids, body))

    @api.model
    def _cron_expire_confirmations(self, batch_size=500):
        """Expire the sent confirmations whose last day to answer has passed (in the customer's time zone), by
        batches: each batch is committed when run by the scheduler, so that a run killed halfway keeps what it
        did and the next run finishes (an expired confirmation is no longer a candidate)."""
        # a day of margin on the server's date: the customer's own today decides below
        candidates = self.search([("state", "=", "sent"), ("expiry_date", "<", fields.Date.today() + timedelta(1))])
        expired = candidates.filtered(lambda c: c._debt_is_past_expiry())
        for start in range(0, len(expired), batch_size):
            batch = expired[start:start + batch_size]
            batch._debt_expire()
            self.env["ir.cron"]._notify_progress(done=start + len(batch), remaining=len(expired) - start - len(batch))
            if job_commits(self.env):
                self.env.cr.commit()
        return expired

    def _debt_is_past_expiry(self):
        self.ensure_one()
        return bool(self.expiry_date) and customer_today(self.partner_id, self.company_id) > self.expiry_date

    def action_view_partner(self):
        self.ensure_one()
        return self.partner_id.get_formview_action()

    def _debt_texts(self):
        """The sentences of the PDF and of the portal page that hold figures, whole (one sentence to translate,
        not fragments around each value), in the language of the environment (the customer's, set by the
        report and the page)."""
        self.ensure_one()
        env = self.env
        date = format_date(env, self.date)
        amount = format_amount(env, abs(self.balance), self.currency_id)
        answered_on = format_date(env, self.answer_date) if self.answer_date else ""
        values = {
            "number": _("No. %(reference)s - balance as of %(date)s", reference=self.name, date=date),
            "balance_as_of": _("Balance as of %(date)s", date=date),
            "conclusion": (
                _("As of %(date)s, Party B owes Party A %(amount)s.", date=date, amount=amount)
                if self.balance >= 0 else
                _("As of %(date)s, Party A owes Party B %(amount)s (payments received in advance).",
                  date=date, amount=amount)),
            "request": (
                _("Please check this balance against your books and confirm it, or tell us your figure, by "
                  "%(date)s, with the link of our e-mail, or sign and return one copy of this document.",
                  date=format_date(env, self.expiry_date))
                if self.expiry_date else
                _("Please check this balance against your books and confirm it, or tell us your figure, within "
                  "%(days)s days, with the link of our e-mail, or sign and return one copy of this document.",
                  days=self.validity_days)),
            "intro": _("%(company)s asks you to check the balance of your account in its books and to confirm it, "
                       "or to tell us the balance shown in yours.", company=self.company_id.name),
            "confirmed": _("Party B (%(name)s) confirmed this balance on %(date)s.", name=self.answered_by or "",
                           date=answered_on),
            "disputed": _("Party B (%(name)s) disputed this balance on %(date)s: the balance in its books is "
                          "%(figure)s, a difference of %(difference)s.", name=self.answered_by or "",
                          date=answered_on,
                          figure=format_amount(env, self.customer_amount, self.currency_id),
                          difference=format_amount(env, self.difference, self.currency_id)),
        }
        return values

    # ------------------------------------------------------------------ the customer's answer (portal)
    def _debt_answer_refusal(self):
        """Why the customer may not answer now (a translated sentence), or None."""
        self.ensure_one()
        if self.state == "confirmed":
            return _("This balance was already confirmed on %(date)s: it cannot be answered twice.",
                     date=format_date(self.env, self.answer_date))
        if self.state == "disputed":
            return _("This balance was already disputed on %(date)s: it cannot be answered twice. Please contact "
                     "us to change your answer.", date=format_date(self.env, self.answer_date))
        if self.state == "expired" or (self.state == "sent" and self._debt_is_past_expiry()):
            return _("This balance confirmation expired on %(date)s: please ask us for a new one.",
                     date=format_date(self.env, self.expiry_date) if self.expiry_date else "")
        if self.state != "sent":
            return _("This balance confirmation has not been sent to you yet.")
        return None

    def _debt_parse_customer_amount(self, text, lang):
        """The figure the customer typed, in the number format of the page's language; a clear refusal else."""
        lang = self.env["res.lang"]._lang_get(lang) or self.env["res.lang"]._lang_get("en_US")
        try:
            amount = parse_amount(text, decimal_point=lang.decimal_point, thousands_sep=lang.thousands_sep,
                                  decimals=self.currency_id.decimal_places)
        except AmountError as error:
            example = format_amount(self.env(context={**self.env.context, "lang": lang.code}), 1234567.0,
                                    self.currency_id)
            messages = {
                "empty": _("Please enter the balance shown in your books."),
                "negative": _("Please enter the balance as a positive amount (what you owe us)."),
                "too_large": _("The amount you entered is too large."),
                "decimals": _("The amount has more decimals than the currency %(currency)s allows.",
                              currency=self.currency_id.name),
            }
            raise UserError(messages.get(error.code) or _(
                "The amount \"%(text)s\" is not a number we can read. Write it like %(example)s.",
                text=text, example=example)) from error
        return float(amount)

    def _debt_portal_answer(self, answer, amount_text=None, comment=None, name=None, lang=None):
        """Record the customer's answer given from the portal (``self`` is the confirmation reached with its token,
        under sudo): "confirm", or "dispute" with their figure and a comment. Posted in the chatter; a dispute
        flags the customer for attention, which pauses the reminders. Refused with a clear message when the
        confirmation is not waiting for an answer; nothing is written then."""
        self.ensure_one()
        # one answer at a time: a second one waits for the first to commit, then sees it (answered twice)
        self.env.cr.execute(SQL("SELECT id FROM %s WHERE id = %s FOR UPDATE", SQL.identifier(self._table), self.id))
        self.invalidate_recordset()
        refusal = self._debt_answer_refusal()
        if refusal:
            raise UserError(refusal)
        name = (name or "").strip()[:128]
        comment = (comment or "").strip()
        values = {"answer_date": fields.Datetime.now(), "answered_by": name or self.partner_id.name}
        if answer == "confirm":
            values["state"] = "confirmed"
        elif answer == "dispute":
            amount = self._debt_parse_customer_amount(amount_text, lang or self.partner_id.lang)
            if not comment:
                raise UserError(_("Please tell us, in the comment, what differs from your books (invoices, payments "
                                  "or credit notes)."))
            values.update(state="disputed", customer_amount=amount, customer_comment=comment[:4000])
        else:
            raise UserError(_("Unknown answer."))
        # sudo: the visitor has no account; the token gave access to this record only (controllers/portal.py)
        confirmation = self.sudo()
        confirmation.write(values)
        # the notes are for the company's staff: in the salesperson's language (else the company's), as Sales'
        # "viewed by the customer" note, not in the customer's language of the page
        staff = confirmation.with_context(lang=self.partner_id.user_id.lang or self.company_id.partner_id.lang)
        env = staff.env
        amounts = {
            "amount": format_amount(env, self.balance, self.currency_id),
            "date": format_date(env, self.date),
            "figure": format_amount(env, confirmation.customer_amount, self.currency_id),
            "difference": format_amount(env, confirmation.difference, self.currency_id),
        }
        if answer == "confirm":
            body = env._("%(name)s confirmed the balance of %(amount)s as of %(date)s.", name=values["answered_by"],
                         amount=amounts["amount"], date=amounts["date"])
        else:
            body = env._("%(name)s disputed the balance of %(amount)s as of %(date)s: their figure is %(figure)s "
                         "(difference %(difference)s). Comment: %(comment)s",
                         name=values["answered_by"], comment=comment, **amounts)
        confirmation.message_post(body=body, author_id=self.partner_id.id, message_type="comment",
                                  subtype_xmlid="mail.mt_comment")
        if answer == "dispute":
            staff._debt_flag_dispute()
        return True

    def _debt_flag_dispute(self):
        """A disputed balance flags the customer for attention in the confirmation's company, with the reason a
        disputed call gives: the reminder job pauses on it until the flag is cleared."""
        for confirmation in self:
            # sudo: the flag is engine-owned (res.partner.write refuses it to users); per company
            partner = confirmation.partner_id.with_company(confirmation.company_id).sudo()
            if not (partner.debt_attention and partner.debt_attention_reason == "disputed"):
                partner.write({"debt_attention": True, "debt_attention_reason": "disputed"})
            partner.message_post(
                body=self.env._(
                    "Flagged for attention: the customer disputed the balance confirmation %(reference)s "
                    "(their figure %(figure)s, ours %(amount)s). Reminders wait until the flag is cleared.",
                    reference=confirmation.name,
                    figure=format_amount(self.env, confirmation.customer_amount, confirmation.currency_id),
                    amount=format_amount(self.env, confirmation.balance, confirmation.currency_id)),
                subtype_xmlid="mail.mt_note")
