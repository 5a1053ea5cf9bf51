"""Late-payment charges: interest on overdue items, or a fee per reminder sent, proposed as draft invoices.

Off by default, per company (``res.company.debt_charge_*``), per customer (exempt, or its own annual rate).

* Interest: actual/365 on each open item's residual in company currency (today's residual: a partial payment
  lowers the base of the days not charged yet), for each day overdue after the grace days, up to the charge
  date: ``residual x rate / 100 x days / 365``, rounded to the company currency. Each item remembers the date it
  was charged up to (the ``date_to`` of its charges), so that a day is never charged twice; a charge whose draft
  is deleted or cancelled frees its days again.
* Fee: the fixed fee of the reminder rule (``debt.reminder.rule.charge_fee``) for each reminder that went out,
  once.

One draft customer invoice per customer, one line per item or reminder charged, for a manager to check and post:
nothing here ever posts it.
"""

from collections import defaultdict

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_round, format_amount, format_date

from .common import job_commits, open_items_domain
from .debt_reminder import GONE_STATES

MANAGER_GROUP = "debt_collection.group_debt_collection_manager"
CHARGE_KINDS = [("interest", "Interest"), ("fee", "Reminder fee")]
DAYS_IN_YEAR = 365
CRON_BATCH_SIZE = 100


