"""Escalation: a customer handed over to a collection agency or to legal, in one company, until it is returned.

While a case is active the reminders of the customer in that company stop (``debt.reminder._debt_paused_partners``)
and the worklist shows the stage. The hand-over builds the dossier (``debt_escalation_dossier.py``); the hand-over
and the return are written in the customer's chatter. Collection managers only: access rights (no line for
collection users) and the checks of create()/write().
"""

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, format_date

from ..reports.dossier_xlsx import DossierXlsxWriter

MANAGER_GROUP = "debt_collection.group_debt_collection_manager"
STAGES = [("agency", "Collection agency"), ("legal", "Legal")]
ESCALATION_STATES = [("active", "Active"), ("returned", "Returned")]
# set by the return and the dossier (action_debt_return, _debt_build_dossier, under sudo() once the user's right is
# checked), never by a user's create() or write(): a context key would be one more thing to send over JSON-RPC
ENGINE_FIELDS = ("state", "return_date", "return_note", "returned_by_id", "open_amount", "dossier_ids", "dossier_date")
FIXED_FIELDS = ("partner_id", "company_id")


class DebtEscalation(models.Model):
    _name = "debt.escalation"
    _description = "Escalated Customer"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="restrict", tracking=True,
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)])
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    stage = fields.Selection(STAGES, required=True, default="agency", tracking=True)
    date = fields.Date(string="Hand-over Date", required=True, default=fields.Date.context_today, tracking=True)
    party_id = fields.Many2one(
        "res.partner", string="Handed To", required=True, ondelete="restrict", tracking=True,
        help="The collection agency or the lawyer who takes the case.")
    reason = fields.Text(required=True)
    state = fields.Selection(ESCALATION_STATES, required=True, default="active", readonly=True, tracking=True)
    return_date = fields.Date(readonly=True, tracking=True)
    return_note = fields.Text(readonly=True)
    returned_by_id = fields.Many2one("res.users", readonly=True)
    open_amount = fields.Monetary(
        string="Open Amount at Hand-over", currency_field="currency_id", readonly=True,
        help="The customer's open receivable in company currency when it was handed over.")
    dossier_ids = fields.Many2many(
        "ir.attachment", "debt_escalation_dossier_rel", "escalation_id", "attachment_id",
        readonly=True, copy=False, help="The documents handed over: built at the hand-over, rebuilt on demand.")
    dossier_date = fields.Datetime(string="Dossier Built On", readonly=True, copy=False)

    def init(self):
        # one active case per customer and company, whatever the path (two managers at the same time included)
        self.env.cr.execute(SQL(
            """CREATE UNIQUE INDEX IF NOT EXISTS debt_escalation_one_active
                   ON debt_escalation (partner_id, company_id) WHERE state = 'active'"""))

    @api.depends("partner_id", "stage")
    def _compute_display_name(self):
        stages = dict(self._fields["stage"]._description_selection(self.env))
        for case in self:
            case.display_name = _("%(customer)s: %(stage)s", customer=case.partner_id.display_name or "",
                                  stage=stages.get(case.stage, ""))

    # ------------------------------------------------------------------ who may do what
    def _debt_check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(_("Only a collection manager can hand a customer over to an agency or to legal."))

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_manager()
        Partner = self.env["res.partner"]
        for vals in vals_list:
            if not self.env.su:
                for name in ENGINE_FIELDS:
                    vals.pop(name, None)
            if vals.get("partner_id"):
                vals["partner_id"] = Partner.browse(vals["partner_id"]).commercial_partner_id.id
        self._debt_check_not_escalated(vals_list)
        cases = super().create(vals_list)
        cases._debt_build_dossier()
        cases._debt_log_handover()
        return cases

    def write(self, vals):
        self._debt_check_manager()
        if not self.env.su:
            engine = [name for name in ENGINE_FIELDS if name in vals]
            if engine:
                raise UserError(_("A case is returned with the \"Return\" button, not by changing its state."))
            if any(name in vals for name in FIXED_FIELDS):
                raise UserError(_("The customer and the company of an escalation cannot be changed."))
            if self.filtered(lambda case: case.state == "returned") and {"stage", "date", "party_id"} & set(vals):
                raise UserError(_("A returned case cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_active(self):
        # deleting (managers only: access rights) is for returned cases; an active one stops reminders
        if self.filtered(lambda case: case.state == "active"):
            raise UserError(_("An active case cannot be deleted: return it first."))

    @api.constrains("partner_id", "party_id")
    def _check_party(self):
        for case in self:
            if case.party_id.commercial_partner_id == case.partner_id:
                raise ValidationError(_("A customer cannot be handed over to itself."))

    @api.constrains("reason")
    def _check_reason(self):
        for case in self:
            if not (case.reason or "").strip():
                raise ValidationError(_("Please give the reason of the hand-over."))

    def _debt_check_not_escalated(self, vals_list):
        """Refuse a second active case of a customer in a company (the unique index would, less clearly)."""
        keys = [(vals.get("partner_id"), vals.get("company_id") or self.env.company.id) for vals in vals_list]
        if len(set(keys)) < len(keys):
            raise UserError(_("The same customer cannot be handed over twice at once."))
        partners = {partner_id for partner_id, _company in keys if partner_id}
        if not partners:
            return
        active = self.sudo().search([  # sudo: the cases of every allowed company count, seen or not
            ("partner_id", "in", list(partners)), ("state", "=", "active"),
            ("company_id", "in", list({company for _partner, company in keys})),
        ])
        taken = {(case.partner_id.id, case.company_id.id): case for case in active}
        for key in keys:
            if key in taken:
                case = taken[key]
                raise UserError(_(
                    "%(customer)s is already handed over (%(case)s, since %(date)s): return that case first.",
                    customer=case.partner_id.display_name, case=case.display_name,
                    date=format_date(self.env, case.date)))

    # ------------------------------------------------------------------ hand-over and return
    def _debt_log_handover(self):
        stages = dict(self._fields["stage"]._description_selection(self.env))
        for case in self:
            body = _(
                "Handed over to %(party)s (%(stage)s) on %(date)s by %(user)s: %(reason)s",
                party=case.party_id.display_name, stage=stages[case.stage], date=format_date(self.env, case.date),
                user=self.env.user.name, reason=case.reason)
            # sudo: a collection manager may lack write access to partners, which posting requires; the author
            # stays the current user
            case.partner_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
            case.message_post(body=body, subtype_xmlid="mail.mt_note",
                              attachment_ids=case.dossier_ids.ids)

    def action_debt_return(self, note, return_date=None):
        """Take the cases back (the reminders of the customers start again), with a note saying why."""
        self._debt_check_manager()
        note = (note or "").strip()
        if not note:
            raise UserError(_("Please say why the case is returned."))
        returned = self.filtered(lambda case: case.state != "active")
        if returned:
            raise UserError(_("The case %(case)s was already returned on %(date)s.",
                              case=returned[0].display_name, date=format_date(self.env, returned[0].return_date)))
        return_date = return_date or fields.Date.context_today(self)
        if any(return_date < case.date for case in self):
            raise UserError(_("A case cannot be returned before it was handed over."))
        # sudo: engine-owned fields (write() refuses them to users); the manager right is checked above
        self.sudo().write({
            "state": "returned", "return_date": return_date, "return_note": note,
            "returned_by_id": self.env.uid,
        })
        for case in self:
            body = _("Returned from %(party)s on %(date)s by %(user)s: %(note)s",
                     party=case.party_id.display_name, date=format_date(self.env, return_date), user=self.env.user.name,
                     note=note)
            case.partner_id.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")  # sudo: as above
            case.message_post(body=body, subtype_xmlid="mail.mt_note")
        return True

    def action_open_return_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Return the Case"),
            "res_model": "debt.escalation.return",
            "view_mode": "form",
            "target": "new",
            "context": {"default_escalation_id": self.id},
        }

    def action_debt_rebuild_dossier(self):
        self._debt_check_manager()
        self._debt_build_dossier()
        return True

    # ------------------------------------------------------------------ the dossier
    def _debt_dossier_parts(self):
        """The documents of the dossier, in order: callables taking the dossier's data (``_debt_dossier_data``,
        read once for all of them) and returning ``(file name, content, mimetype)``, or None when there is no such
        document."""
        self.ensure_one()
        return [
            self._debt_dossier_pdf,
            self._debt_dossier_xlsx,
            self._debt_dossier_statement,
        ]

    def _debt_dossier_statement(self, data):
        # the customer's statement up to the hand-over (since its oldest open item at least), as the customer gets it;
        # none for a customer without any receivable entry in the company yet
        partner = self.partner_id.with_company(self.company_id)
        date_from, date_to = partner._debt_statement_default_period(self.company_id, self.date)
        if not partner._debt_statement_has_entries(date_to):
            return None
        pdf, name = partner._debt_statement_pdf(date_from, date_to)
        return name, pdf, "application/pdf"

    def _debt_dossier_file_name(self, extension):
        return "%s - %s.%s" % (_("Dossier"), self.partner_id.display_name.replace("/", "-"), extension)

    def _debt_dossier_pdf(self, data):
        # report.debt_collection.report_debt_dossier (reports/debt_dossier.py) renders the data read already
        content, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "debt_collection.action_report_debt_dossier", res_ids=self.ids, data={"dossiers": {self.id: data}})
        # kind is "html" when Odoo renders reports as HTML (tests without force_report_rendering)
        return self._debt_dossier_file_name(kind), content, "application/pdf" if kind == "pdf" else "text/html"

    def _debt_dossier_xlsx(self, data):
        return (self._debt_dossier_file_name("xlsx"), DossierXlsxWriter(self.env, data).render(),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def _debt_build_dossier(self):
        """(Re)build the documents of the cases, attached to them; the previous ones are replaced."""
        Attachment = self.env["ir.attachment"]
        Report = self.env["report.debt_collection.report_debt_dossier"]
        for case in self:
            data = Report._debt_dossier_data(case)
            files = [file for file in (part(data) for part in case._debt_dossier_parts()) if file]
            old = case.dossier_ids
            attachments = Attachment.create([{
                "name": name, "raw": content, "mimetype": mimetype,
                "res_model": case._name, "res_id": case.id,
            } for name, content, mimetype in files])
            # sudo: engine-owned fields (write() refuses them to users); create() and the button checked the right
            case.sudo().write({
                "dossier_ids": [fields.Command.set(attachments.ids)],
                "dossier_date": fields.Datetime.now(),
                "open_amount": data["total"],
            })
            old.unlink()

    # ------------------------------------------------------------------ what the engine reads
    @api.model
    def _debt_escalated_partner_ids(self, partner_ids, company):
        """``{commercial partner id: stage}`` of the customers among ``partner_ids`` handed over in ``company``,
        in one query (the reminder engine, whoever runs it)."""
        if not partner_ids:
            return {}
        self.flush_model(["partner_id", "company_id", "state", "stage"])
        rows = self.env.execute_query(SQL(
            "SELECT partner_id, stage FROM debt_escalation WHERE company_id = %s AND state = 'active' "
            "AND partner_id = ANY(%s)", company.id, list(partner_ids)))
        return dict(rows)
