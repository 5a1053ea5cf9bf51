"""Customer statement: the figures of the statement (opening balance, movements with running balance, closing
balance and its aging) for many customers at once, the pay-now data of their open invoices (Odoo's portal payment
link and bank QR code), and the PDF that other features attach (``_debt_statement_pdf``)."""

from collections import defaultdict

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools import aging
from .debt_aging_profile import translated_labels

STATEMENT_REPORT = "debt_collection.action_report_debt_statement"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- checks ----------------------------------------------------------------------------------------------------

    @api.model
    def _debt_statement_check_period(self, date_from, date_to):
        """The period as dates; a missing or reversed period is refused with a clear message."""
        if not date_from or not date_to:
            raise UserError(_("Give the statement period: both a start date and an end date."))
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        if date_from > date_to:
            raise UserError(_(
                "The statement period is reversed: it starts on %(start)s, after its end on %(end)s.",
                start=fields.Date.to_string(date_from), end=fields.Date.to_string(date_to)))
        return date_from, date_to

    def _debt_statement_check_access(self):
        """Statements show a customer's figures: its salesperson, its collector or a collection manager only
        (as the figures on the customer form). The reminder engine (superuser) attaches them for any customer."""
        if self.env.su:
            return
        for partner in self.commercial_partner_id:
            if not partner._debt_can_manage_collection():
                raise AccessError(_(
                    "Only the salesperson or the collector of %s, or a collection manager, can print its statement.",
                    partner.display_name))

    # --- figures ---------------------------------------------------------------------------------------------------

    @api.model
    def _debt_statement_receivable_ids(self):
        self.env.cr.execute(SQL("SELECT id FROM account_account WHERE account_type = 'asset_receivable'"))
        return tuple(row[0] for row in self.env.cr.fetchall()) or (None,)

    def _debt_statement_default_period(self, company=None, today=None):
        """This month, or since the oldest open item of the customers when it is older: ``(date_from, date_to)``."""
        company = company or self.env.company
        today = today or fields.Date.context_today(self)
        start = today.replace(day=1)
        commercial_ids = tuple(self.commercial_partner_id.ids) or (None,)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            SELECT MIN(aml.date) FROM account_move_line aml JOIN res_partner p ON p.id = aml.partner_id
             WHERE p.commercial_partner_id IN %s AND aml.company_id = %s AND aml.account_id IN %s
               AND aml.parent_state = 'posted' AND aml.reconciled IS NOT TRUE AND aml.amount_residual != 0
            """, commercial_ids, company.id, self._debt_statement_receivable_ids()))
        oldest = self.env.cr.fetchone()[0]
        return min(start, oldest) if oldest else start, today

    def _debt_statement_has_entries(self, date_to, company=None):
        """Whether the customer has a posted receivable journal item up to ``date_to`` (else it has no statement)."""
        self.ensure_one()
        company = company or self.env.company
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            SELECT 1 FROM account_move_line aml JOIN res_partner p ON p.id = aml.partner_id
             WHERE p.commercial_partner_id = %s AND aml.company_id = %s AND aml.account_id IN %s
               AND aml.parent_state = 'posted' AND aml.date <= %s LIMIT 1
            """, self.commercial_partner_id.id, company.id, self._debt_statement_receivable_ids(), date_to))
        return bool(self.env.cr.fetchone())

    def _debt_statement_data(self, date_from, date_to, company=None):
        """The statements of the commercial partners of ``self`` for ``company`` (default: the current one), in
        three queries whatever the number of customers: the opening balances, the movements of the period and the
        items open on ``date_to`` (rebuilt from the reconciliations dated after it, as the aging report does); and
        the late-payment charges proposed and not invoiced yet (``_debt_statement_draft_charges``, one search).

        Amounts are in company currency (``balance``); a movement in another currency carries its own amount and
        currency beside. A customer without any receivable journal item up to ``date_to`` is refused.

        :returns: ``{commercial partner id: dict}``, see the keys below
        """
        date_from, date_to = self._debt_statement_check_period(date_from, date_to)
        company = company or self.env.company
        partners = self.commercial_partner_id
        self.env.flush_all()  # the figures are read in SQL
        if not partners:
            raise UserError(_("Choose at least one customer to print a statement for."))
        args = {"partners": tuple(partners.ids), "company": company.id, "date_from": date_from, "date_to": date_to,
                "accounts": self._debt_statement_receivable_ids()}
        base = SQL(
            """account_move_line aml JOIN res_partner p ON p.id = aml.partner_id
                WHERE p.commercial_partner_id IN %(partners)s AND aml.company_id = %(company)s
                  AND aml.account_id IN %(accounts)s AND aml.parent_state = 'posted'""", **args)
        cr = self.env.cr
        cr.execute(SQL(
            """SELECT p.commercial_partner_id, SUM(aml.balance) FILTER (WHERE aml.date < %(date_from)s), COUNT(*)
                 FROM %(base)s AND aml.date <= %(date_to)s GROUP BY p.commercial_partner_id""", base=base, **args))
        opening = {pid: (amount or 0.0, count) for pid, amount, count in cr.fetchall()}
        empty = partners.filtered(lambda p: p.id not in opening)
        if empty:
            raise UserError(_(
                "No statement for %(customers)s: no receivable journal item up to %(date)s.",
                customers=", ".join(empty.mapped("display_name")), date=fields.Date.to_string(date_to)))
        cr.execute(SQL(
            """SELECT p.commercial_partner_id, aml.id, aml.date, aml.move_id, aml.move_name, m.move_type,
                      m.ref, m.payment_reference, m.origin_payment_id IS NOT NULL OR m.statement_line_id IS NOT NULL,
                      aml.date_maturity, aml.balance, aml.amount_currency, aml.currency_id
                 FROM account_move_line aml
                 JOIN res_partner p ON p.id = aml.partner_id
                 JOIN account_move m ON m.id = aml.move_id
                WHERE p.commercial_partner_id IN %(partners)s AND aml.company_id = %(company)s
                  AND aml.account_id IN %(accounts)s AND aml.parent_state = 'posted'
                  AND aml.date BETWEEN %(date_from)s AND %(date_to)s
                ORDER BY p.commercial_partner_id, aml.date, aml.move_name, aml.id""", **args))
        movements = defaultdict(list)
        for (pid, line_id, line_date, move_id, move_name, move_type, ref, payment_ref, is_payment, due, balance,
             amount_currency, currency_id) in cr.fetchall():
            if move_type == "out_invoice":
                kind = "invoice"
            elif move_type == "out_refund":
                kind = "refund"
            elif is_payment:
                kind = "payment"
            else:
                kind = "entry"
            movements[pid].append({
                "line_id": line_id, "date": line_date, "move_id": move_id, "name": move_name or "", "kind": kind,
                "ref": ref or (payment_ref if payment_ref != move_name else "") or "",
                "due_date": due if kind == "invoice" else False, "balance": balance,
                "amount_currency": amount_currency, "currency_id": currency_id,
            })
        # the items open on date_to: open now, plus what was reconciled with them after date_to
        cr.execute(SQL(
            """WITH late AS (
                    SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                      FROM (SELECT debit_move_id AS line_id, amount, debit_amount_currency AS amount_currency
                              FROM account_partial_reconcile WHERE max_date > %(date_to)s
                         UNION ALL
                            SELECT credit_move_id, -amount, -credit_amount_currency
                              FROM account_partial_reconcile WHERE max_date > %(date_to)s) partials
                  GROUP BY line_id)
               SELECT p.commercial_partner_id, aml.id, aml.move_id, aml.move_name,
                      COALESCE(aml.date_maturity, aml.date),
                      aml.amount_residual + COALESCE(late.amount, 0),
                      aml.amount_residual_currency + COALESCE(late.amount_currency, 0), aml.currency_id
                 FROM account_move_line aml
                 JOIN res_partner p ON p.id = aml.partner_id
            LEFT JOIN late ON late.line_id = aml.id
                WHERE p.commercial_partner_id IN %(partners)s AND aml.company_id = %(company)s
                  AND aml.account_id IN %(accounts)s AND aml.parent_state = 'posted' AND aml.date <= %(date_to)s
                  AND (aml.amount_residual != 0 OR late.line_id IS NOT NULL)
                  AND aml.amount_residual + COALESCE(late.amount, 0) != 0
                ORDER BY p.commercial_partner_id, 5, aml.move_name, aml.id""", **args))
        open_items = defaultdict(list)
        for pid, line_id, move_id, move_name, due, residual, residual_currency, currency_id in cr.fetchall():
            open_items[pid].append({
                "line_id": line_id, "move_id": move_id, "name": move_name or "", "due_date": due,
                "days_overdue": (date_to - due).days, "amount": residual, "amount_currency": residual_currency,
                "currency_id": currency_id,
            })
        draft_charges = partners._debt_statement_draft_charges(company, date_to)
        profile = self.env["debt.aging.profile"]._default_profile(company)
        bounds = profile.get_bounds() if profile else [30, 60, 90]
        currency = company.currency_id
        result = {}
        for partner in partners:
            balance = opening_balance = currency.round(opening[partner.id][0])
            lines = movements[partner.id]
            for line in lines:
                balance = currency.round(balance + line["balance"])
                line["running_balance"] = balance
                line["debit"] = line["balance"] if line["balance"] > 0 else 0.0
                line["credit"] = -line["balance"] if line["balance"] < 0 else 0.0
                line["foreign"] = line["currency_id"] != currency.id
            columns = [0.0] * (len(bounds) + 2)
            for item in open_items[partner.id]:
                columns[aging.bucket_index(item["days_overdue"], bounds)] += item["amount"]
                item["foreign"] = item["currency_id"] != currency.id
            result[partner.id] = {
                "partner": partner, "company": company, "currency": currency,
                "date_from": date_from, "date_to": date_to,
                "opening_balance": opening_balance, "lines": lines, "closing_balance": balance,
                "open_items": open_items[partner.id],
                "aging_labels": translated_labels(self.with_context(lang=partner.lang or self.env.lang).env, bounds),
                "aging_amounts": [currency.round(amount) for amount in columns],
                "total_debit": sum(line["debit"] for line in lines),
                "total_credit": sum(line["credit"] for line in lines),
                "draft_charges": draft_charges[partner.id],
            }
        return result

    def _debt_statement_draft_charges(self, company, date_to):
        """The late-payment charges proposed to the commercial partners of ``self`` and not invoiced yet: the draft
        invoices of ``debt.late.charge`` (models/debt_late_charge.py) dated up to ``date_to``, in one search.
        A posted charge invoice is a movement of the statement like any invoice; a cancelled or deleted one charges
        nothing (its days are charged again later).

        :returns: ``{commercial partner id: [{"move_id", "date", "kinds", "amount", "currency_id"}]}``, by date
        """
        # sudo: the charges are the engine's records, readable by collection managers only; the statement shows
        # them to whoever may see the customer's figures (checked by the callers)
        charges = self.env["debt.late.charge"].sudo().search([
            ("partner_id", "in", self.ids), ("company_id", "=", company.id), ("invoice_id.state", "=", "draft"),
            ("invoice_id.invoice_date", "<=", date_to)])
        kinds = defaultdict(set)
        for charge in charges:
            kinds[charge.invoice_id].add(charge.kind)
        result = defaultdict(list)
        for invoice in charges.invoice_id.sorted(lambda move: (move.invoice_date, move.id)):
            result[invoice.partner_id.commercial_partner_id.id].append({
                "move_id": invoice.id, "date": invoice.invoice_date, "kinds": sorted(kinds[invoice]),
                "amount": invoice.amount_total, "currency_id": invoice.currency_id.id,
            })
        return result

    # --- the PDF ---------------------------------------------------------------------------------------------------

    @api.model
    def _debt_statement_file_name(self, partner, date_to):
        return "%s - %s.pdf" % (_("Statement"), "%s %s" % (partner.name or "", fields.Date.to_string(date_to)))

    def _debt_statement_pdf(self, date_from, date_to):
        """The statement of this customer for the period, as Odoo renders the report (in the customer's language,
        with the company header): ``(pdf bytes, file name)``. For other features (balance confirmation, dossier).
        Refuses a reversed period, a customer without receivable and a user who may not see the customer's
        figures."""
        self.ensure_one()
        partner = self.commercial_partner_id
        partner._debt_statement_check_access()
        date_from, date_to = self._debt_statement_check_period(date_from, date_to)
        partner._debt_statement_data(date_from, date_to)  # the checks, before the rendering
        data = {"date_from": fields.Date.to_string(date_from), "date_to": fields.Date.to_string(date_to)}
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(STATEMENT_REPORT, partner.ids, data=data)
        return pdf, self._debt_statement_file_name(partner, date_to)

    def action_debt_statement(self):
        """The statement wizard for these customers (customer form, worklist)."""
        return {
            "type": "ir.actions.act_window",
            "name": _("Customer Statement"),
            "res_model": "debt.statement.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"active_model": "res.partner", "active_ids": self.ids},
        }

