"""Pay now: what a reminder or a statement offers for each open invoice, all from Odoo's own machinery: the portal
payment link of ``account_payment`` (when online payment is enabled), the bank QR code of the bank account
(``res.partner.bank.build_qr_code_url`` / ``build_qr_code_base64``: VietQR with ``l10n_vn``, EPC with
``account_qr_code_sepa``...) and the early-payment discount of the payment term."""

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, str2bool


class AccountMove(models.Model):
    _inherit = "account.move"

    def _debt_pay_now_values(self, today=None, bank=None):
        """Pay-now values of the open customer invoices of ``self``: ``{move id: dict}`` with

        - ``link`` (and ``portal_url``, short enough for SMS): the invoice's portal page with its access token,
          where the customer pays online, when the invoice can be paid online (``_has_to_be_paid``: Odoo's
          "online payment" setting on, the invoice open);
        - ``qr``: Odoo's bank QR code for the open amount with the payment reference, when the company shows QR
          codes on invoices and the invoice's bank account (else ``bank``) has a QR method that accepts it: the
          URL of Odoo's public barcode route (``build_qr_code_url``), which mail clients show (they block image
          data URIs) and wkhtmltopdf fetches as it fetches a report's other images;
        - ``discount_amount``, ``discount_date``: the early-payment discount still open (Odoo's amounts).
        """
        today = today or fields.Date.context_today(self)
        result = {}
        # the fields read below (and by Odoo's _has_to_be_paid, get_portal_url), in one query per 1,000 moves:
        # the first read of a field would fetch every column of account_move
        self.fetch(["move_type", "state", "currency_id", "amount_residual", "amount_total", "payment_state",
                    "transaction_ids", "access_token", "company_id", "partner_bank_id", "payment_reference", "name",
                    "partner_id", "invoice_payment_term_id"])
        invoices = self.filtered(lambda m: m.move_type == "out_invoice" and m.state == "posted"
                                 and not m.currency_id.is_zero(m.amount_residual))
        if not invoices:
            return result
        # Odoo's "online payment" setting (res.config.settings pay_invoices_online), read once for the batch:
        # _has_to_be_paid reads it too, for each invoice
        online = str2bool(self.env["ir.config_parameter"].sudo().get_param("account_payment.enable_portal_payment"))
        base_url = invoices[:1].get_base_url()
        payable = invoices.sudo().filtered(lambda m: m._has_to_be_paid()) if online else invoices.browse()
        payable_ids = set(payable.ids)  # `move in payable` scans the recordset: quadratic over a big batch
        missing = payable.filtered(lambda m: not m.access_token)
        if missing:
            # The portal token get_portal_url() makes (portal.mixin: a random UUID) for the whole batch in one UPDATE:
            # made invoice by invoice, each goes through account.move.write() and its checks (queries per invoice)
            self.env.execute_query(SQL(
                "UPDATE account_move SET access_token = gen_random_uuid()::text "
                "WHERE id IN %s AND access_token IS NULL", tuple(missing.ids)))
            missing.invalidate_recordset(["access_token"])
        for move in invoices:
            values = {"link": False, "portal_url": False, "qr": False, "discount_amount": 0.0,
                      "discount_date": False}
            # sudo: the payment-link data (transactions, portal token) are the invoice's own, shown to its customer
            move_sudo = move.sudo()
            if move.id in payable_ids:
                # the invoice's portal page, where Odoo offers its "Pay Now" (the payment link wizard computes its
                # links with the request's HMAC key: it cannot run in the reminder job)
                values["link"] = values["portal_url"] = base_url + move_sudo.get_portal_url()
            if move.company_id.qr_code:
                account = move.partner_bank_id or bank
                if account:
                    qr = account.sudo().build_qr_code_url(
                        move.amount_residual, move.payment_reference or move.name,
                        move.payment_reference or move.name, move.currency_id, move.partner_id)
                    if qr:
                        values["qr"] = base_url + qr
            if move.invoice_payment_term_id.early_discount and \
                    move._is_eligible_for_early_payment_discount(move.currency_id, today):
                term = move.line_ids.filtered(lambda line: line.display_type == "payment_term"
                                              and line.discount_date and line.discount_date >= today)
                if term:
                    values["discount_amount"] = sum(term.mapped("discount_amount_currency"))
                    values["discount_date"] = min(term.mapped("discount_date"))
            result[move.id] = values
        return result

    @api.model
    def _debt_qr_problem(self, bank, currency):
        """Why ``bank`` gives no QR code for ``currency`` (a translated sentence), or ``""`` when it gives one."""
        if not bank:
            return _("The company has no bank account to put in a QR code.")
        partner = self.env.company.partner_id
        try:
            qr = bank.sudo().build_qr_code_url(1.0, "TEST", "TEST", currency, partner, silent_errors=False)
        except UserError as error:  # Odoo's QR methods explain their refusal
            return _("The bank account %(account)s gives no QR code: %(reason)s",
                     account=bank.display_name, reason=error.args[0])
        if not qr:
            return _("The bank account %(account)s gives no QR code: no QR method of Odoo accepts it (VietQR comes "
                     "with the Vietnamese accounting, l10n_vn; EPC QR codes for EUR with account_qr_code_sepa).",
                     account=bank.display_name)
        return ""