class DebtLateCharge(models.Model):
    """One item (or one reminder) charged on a draft late-charge invoice: what was charged, from when to when."""

    _name = "debt.late.charge"
    _description = "Late-Payment Charge"
    _order = "date_to desc, id desc"

    partner_id = fields.Many2one("res.partner", string="Customer", required=True, index=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    kind = fields.Selection(CHARGE_KINDS, required=True, readonly=True)
    move_line_id = fields.Many2one(
        "account.move.line", string="Item Charged", index=True, readonly=True, ondelete="cascade")
    reminder_id = fields.Many2one("debt.reminder", string="Reminder Charged", index=True, readonly=True,
                                  ondelete="cascade")
    date_from = fields.Date(string="From", readonly=True, help="Interest: the last day not charged (excluded).")
    date_to = fields.Date(string="Charged Up To", required=True, readonly=True)
    days = fields.Integer(readonly=True)
    base_amount = fields.Monetary(string="Base", readonly=True, currency_field="currency_id")
    rate = fields.Float(string="Annual Rate (%)", readonly=True, digits=(16, 4))
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
    invoice_line_id = fields.Many2one(
        "account.move.line", required=True, readonly=True, index=True, ondelete="cascade")
    invoice_id = fields.Many2one(related="invoice_line_id.move_id", store=True, index=True)
    invoice_state = fields.Selection(related="invoice_id.state", string="Invoice Status")

    # ------------------------------------------------------------------ proposal
    @api.model
    def _debt_check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(_("Only a collection manager can propose late-payment charges."))

    @api.model
    def _debt_check_company(self, company):
        """The company's charge settings, checked before anything is written."""
        if not company.debt_charge_enabled:
            raise UserError(_("Late-payment charges are not enabled for %s (Collections settings).", company.name))
        product = company.debt_charge_product_id or self.env.ref(
            "debt_collection.product_debt_late_charge", raise_if_not_found=False)
        if not product or not product.active:
            raise UserError(_("Choose the product of the late-payment charge lines in the Collections settings of "
                              "%s.", company.name))
        journal = self.env["account.journal"].search([
            *self.env["account.journal"]._check_company_domain(company), ("type", "=", "sale")], limit=1)
        if not journal:
            raise UserError(_("%s has no sales journal for the late-payment charge invoices.", company.name))
        product = product.with_company(company)
        account = product._get_product_accounts()["income"] or journal.default_account_id
        if not account:
            raise UserError(_(
                "The product %(product)s has no income account, nor has the journal %(journal)s a default account: "
                "the late-payment charges cannot be invoiced.", product=product.display_name, journal=journal.name))
        if company.debt_charge_method == "interest" and company.debt_charge_rate <= 0:
            raise UserError(_("Set the annual interest rate of late payments of %s.", company.name))
        return product, journal

    @api.model
    def _debt_charged_until(self, line_ids):
        """``{item id: the last day charged}``, the charges of cancelled invoices not counted."""
        groups = self._read_group(
            [("move_line_id", "in", list(line_ids)), ("kind", "=", "interest"), ("invoice_state", "!=", "cancel")],
            ["move_line_id"], ["date_to:max"])
        return {line.id: date_to for line, date_to in groups}

    @api.model
    def _debt_compute(self, partners, company, charge_date):
        """The charges due at ``charge_date`` for ``partners`` (commercial partners) in ``company``:
        ``{partner: [charge values]}``, each with the text of its invoice line. Reads everything in a few
        queries, whatever the number of customers and items."""
        company_currency = company.currency_id
        partners = partners.with_company(company)
        rates = {}
        for partner in partners:
            if partner.debt_charge_exempt:
                continue
            rates[partner.id] = partner.debt_charge_rate or company.debt_charge_rate
        result = defaultdict(list)
        if not rates:
            return result
        if company.debt_charge_method == "interest":
            charge_moves = self.search([("company_id", "=", company.id)]).invoice_id
            grace = company.debt_charge_grace_days
            lines = self.env["account.move.line"].search_fetch([
                *open_items_domain(), ("company_id", "=", company.id), ("amount_residual", ">", 0),
                ("partner_id.commercial_partner_id", "in", list(rates)), ("move_id", "not in", charge_moves.ids),
            ], ["move_name", "date", "date_maturity", "amount_residual", "partner_id"], order="date_maturity, id")
            charged = self._debt_charged_until(lines.ids)
            for line in lines:
                partner = line.partner_id.commercial_partner_id
                rate = rates[partner.id]
                start = fields.Date.add(line.date_maturity or line.date, days=grace)
                date_from = max(start, charged.get(line.id) or start)
                days = (charge_date - date_from).days
                if days <= 0:
                    continue
                base = line.amount_residual
                amount = company_currency.round(base * rate / 100.0 * days / DAYS_IN_YEAR)
                if company_currency.is_zero(amount):
                    continue  # nothing to charge yet: the days stay uncharged
                result[partner].append({
                    "kind": "interest", "move_line_id": line.id, "date_from": date_from, "date_to": charge_date,
                    "days": days, "base_amount": base, "rate": rate, "amount": amount,
                    "name": _(
                        "Late-payment interest on %(item)s: %(base)s x %(rate)s%% x %(days)s days / %(year)s "
                        "(%(start)s to %(end)s)",
                        item=line.move_name, base=format_amount(self.env, base, company_currency),
                        rate=float_round(rate, precision_digits=4), days=days, year=DAYS_IN_YEAR,
                        start=format_date(self.env, fields.Date.add(date_from, days=1)),
                        end=format_date(self.env, charge_date)),
                })
        else:
            reminders = self.env["debt.reminder"].search([
                ("company_id", "=", company.id), ("partner_id", "in", list(rates)), ("state", "in", GONE_STATES),
                ("rule_id.charge_fee", ">", 0), ("send_date", "<=", charge_date),
            ], order="sent_time, id")
            done = self.search([("reminder_id", "in", reminders.ids), ("invoice_state", "!=", "cancel")]).reminder_id
            for reminder in reminders - done:
                fee = company_currency.round(reminder.rule_id.charge_fee)
                result[reminder.partner_id].append({
                    "kind": "fee", "reminder_id": reminder.id, "date_to": reminder.send_date, "days": 0,
                    "base_amount": 0.0, "rate": 0.0, "amount": fee,
                    "name": _("Reminder fee: %(rule)s of %(date)s", rule=reminder.rule_id.name,
                              date=format_date(self.env, reminder.send_date)),
                })
        return result

    @api.model
    def _debt_propose(self, partners, company, charge_date):
        """Create the draft invoices of the charges due at ``charge_date`` (one per customer with charges);
        returns them. Never posts them."""
        self._debt_check_manager()
        product, journal = self._debt_check_company(company)
        if charge_date > fields.Date.context_today(self):
            raise UserError(_("Late-payment charges cannot be computed for a date in the future."))
        charges = self._debt_compute(partners.commercial_partner_id, company, charge_date)
        if not charges:
            return self.env["account.move"]
        Move = self.env["account.move"].with_company(company)
        invoices = Move.create([{
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "company_id": company.id,
            "journal_id": journal.id,
            "currency_id": company.currency_id.id,
            "invoice_date": charge_date,
            "ref": _("Late-payment charges up to %s", format_date(self.env, charge_date)),
            "invoice_line_ids": [Command.create({
                "product_id": product.id, "name": values["name"], "quantity": 1.0, "price_unit": values["amount"],
            }) for values in values_list],
        } for partner, values_list in charges.items()])
        records = []
        for invoice, (partner, values_list) in zip(invoices, charges.items(), strict=True):
            lines = invoice.invoice_line_ids.sorted("sequence")
            for line, values in zip(lines, values_list, strict=True):
                records.append({
                    **{key: value for key, value in values.items() if key != "name"},
                    "partner_id": partner.id, "company_id": company.id, "invoice_line_id": line.id,
                })
        # sudo: the charges are the engine's memory of what was charged (read-only to managers)
        self.sudo().create(records)
        for invoice in invoices:
            invoice.message_post(body=_("Late-payment charges proposed by %s: check and post, or delete.",
                                        self.env.user.name), subtype_xmlid="mail.mt_note")
        return invoices

    @api.model
    def _cron_propose_late_charges(self):
        """Monthly: draft the late-payment charges of every customer of the companies that charge them."""
        auto_commit = job_commits(self.env)
        companies = self.env["res.company"].search([("debt_charge_enabled", "=", True)])
        done = 0
        for company in companies:
            engine = self.with_company(company)
            today = fields.Date.context_today(engine.with_context(tz=company._debt_timezone()))
            groups = self.env["account.move.line"]._read_group([
                *open_items_domain(), ("company_id", "=", company.id), ("amount_residual", ">", 0),
                ("date_maturity", "<", today)], ["partner_id"])
            partners = self.env["res.partner"].browse(
                {partner.commercial_partner_id.id for (partner,) in groups if partner})
            try:
                engine._debt_check_company(company)
            except UserError as error:
                # a company set up halfway: nothing is drafted for it, the others go on
                self.env["ir.logging"].sudo().create({  # sudo: a technical log line written by the job
                    "name": "debt_collection.late_charges", "type": "server", "dbname": self.env.cr.dbname,
                    "level": "WARNING", "message": str(error), "path": "debt_collection",
                    "func": "_cron_propose_late_charges", "line": "0"})
                continue
            for start in range(0, len(partners), CRON_BATCH_SIZE):
                batch = partners[start:start + CRON_BATCH_SIZE]
                engine._debt_propose(batch, company, today)
                done += len(batch)
                self.env["ir.cron"]._notify_progress(
                    done=done, remaining=max(len(partners) - start - len(batch), 0))
                if auto_commit:  # a run killed halfway keeps the drafts made; the next run charges the rest
                    self.env.cr.commit()
