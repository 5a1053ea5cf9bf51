import base64
import io
import zipfile

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.res_partner_statement import STATEMENT_REPORT


class DebtStatementWizard(models.TransientModel):
    """Print customer statements for a period: one PDF for one customer, a ZIP of one PDF per customer for
    several (from the worklist)."""

    _name = "debt.statement.wizard"
    _description = "Print Customer Statements"

    partner_ids = fields.Many2many("res.partner", string="Statement For", required=True)
    date_from = fields.Date(string="From", required=True)
    date_to = fields.Date(string="To", required=True)
    qr_warning = fields.Char(compute="_compute_qr_warning", string="QR Code")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        partners = self._source_partners()
        if partners:
            # the source records are checked here, not only when printing: the wizard shows nothing else
            partners._debt_statement_check_access()
            values["partner_ids"] = [fields.Command.set(partners.ids)]
            date_from, date_to = partners._debt_statement_default_period()
            values.setdefault("date_from", date_from)
            values.setdefault("date_to", date_to)
        return values

    @api.model
    def _source_partners(self):
        """The customers of the records the wizard was opened from (customers or worklist rows)."""
        model, ids = self.env.context.get("active_model"), self.env.context.get("active_ids") or []
        if model == "res.partner":
            return self.env["res.partner"].browse(ids).commercial_partner_id
        if model == "debt.worklist":
            return self.env["debt.worklist"].browse(ids).partner_id.commercial_partner_id
        return self.env["res.partner"]

    @api.depends("partner_ids")
    def _compute_qr_warning(self):
        company = self.env.company
        warning = ""
        if company.qr_code:  # Odoo's setting "QR codes on invoices": the statements show them too
            warning = self.env["account.move"]._debt_qr_problem(company._debt_payment_bank_account(),
                                                                  company.currency_id)
        for wizard in self:
            wizard.qr_warning = warning

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard.partner_ids._debt_statement_check_access()
        return wizards

    def action_print(self):
        self.ensure_one()
        partners = self.partner_ids.commercial_partner_id
        if not partners:
            raise UserError(_("Choose at least one customer to print a statement for."))
        partners._debt_statement_check_access()
        # every check (period, receivables) for all the customers before anything is rendered
        partners._debt_statement_data(self.date_from, self.date_to)
        data = {"date_from": fields.Date.to_string(self.date_from), "date_to": fields.Date.to_string(self.date_to)}
        if len(partners) == 1:
            return self.env.ref(STATEMENT_REPORT).report_action(partners, data=data)
        # one PDF per customer, in a ZIP (as Odoo's invoices download several documents)
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            names = set()
            for partner in partners:
                pdf, name = partner._debt_statement_pdf(self.date_from, self.date_to)
                if name in names:  # two customers of the same name
                    name = name.replace(".pdf", " (%s).pdf" % partner.id)
                names.add(name)
                archive.writestr(name, pdf)
        attachment = self.env["ir.attachment"].create({
            "name": _("Statements %s.zip", fields.Date.to_string(self.date_to)),
            "datas": base64.b64encode(buffer.getvalue()),
            "mimetype": "application/zip",
            "res_model": self._name,
            "res_id": self.id,
        })
        return {
            "type": "ir.actions.act_url",
            "url": "/web/content/%s?download=true" % attachment.id,
            "target": "download",
        }
