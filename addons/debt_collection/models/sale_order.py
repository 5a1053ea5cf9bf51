from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    debt_on_credit_hold = fields.Boolean(
        compute="_compute_debt_credit_hold", string="Customer On Credit Hold")
    debt_credit_hold_message = fields.Text(compute="_compute_debt_credit_hold", string="Credit Hold")
    # Collection managers only (write() and create() refuse them to others); every change is tracked.
    debt_hold_override = fields.Boolean(
        string="Credit Hold Overridden", readonly=True, copy=False, tracking=True,
        help="A collection manager allowed this order to be confirmed although its customer is on credit hold.")
    debt_hold_override_reason = fields.Char(string="Override Reason", readonly=True, copy=False, tracking=True)

    def _debt_check_override_write(self, vals):
        if self.env.su or not {"debt_hold_override", "debt_hold_override_reason"} & set(vals):
            return
        if not self.env.user.has_group("debt_collection.group_debt_collection_manager"):
            raise AccessError(self.env._("Only a collection manager can override a credit hold."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # forms and copy() send the fields unset: only a value is checked
            self._debt_check_override_write({key: value for key, value in vals.items() if value})
        return super().create(vals_list)

    def write(self, vals):
        self._debt_check_override_write(vals)
        return super().write(vals)

    @api.depends("partner_id", "company_id")
    def _compute_debt_credit_hold(self):
        # depends on the customer: the banner shows on a new quotation as soon as the customer is chosen
        for company, orders in self.grouped("company_id").items():
            # sudo: whether the customer is on hold blocks the confirmation of every order, whoever sells it;
            # why it is on hold (the figures, the manager's reason) is shown only to whoever may see the
            # customer's collection data (README, "Who sees what").
            partners = orders.partner_id.commercial_partner_id.with_company(company)
            visible = partners._debt_visible_commercial_ids()
            # One query for all the customers of these orders (figures are computed per recordset).
            partners.sudo().mapped("on_credit_hold")
            for order in orders:
                partner = order.partner_id.commercial_partner_id.with_company(company).sudo()
                order.debt_on_credit_hold = partner.on_credit_hold
                order.debt_credit_hold_message = order._debt_hold_message(partner, visible)

    def _debt_hold_message(self, partner, visible):
        """Why ``partner`` (sudo, in the order's company) is on hold, as the current user may read it."""
        if not partner.on_credit_hold or visible is None or partner.id in visible:
            return partner.credit_hold_message
        return self.env._(
            "%s is on credit hold. Ask its salesperson, its collector or a collection manager why.",
            partner.display_name)

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error or self.debt_hold_override:
            return error
        # sudo: the hold applies to every order of the customer, whoever sells it (see above)
        partner = self.partner_id.commercial_partner_id.with_company(self.company_id)
        visible = partner._debt_visible_commercial_ids()
        partner = partner.sudo()
        if partner.on_credit_hold:
            return _(
                "%(message)s\nThe order %(order)s cannot be confirmed. Ask a collection manager to release "
                "the hold or to override it for this order.",
                message=self._debt_hold_message(partner, visible),
                order=self.name,
            )
        return False

    def action_debt_override_hold(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Override Credit Hold"),
            "res_model": "debt.credit.hold.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_sale_order_id": self.id,
                "default_action": "override",
            },
        }

    def _debt_override_hold(self, reason):
        self.ensure_one()
        if not self.env.user.has_group("debt_collection.group_debt_collection_manager"):
            raise UserError(_("Only a collection manager can override a credit hold."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(_("Please give a reason for overriding the credit hold."))
        if self.state not in ("draft", "sent"):
            raise UserError(_("Only a quotation can be allowed past a credit hold."))
        self.sudo().write({  # sudo: read-only fields; the manager right is checked above
            "debt_hold_override": True,
            "debt_hold_override_reason": reason,
        })
        body = _("Credit hold overridden for this order by %(user)s: %(reason)s",
                 user=self.env.user.name, reason=reason)
        # sudo: posting needs write access on the documents; the manager right is checked above and
        # the author stays the current user.
        self.sudo().message_post(body=body, subtype_xmlid="mail.mt_note")
        self.partner_id.commercial_partner_id.sudo().message_post(
            body=_("Credit hold overridden for %(order)s by %(user)s: %(reason)s",
                   order=self.name, user=self.env.user.name, reason=reason),
            subtype_xmlid="mail.mt_note")
