from odoo import _, api, fields, models
from odoo.tools import html2plaintext
from odoo.tools.misc import format_amount, format_date, format_datetime

from ..models.common import customer_today, open_items_domain
from ..models.debt_reminder import GONE_STATES


class ReportDebtDossier(models.AbstractModel):
    """The dossier of an escalated customer (QWeb ``debt_collection.report_debt_dossier`` and the XLSX of
    ``reports/dossier_xlsx.py``): the customer, its open items, calls, promises to pay, the reminders sent and
    the collection notes, in the escalation's company. Each list is read in one search."""

    _name = "report.debt_collection.report_debt_dossier"
    _description = "Escalation Dossier"

    @api.model
    def _get_report_values(self, docids, data=None):
        cases = self.env["debt.escalation"].browse(docids)
        cases.check_access("read")
        given = (data or {}).get("dossiers") or {}
        dossiers = {case.id: given.get(case.id) or self._debt_dossier_data(case) for case in cases}
        return {
            "doc_ids": cases.ids,
            "doc_model": "debt.escalation",
            "docs": cases,
            "dossiers": {case_id: self._debt_formatted(dossier) for case_id, dossier in dossiers.items()},
        }

    @api.model
    def _debt_dossier_data(self, case):
        """What the dossier of ``case`` holds, raw values (dates, numbers), in the language of the reader."""
        case.ensure_one()
        partner, company = case.partner_id, case.company_id
        env = self.env(context=dict(self.env.context, allowed_company_ids=[company.id]))
        today = customer_today(partner, company)
        commercial = [("partner_id", "child_of", partner.id), ("company_id", "=", company.id)]
        lines = env["account.move.line"].search_fetch(
            open_items_domain() + commercial,
            ["move_name", "invoice_date", "date", "date_maturity", "currency_id", "amount_residual_currency",
             "amount_residual", "ref"],
            order="date_maturity, id")
        company_currency = company.currency_id
        items = []
        for line in lines:
            due = line.date_maturity or line.date
            items.append({
                "name": line.move_name, "ref": line.ref or "", "invoice_date": line.invoice_date or line.date,
                "due_date": due, "days": max((today - due).days, 0),
                "currency": line.currency_id.name, "currency_record": line.currency_id,
                "amount_currency": line.amount_residual_currency if line.currency_id != company_currency else None,
                "residual": line.amount_residual,
            })
        total = company_currency.round(sum(item["residual"] for item in items))
        overdue = company_currency.round(sum(item["residual"] for item in items if item["due_date"] < today))

        def label(model, field, value):
            return dict(env[model]._fields[field]._description_selection(env)).get(value, value or "")

        own = [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
        calls = [{
            "date": call.date, "user": call.user_id.name or "", "channel": label("debt.call", "channel", call.channel),
            "outcome": label("debt.call", "outcome", call.outcome),
            "note": html2plaintext(call.note or "").strip(), "next_step": call.next_step or "",
        } for call in env["debt.call"].search(own, order="date desc, id desc")]
        promises = [{
            "date": promise.date, "promised_date": promise.promised_date, "amount": promise.amount,
            "currency": promise.currency_id.name, "currency_record": promise.currency_id,
            "state": label("debt.promise", "state", promise.state), "note": promise.note or "",
        } for promise in env["debt.promise"].search(own, order="date desc, id desc")]
        reminders = [{
            "date": reminder.sent_time, "rule": reminder.rule_id.name or "",
            "channel": label("debt.reminder.rule", "channel", reminder.rule_id.channel),
            "amount": reminder.amount_due, "state": label("debt.reminder", "state", reminder.state),
        } for reminder in env["debt.reminder"].search(own + [("state", "in", GONE_STATES)], order="sent_time desc")]
        notes = [{
            "date": note.date, "author": note.author_id.name or "",
            "category": label("debt.note", "category", note.category), "note": note.note or "",
        } for note in env["debt.note"].search(own, order="date desc, id desc")]
        # the raw field is for collection managers, who alone build dossiers
        stored_notes = partner.collection_notes if env.user.has_group(
            "debt_collection.group_debt_collection_manager") or env.su else False
        return {
            "case": case, "partner": partner, "company": company, "currency": company_currency, "today": today,
            "customer": {
                "name": partner.display_name, "address": partner._display_address(without_company=True),
                "vat": partner.vat or "", "ref": partner.ref or "", "phone": partner.phone or partner.mobile or "",
                "email": partner.email or "", "salesperson": partner.user_id.name or "",
                "collector": partner.with_company(company).collector_id.name or "",
            },
            "stage": label("debt.escalation", "stage", case.stage),
            "items": items, "total": total, "overdue": overdue,
            "calls": calls, "promises": promises, "reminders": reminders, "notes": notes,
            "collection_notes": stored_notes or "",
        }

    @api.model
    def _debt_formatted(self, data):
        """The dossier's values as the PDF shows them: dates and amounts formatted in the reader's language."""
        env = self.env  # the reader's language: the dossier goes to the agency or the lawyer
        currency = data["currency"]
        # Odoo's formatters once per distinct value (a dossier of 5,000 items repeats its dates and amounts)
        money_cache, day_cache = {}, {}

        def money(value, value_currency=None):
            if value is None:
                return ""
            cur = value_currency or currency
            key = (value, cur.id)
            if key not in money_cache:
                money_cache[key] = format_amount(env, value, cur)
            return money_cache[key]

        def day(value):
            if value not in day_cache:
                day_cache[value] = format_date(env, value) if value else ""
            return day_cache[value]

        return {
            **data,
            "title": _("Collection dossier: %(customer)s", customer=data["customer"]["name"]),
            "printed": format_datetime(env, fields.Datetime.now()),
            "case_date": day(data["case"].date),
            "total_text": money(data["total"]), "overdue_text": money(data["overdue"]),
            "items": [{**item, "invoice_date": day(item["invoice_date"]), "due_date": day(item["due_date"]),
                       "amount_currency": money(item["amount_currency"], item["currency_record"]),
                       "residual": money(item["residual"])} for item in data["items"]],
            "calls": [{**call, "date": format_datetime(env, call["date"])} for call in data["calls"]],
            "promises": [{
                **promise, "date": day(promise["date"]), "promised_date": day(promise["promised_date"]),
                "amount": money(promise["amount"], promise["currency_record"]),
            } for promise in data["promises"]],
            "reminders": [{**reminder, "date": format_datetime(env, reminder["date"]) if reminder["date"] else "",
                           "amount": money(reminder["amount"])} for reminder in data["reminders"]],
            "notes": [{**note, "date": day(note["date"])} for note in data["notes"]],
        }
