from odoo import _, api, models
from odoo.tools.misc import format_date, formatLang

from ..tools import xlsx_layout as layout


class ReportDebtAging(models.AbstractModel):
    """Values of the aging report's PDF (QWeb ``debt_collection.report_debt_aging``): the summary,
    grouped, with subtotals and totals, read from the report's lines in one query."""

    _name = "report.debt_collection.report_debt_aging"
    _description = "Aging Report (PDF)"

    @api.model
    def _get_report_values(self, docids, data=None):
        reports = self.env["debt.aging.report"].browse(docids)
        reports.check_access("read")  # the report's values are read in SQL: the record rules first
        return {
            "doc_ids": reports.ids,
            "doc_model": "debt.aging.report",
            "docs": reports,
            "summaries": {report.id: self._summary(report) for report in reports},
        }

    @api.model
    def _summary(self, report):
        """Everything the template shows of one report, with the amounts already formatted."""
        report._ensure_lines()
        env = self.env
        labels = report.bucket_ids.sorted("bucket_index").mapped("name")
        companies = env["res.company"].browse(report._allowed_company_ids())
        multi_company = len(companies) > 1
        single_currency = len(companies.currency_id) <= 1
        company_of = {company.id: company for company in companies}
        grouped = bool(report._group_column())
        group_header = report._group_header()
        no_group = report._no_group_label()

        def amount(value, currency):
            return "" if value is None else formatLang(env, value, digits=currency.decimal_places)

        def amounts(values, currency):
            return [amount(value, currency) for value in values]

        def source():
            for data in report._summary_rows():
                yield data["company_id"], data["group_id"], data["cells"] + [data["total"]], data

        rows = []
        previous_company = previous_group = None
        group_names = {}
        events = layout.rows_with_subtotals(
            source(), len(labels) + 1, grouped=grouped, by_company=multi_company, grand_total=single_currency)
        for kind, company_id, group_id, payload in events:
            currency = company_of[company_id].currency_id if company_id else companies.currency_id[:1]
            if kind == "row":
                data = payload
                if multi_company and company_id != previous_company:
                    rows.append({"kind": "company", "label": _(
                        "%(company)s (amounts in %(currency)s)", company=data["company_name"], currency=currency.name)})
                    previous_group = None
                if grouped and (company_id, group_id) != (previous_company, previous_group):
                    group_names[company_id, group_id] = data["group_name"] or no_group
                    rows.append({"kind": "group", "label": _(
                        "%(group)s: %(name)s", group=group_header, name=group_names[company_id, group_id])})
                previous_company, previous_group = company_id, group_id
                limit = data["credit_limit"]
                rows.append({
                    "kind": "customer",
                    "label": data["partner_name"],
                    "cells": amounts(data["cells"], currency),
                    "total": amount(data["total"], currency),
                    "credit_limit": amount(limit, currency) if limit else "",
                    "credit_used": formatLang(env, data["credit_used_percent"], digits=1) + "%" if limit else "",
                })
                continue
            if kind == "subtotal":
                label = _("Subtotal %(group)s", group=group_names.get((company_id, group_id), no_group))
            elif kind == "company_total":
                label = _("Total %(company)s", company=company_of[company_id].name)
            else:
                label = _("Grand Total")
            rows.append({
                "kind": kind,
                "label": label,
                "cells": amounts(payload[:-1], currency),
                "total": amount(payload[-1], currency),
                "credit_limit": "",
                "credit_used": "",
            })
        currency_note = "" if multi_company and not single_currency else _(
            "Amounts in %(currency)s", currency=companies.currency_id[:1].name)
        return {
            "title": _("Aging as of %(date)s", date=format_date(env, report.date_at)),
            "parameters": report._export_parameters(),
            "labels": labels,
            "column_count": len(labels) + 4,
            "currency_note": currency_note,
            "rows": rows,
        }
