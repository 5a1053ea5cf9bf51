from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError


class DebtNote(models.Model):
    """A dated entry in a customer's collection history: why it paid late, a dispute, an agreement."""

    _name = "debt.note"
    _description = "Collection Note"
    _order = "date desc, id desc"
    _rec_name = "category"

    partner_id = fields.Many2one(
        "res.partner", string="Customer", required=True, index=True, ondelete="cascade",
        domain=["|", ("is_company", "=", True), ("parent_id", "=", False)])
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company)
    # Set by the server when the note is written (create() ignores other values from users), never changed
    author_id = fields.Many2one(
        "res.users", required=True, default=lambda self: self.env.user, readonly=True)
    date = fields.Date(required=True, default=fields.Date.context_today, readonly=True)
    category = fields.Selection(
        [
            ("late_payment", "Late-payment reason"),
            ("dispute", "Dispute"),
            ("agreement", "Agreement"),
            ("other", "Other"),
        ],
        required=True, default="other")
    note = fields.Text(required=True)
    salesperson_id = fields.Many2one(related="partner_id.user_id", string="Salesperson")
    collector_id = fields.Many2one(related="partner_id.collector_id", string="Collector")

    @api.model_create_multi
    def create(self, vals_list):
        # Notes always belong to the commercial entity, so that a contact's notes roll up.
        partners = self.env["res.partner"].browse([vals["partner_id"] for vals in vals_list if vals.get("partner_id")])
        commercial = {partner.id: partner.commercial_partner_id.id for partner in partners}
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = commercial[vals["partner_id"]]
            if not self.env.su:
                # who wrote the note and when: the server says, not the caller
                vals["author_id"] = self.env.uid
                vals["date"] = fields.Date.context_today(self)
        notes = super().create(vals_list)
        if not self.env.su:
            # the record rules let collection users create notes on their own customers only; say so plainly
            # rather than with the generic message of the rules
            refused = notes.partner_id.filtered(lambda p: not p._debt_can_manage_collection())
            if refused:
                raise AccessError(self.env._(
                    "Only the salesperson or the collector of %s, or a collection manager, can add a collection "
                    "note to it.", refused[0].display_name))
        return notes

    def write(self, vals):
        if not self.env.su:
            if "partner_id" in vals and any(note.partner_id.id != vals["partner_id"] for note in self):
                raise UserError(self.env._("A collection note cannot be moved to another customer."))
            if {"author_id", "date", "company_id"} & set(vals):
                raise UserError(self.env._(
                    "The author, the date and the company of a collection note are set when it is written and "
                    "cannot be changed."))
        return super().write(vals)

    @api.constrains("note")
    def _check_note(self):
        for record in self:
            if not (record.note or "").strip():
                raise ValidationError(_("A collection note cannot be empty."))

    @api.constrains("partner_id", "company_id")
    def _check_partner_company(self):
        for record in self:
            if record.partner_id.company_id and record.partner_id.company_id != record.company_id:
                raise ValidationError(_(
                    "The customer %(customer)s belongs to the company %(company)s, not to %(other)s.",
                    customer=record.partner_id.display_name,
                    company=record.partner_id.company_id.name,
                    other=record.company_id.name,
                ))
