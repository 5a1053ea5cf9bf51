from odoo import api, fields, models
from odoo.tools import format_amount, format_date, str2bool


class ReportDebtStatement(models.AbstractModel):
    """Values of the customer statement (QWeb ``debt_collection.report_debt_statement``): the figures of
    ``res.partner._debt_statement_data`` for all the customers at once, the amounts and dates formatted in each
    customer's language (once per distinct value: a statement repeats its dates and amounts), and the pay-now
    values of the open invoices."""

    _name = "report.debt_collection.report_debt_statement"
    _description = "Customer Statement (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        data = data or {}
        partners = self.env["res.partner"].browse(docids).commercial_partner_id
        partners._debt_statement_check_access()
        company = self.env.company
        if data.get("date_from") and data.get("date_to"):
            date_from, date_to = data["date_from"], data["date_to"]
        else:  # printed from the Print menu: the default period
            date_from, date_to = partners._debt_statement_default_period(company)
        statements = partners._debt_statement_data(date_from, date_to, company)
        bank = company._debt_payment_bank_account()
        move_ids = {item["move_id"] for st in statements.values() for item in st["open_items"]}
        pay_now = {}
        if move_ids:
            # sudo: the invoices of a customer whose figures the user may see (checked above); salespeople's
            # record rules on invoices would hide those another user issued
            pay_now = self.env["account.move"].sudo().browse(move_ids)._debt_pay_now_values(bank=bank)
        currencies = {currency.id: currency for currency in self.env["res.currency"].browse(
            {line["currency_id"] for st in statements.values()
             for line in st["lines"] + st["open_items"] + st["draft_charges"]})}
        caches = {}  # per language: the texts of the dates and amounts already formatted, for all the statements
        for statement in statements.values():
            self._format_statement(statement, currencies, pay_now, caches)
        online = str2bool(self.env["ir.config_parameter"].sudo().get_param("account_payment.enable_portal_payment"))
        return {
            "doc_ids": partners.ids,
            "doc_model": "res.partner",
            "docs": partners,
            "statements": statements,
            "company": company,
            "bank": bank,
            "online_payment": online,
        }

    @api.model
    def _format_statement(self, statement, currencies, pay_now, caches):
        """Add the formatted texts (``*_text``) in the customer's language (Odoo's formatters, once per distinct
        value and language)."""
        lang = statement["partner"].lang or self.env.lang
        env = self.with_context(lang=lang).env
        currency = statement["currency"]
        amounts, dates = caches.setdefault(lang, ({}, {}))

        def money(value, curr=currency):
            key = (value, curr.id)
            if key not in amounts:
                amounts[key] = format_amount(env, value, curr)
            return amounts[key]

        def day(value):
            if value not in dates:
                dates[value] = format_date(env, value) if value else ""
            return dates[value]

        for key in ("opening_balance", "closing_balance", "total_debit", "total_credit"):
            statement[key + "_text"] = money(statement[key])
        statement["date_from_text"], statement["date_to_text"] = day(statement["date_from"]), day(statement["date_to"])
        for line in statement["lines"]:
            line["date_text"] = day(line["date"])
            line["due_text"] = day(line["due_date"])
            line["debit_text"] = money(line["debit"]) if line["debit"] else ""
            line["credit_text"] = money(line["credit"]) if line["credit"] else ""
            line["balance_text"] = money(line["running_balance"])
            line["original_text"] = money(line["amount_currency"], currencies[line["currency_id"]]) \
                if line["foreign"] else ""
        for item in statement["open_items"]:
            item["due_text"] = day(item["due_date"])
            item["amount_text"] = money(item["amount"])
            item["original_text"] = money(item["amount_currency"], currencies[item["currency_id"]]) \
                if item["foreign"] else ""
            values = pay_now.get(item["move_id"]) or {}
            item["pay_link"] = values.get("link") or False
            item["qr"] = values.get("qr") or False
            item["discount_text"] = ""
            if values.get("discount_amount"):
                item["discount_text"] = env._(
                    "Early payment discount: pay %(amount)s by %(date)s.",
                    amount=money(values["discount_amount"], currencies[item["currency_id"]]),
                    date=day(values["discount_date"]))
        if statement["draft_charges"]:
            kind_labels = dict(env["debt.late.charge"]._fields["kind"]._description_selection(env))
        for charge in statement["draft_charges"]:
            charge["date_text"] = day(charge["date"])
            charge["kinds_text"] = ", ".join(kind_labels[kind] for kind in charge["kinds"])
            charge["amount_text"] = money(charge["amount"], currencies[charge["currency_id"]])
        statement["aging"] = [
            {"label": label, "amount_text": money(amount)}
            for label, amount in zip(statement["aging_labels"], statement["aging_amounts"], strict=True)]
        statement["has_pay_now"] = any(item["pay_link"] or item["qr"] or item["discount_text"]
                                       for item in statement["open_items"])
        statement["printed_on"] = day(fields.Date.context_today(self))
