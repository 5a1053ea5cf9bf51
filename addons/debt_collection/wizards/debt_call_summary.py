from odoo import _, api, fields, models
from odoo.exceptions import UserError

from odoo.addons.base.models.res_partner import _lang_get


class DebtCallSummary(models.TransientModel):
    """The call summary e-mail, prepared from the template in the customer's language, sent from the
    customer's chatter (so that it stays in its history)."""

    _name = "debt.call.summary"
    _description = "Call Summary E-mail"

    call_id = fields.Many2one("debt.call", required=True, ondelete="cascade")
    partner_id = fields.Many2one(related="call_id.partner_id", string="Customer")
    recipient_ids = fields.Many2many(
        "res.partner", string="Recipients", compute="_compute_content", store=True, readonly=False)
    # a selection of the installed languages: shows "Vietnamese / Tiếng Việt", not the code vi_VN
    lang = fields.Selection(_lang_get, string="Language", compute="_compute_lang")
    subject = fields.Char(compute="_compute_content", store=True, readonly=False)
    body = fields.Html(compute="_compute_content", store=True, readonly=False, sanitize_style=True)

    @api.model
    def default_get(self, fields_list):
        # the wizard renders the call's promises, invoices and balances: the user's right on the call first
        self._debt_check_calls(self.env["debt.call"].browse(self.env.context.get("default_call_id") or []))
        return super().default_get(fields_list)

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_calls(self.env["debt.call"].browse([vals["call_id"] for vals in vals_list
                                                            if vals.get("call_id")]))
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("call_id"):
            self._debt_check_calls(self.env["debt.call"].browse(vals["call_id"]))
        return super().write(vals)

    @api.model
    def _debt_check_calls(self, calls):
        """AccessError unless the user may read ``calls`` (record rules: their own customers' calls),
        before anything of them is rendered (create, default_get, onchange). Checked as the user even
        from the stored computes, which run under sudo (``compute_sudo``)."""
        calls = calls.with_user(self.env.uid).browse(list(dict.fromkeys(calls.ids)))
        if not calls:
            return
        if calls.exists() != calls:
            raise UserError(_("This call no longer exists."))
        calls.check_access("read")

    @api.model
    def _template(self):
        return self.env.ref("debt_collection.mail_template_debt_call_summary")

    @api.depends("call_id")
    def _compute_lang(self):
        template = self._template()
        self._debt_check_calls(self.call_id._origin)  # before rendering anything (create, onchange)
        for wizard in self:
            wizard.lang = template._render_lang(wizard.call_id.ids)[wizard.call_id.id] if wizard.call_id else False

    @api.depends("call_id")
    def _compute_content(self):
        template = self._template()
        self._debt_check_calls(self.call_id._origin)  # before rendering anything (create, onchange)
        for wizard in self:
            call = wizard.call_id
            if not call:
                wizard.recipient_ids = wizard.subject = wizard.body = False
                continue
            lang = template._render_lang(call.ids)[call.id]
            wizard.recipient_ids = call._debt_summary_recipient()
            wizard.subject = template._render_field("subject", call.ids, set_lang=lang)[call.id]
            wizard.body = template._render_field("body_html", call.ids, set_lang=lang)[call.id]

    def action_send(self):
        self.ensure_one()
        call = self.call_id
        call.check_access("write")
        if not self.recipient_ids:
            raise UserError(_("Choose who receives the summary (the customer's payment contact)."))
        missing = self.recipient_ids.filtered(lambda partner: not partner.email)
        if missing:
            raise UserError(_(
                "%(contacts)s have no e-mail address: add one on the contact, or remove them from the recipients.",
                contacts=", ".join(missing.mapped("display_name"))))
        # sudo: posting in the customer's chatter needs write access to partners, which salespeople may
        # lack; their right on the call (record rules) is checked above and the author stays the user.
        message = call.partner_id.sudo().message_post(
            body=self.body,
            subject=self.subject,
            partner_ids=self.recipient_ids.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
            email_layout_xmlid="mail.mail_notification_light",
        )
        # sudo: summary_sent_date is engine-owned (refused to users' writes); sending is the action meant
        # for it, on a call the user may edit (checked above)
        call.sudo().summary_sent_date = fields.Datetime.now()
        call.message_post(
            body=_("Call summary sent to %(recipients)s.",
                   recipients=", ".join(self.recipient_ids.mapped("display_name"))),
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close", "infos": {"message_id": message.id}}
