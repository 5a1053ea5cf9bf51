import base64

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import aging
from .debt_aging_profile import checked_bounds, translated_labels
from .sql_common import credit_limit_sql

BASIS = [
    ("due_date", "Due date"),
    ("invoice_date", "Invoice date"),
    ("credit_days", "Invoice date + customer's credit days"),
]


class DebtAgingReport(models.TransientModel):
    """The aging report: its parameters, and the results it computes in SQL."""

    _name = "debt.aging.report"
    _description = "Aging Report"

    date_at = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    basis = fields.Selection(BASIS, string="Age From", required=True, default="due_date")
    interval_mode = fields.Selection(
        [("profile", "Saved profile"), ("width", "Width and count"), ("list", "Typed list")],
        string="Intervals", required=True, default="profile")
    profile_id = fields.Many2one(
        "debt.aging.profile",
        default=lambda self: self.env["debt.aging.profile"]._default_profile())
    interval_width = fields.Integer(string="Every (days)", default=30)
    interval_count = fields.Integer(string="Number of Intervals", default=4)
    interval_list = fields.Char(string="Bounds", help="Upper bounds in days, e.g. 15,30,60,90")
    save_as_name = fields.Char(string="Save as Profile")
    column_preview = fields.Char(compute="_compute_column_preview", string="Columns Preview")
    groupby = fields.Selection(
        [("salesperson", "Salesperson"), ("collector", "Collector"), ("none", "No grouping")],
        string="Group By", required=True, default="salesperson")
    salesperson_ids = fields.Many2many(
        "res.users", "debt_aging_report_salesperson_rel", "report_id", "user_id", string="Salespeople")
    collector_ids = fields.Many2many(
        "res.users", "debt_aging_report_collector_rel", "report_id", "user_id", string="Collectors")
    partner_ids = fields.Many2many("res.partner", string="Customers")
    category_ids = fields.Many2many("res.partner.category", string="Customer Tags")
    company_ids = fields.Many2many(
        "res.company", string="Companies", required=True, default=lambda self: self.env.companies,
        domain=lambda self: [("id", "in", self.env.companies.ids)])
    overdue_only = fields.Boolean(string="Overdue Customers Only")
    min_amount = fields.Float(string="Minimum Amount", help="Only customers who owe at least this much in total.")
    due_from = fields.Date()
    due_to = fields.Date()
    bounds_used = fields.Char(readonly=True)
    line_ids = fields.One2many("debt.aging.report.line", "report_id", string="Lines")
    bucket_ids = fields.One2many("debt.aging.report.bucket", "report_id", string="Report Columns")
    xlsx_file = fields.Binary(string="Excel File", readonly=True, attachment=False)
    xlsx_filename = fields.Char(readonly=True)

    @api.depends("interval_mode", "profile_id", "interval_width", "interval_count", "interval_list")
    def _compute_column_preview(self):
        for report in self:
            try:
                report.column_preview = " | ".join(translated_labels(self.env, report._get_bounds()))
            except (UserError, ValueError) as error:
                report.column_preview = str(error.args[0] if error.args else error)

    # Parameters
    def _get_bounds(self):
        self.ensure_one()
        if self.interval_mode == "width":
            return checked_bounds(self.env, aging.bounds_from_width, self.interval_width, self.interval_count)
        if self.interval_mode == "list":
            return checked_bounds(self.env, aging.parse_bounds, self.interval_list)
        if not self.profile_id:
            raise UserError(_("Choose an aging profile, or type the intervals."))
        return self.profile_id.get_bounds()

    def _is_manager(self):
        return self.env.user.has_group("debt_collection.group_debt_collection_manager")

    def _allowed_company_ids(self):
        """The companies of the report: those chosen, among the companies the user works in now
        (the company switcher's, which the record rules of the report's lines also use)."""
        allowed = self.env.companies
        companies = self.company_ids & allowed if self.company_ids else allowed
        if not companies:
            raise UserError(_("Choose at least one of the companies you are working in."))
        return companies.ids

    def _age_date_sql(self):
        if self.basis == "invoice_date":
            return SQL("COALESCE(am.invoice_date, aml.date)")
        if self.basis == "credit_days":
            return SQL("(COALESCE(am.invoice_date, aml.date) + COALESCE(cp.credit_days, 0))")
        return SQL("COALESCE(aml.date_maturity, aml.date)")

    def _partner_filter_sql(self):
        """Conditions on the commercial partner ``cp``: the wizard's filters and the user's rights."""
        conditions = []
        if not self._is_manager():
            # Collection users see their own customers only, as the record rules say.
            conditions.append(SQL("(cp.user_id = %(uid)s OR COALESCE(cp.collector_id, cp.user_id) = %(uid)s)",
                                  uid=self.env.uid))
        if self.salesperson_ids:
            conditions.append(SQL("cp.user_id IN %s", tuple(self.salesperson_ids.ids)))
        if self.collector_ids:
            conditions.append(SQL("COALESCE(cp.collector_id, cp.user_id) IN %s", tuple(self.collector_ids.ids)))
        if self.partner_ids:
            conditions.append(SQL("cp.id IN %s", tuple(self.partner_ids.commercial_partner_id.ids)))
        if self.category_ids:
            conditions.append(SQL(
                "EXISTS (SELECT 1 FROM res_partner_res_partner_category_rel rel"
                " WHERE rel.partner_id = cp.id AND rel.category_id IN %s)", tuple(self.category_ids.ids)))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _items_cte_sql(self, extra_filter=None):
        """CTEs ``late`` and ``items``: every receivable item open as of ``date_at``, in one pass.

        An item's open amount on ``date_at`` is its residual today plus what was reconciled with it
        by partial reconciliations dated after ``date_at`` (``account_partial_reconcile.max_date``).
        Amounts are in company currency; the item's own currency and open amount come alongside.
        """
        return SQL(
            """
            late AS (
                SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                  FROM (
                        SELECT debit_move_id AS line_id, amount, debit_amount_currency AS amount_currency
                          FROM account_partial_reconcile WHERE max_date > %(date_at)s
                     UNION ALL
                        SELECT credit_move_id, -amount, -credit_amount_currency
                          FROM account_partial_reconcile WHERE max_date > %(date_at)s
                  ) partials
              GROUP BY line_id
            ), items AS (
                SELECT aml.id AS move_line_id, aml.move_id, aml.company_id, cp.id AS partner_id,
                       COALESCE(am.invoice_date, aml.date) AS invoice_date,
                       COALESCE(aml.date_maturity, aml.date) AS due_date,
                       %(date_at)s::date - %(age_date)s AS days_overdue,
                       aml.currency_id,
                       aml.amount_residual + COALESCE(late.amount, 0) AS amount,
                       aml.amount_residual_currency + COALESCE(late.amount_currency, 0) AS amount_currency
                  FROM account_move_line aml
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN res_partner p ON p.id = aml.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
             LEFT JOIN late ON late.line_id = aml.id
                 WHERE aml.parent_state = 'posted'
                   AND acc.account_type = 'asset_receivable'
                   AND aml.date <= %(date_at)s
                   AND (aml.reconciled IS NOT TRUE OR late.line_id IS NOT NULL)
                   AND aml.company_id IN %(companies)s
                   AND %(partner_filter)s
                   AND %(extra_filter)s
            )
            """,
            date_at=self.date_at,
            age_date=self._age_date_sql(),
            companies=tuple(self._allowed_company_ids()),
            partner_filter=self._partner_filter_sql(),
            extra_filter=extra_filter or SQL("TRUE"),
        )

    def _customer_filter_sql(self, totals_alias="t"):
        conditions = []
        alias = SQL.identifier(totals_alias)
        if self.min_amount:
            conditions.append(SQL("%s.total >= %s", alias, self.min_amount))
        if self.overdue_only:
            conditions.append(SQL("%s.overdue > 0", alias))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    # Compute
    def _compute_lines(self):
        """(Re)build the report's columns and lines: one ``INSERT ... SELECT`` for all the lines."""
        self.ensure_one()
        bounds = self._get_bounds()
        self.flush_recordset()
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM debt_aging_report_line WHERE report_id = %s", self.id))
        self.env.cr.execute(SQL("DELETE FROM debt_aging_report_bucket WHERE report_id = %s", self.id))
        self.invalidate_recordset(["line_ids", "bucket_ids"])
        labels = translated_labels(self.env, bounds)
        self.env["debt.aging.report.bucket"].create([
            {"report_id": self.id, "bucket_index": index, "name": label} for index, label in enumerate(labels)
        ])
        self.bounds_used = aging.format_bounds(bounds)
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            WITH %(items)s,
            cells AS (
                SELECT partner_id, company_id, width_bucket(days_overdue, %(thresholds)s::int[]) AS bucket_index,
                       SUM(amount) AS amount, COUNT(*) AS item_count
                  FROM items
                 WHERE amount != 0
              GROUP BY partner_id, company_id, 3
            ), totals AS (
                SELECT partner_id, company_id, SUM(amount) AS total,
                       COALESCE(SUM(amount) FILTER (WHERE bucket_index > 0), 0) AS overdue
                  FROM cells
              GROUP BY partner_id, company_id
            )
            INSERT INTO debt_aging_report_line (
                report_id, partner_id, company_id, currency_id, salesperson_id, collector_id,
                bucket_id, bucket_index, bucket_label, amount, item_count, customer_total,
                credit_limit, credit_used_percent, create_uid, write_uid, create_date, write_date)
            SELECT %(report)s, c.partner_id, c.company_id, comp.currency_id, cp.user_id,
                   COALESCE(cp.collector_id, cp.user_id), b.id, c.bucket_index, b.name, c.amount, c.item_count,
                   t.total, lim.credit_limit,
                   CASE WHEN lim.credit_limit > 0 THEN ROUND(t.total * 100 / lim.credit_limit, 2) ELSE 0 END,
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM cells c
              JOIN totals t ON t.partner_id = c.partner_id AND t.company_id = c.company_id
              JOIN res_partner cp ON cp.id = c.partner_id
              JOIN res_company comp ON comp.id = c.company_id
              JOIN debt_aging_report_bucket b ON b.report_id = %(report)s AND b.bucket_index = c.bucket_index
              CROSS JOIN LATERAL (SELECT %(credit_limit)s AS credit_limit) lim
             WHERE %(customer_filter)s
            """,
            items=self._items_cte_sql(),
            thresholds=aging.sql_thresholds(bounds),
            report=self.id,
            uid=self.env.uid,
            credit_limit=credit_limit_sql(self.env, "cp", "comp"),
            customer_filter=self._customer_filter_sql(),
        ))
        return self.env.cr.rowcount

    def _fetch_items(self, partner_ids=None, company_ids=None, bucket_index=None):
        """The open items behind the report (or one cell of it), as dicts, oldest due date first."""
        self.ensure_one()
        bounds = aging.parse_bounds(self.bounds_used) if self.bounds_used else self._get_bounds()
        extra = []
        if partner_ids:
            extra.append(SQL("cp.id IN %s", tuple(partner_ids)))
        if company_ids:
            extra.append(SQL("aml.company_id IN %s", tuple(company_ids)))
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """
            WITH %(items)s,
            totals AS (
                SELECT partner_id, company_id, SUM(amount) AS total,
                       COALESCE(SUM(amount) FILTER (WHERE days_overdue > 0), 0) AS overdue
                  FROM items WHERE amount != 0
              GROUP BY partner_id, company_id
            )
            SELECT i.*, width_bucket(i.days_overdue, %(thresholds)s::int[]) AS bucket_index
              FROM items i
              JOIN totals t ON t.partner_id = i.partner_id AND t.company_id = i.company_id
             WHERE i.amount != 0
               AND %(customer_filter)s
               AND %(bucket_filter)s
          ORDER BY i.partner_id, i.due_date, i.move_line_id
            """,
            items=self._items_cte_sql(SQL(" AND ").join(extra) if extra else None),
            thresholds=aging.sql_thresholds(bounds),
            customer_filter=self._customer_filter_sql(),
            bucket_filter=SQL("width_bucket(i.days_overdue, %s::int[]) = %s", aging.sql_thresholds(bounds),
                              bucket_index) if bucket_index is not None else SQL("TRUE"),
        ))
        return self.env.cr.dictfetchall()

    # Actions
    def _pivot_rows(self):
        return {
            "salesperson": ["salesperson_id", "partner_id"],
            "collector": ["collector_id", "partner_id"],
            "none": ["partner_id"],
        }[self.groupby]

    def action_view_report(self):
        self.ensure_one()
        self._compute_lines()
        return {
            "type": "ir.actions.act_window",
            "name": _("Aging as of %s", fields.Date.to_string(self.date_at)),
            "res_model": "debt.aging.report.line",
            "view_mode": "pivot,list,graph",
            "views": [(False, "pivot"), (False, "list"), (False, "graph")],
            "domain": [("report_id", "=", self.id)],
            "context": {
                "pivot_row_groupby": self._pivot_rows(),
                "pivot_column_groupby": ["bucket_id"],
                "pivot_measures": ["amount"],
                "graph_groupbys": ["bucket_id"],
                "group_by_no_leaf": 1,
            },
        }

    def action_save_profile(self):
        self.ensure_one()
        name = (self.save_as_name or "").strip()
        if not name:
            raise UserError(_("Give the new aging profile a name."))
        bounds = self._get_bounds()
        profile = self.env["debt.aging.profile"].create({
            "name": name, "bounds": aging.format_bounds(bounds), "company_id": self.env.company.id})
        self.write({"interval_mode": "profile", "profile_id": profile.id, "save_as_name": False})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_due_list(self):
        """Open items falling due in [due_from, due_to]: each installment on its own line."""
        self.ensure_one()
        if not self.due_from or not self.due_to:
            raise UserError(_("Give the first and the last due date of the window."))
        if self.due_from > self.due_to:
            raise UserError(_("The window starts after it ends."))
        domain = [
            ("company_id", "in", self._allowed_company_ids()),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
            ("date_maturity", ">=", self.due_from),
            ("date_maturity", "<=", self.due_to),
        ]
        if not self._is_manager():
            domain += ["|", ("partner_id.commercial_partner_id.user_id", "=", self.env.uid),
                       ("partner_id.commercial_partner_id.collector_id", "=", self.env.uid)]
        if self.salesperson_ids:
            domain.append(("partner_id.commercial_partner_id.user_id", "in", self.salesperson_ids.ids))
        if self.collector_ids:
            domain.append(("partner_id.commercial_partner_id.collector_id", "in", self.collector_ids.ids))
        if self.partner_ids:
            domain.append(("partner_id", "child_of", self.partner_ids.commercial_partner_id.ids))
        if self.category_ids:
            domain.append(("partner_id.commercial_partner_id.category_id", "in", self.category_ids.ids))
        return {
            "type": "ir.actions.act_window",
            "name": _("Due from %(start)s to %(end)s", start=self.due_from, end=self.due_to),
            "res_model": "account.move.line",
            "view_mode": "list",
            "views": [(self.env.ref("debt_collection.view_move_line_debt_open_items_list").id, "list")],
            "search_view_id": [self.env.ref("debt_collection.view_move_line_debt_open_items_search").id, "search"],
            "domain": domain,
            "context": {"create": False, "edit": False},
        }

    def action_export_xlsx(self):
        self.ensure_one()
        self._compute_lines()
        content = self._render_xlsx()
        self.write({
            "xlsx_file": base64.b64encode(content),
            "xlsx_filename": _("aging_%s.xlsx", fields.Date.to_string(self.date_at)),
        })
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/?model={self._name}&id={self.id}&field=xlsx_file"
                   f"&filename_field=xlsx_filename&download=true",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        self._compute_lines()
        return self.env.ref("debt_collection.action_report_debt_aging").report_action(self)

    def _render_xlsx(self):
        """The report as an XLSX file's bytes (summary and detail sheets)."""
        from ..reports.aging_xlsx import render_aging_xlsx

        return render_aging_xlsx(self)


class DebtAgingReportBucket(models.TransientModel):
    """A column of an aging report, so that the pivot orders columns by age, not by label."""

    _name = "debt.aging.report.bucket"
    _description = "Aging Report Column"
    _order = "bucket_index"

    report_id = fields.Many2one("debt.aging.report", required=True, ondelete="cascade", index=True)
    bucket_index = fields.Integer(required=True)
    name = fields.Char(required=True)


class DebtAgingReportLine(models.TransientModel):
    """One customer's amount in one column of an aging report (written in SQL by the report)."""

    _name = "debt.aging.report.line"
    _description = "Aging Report Line"
    _order = "partner_id, bucket_index"
    _rec_name = "partner_id"

    report_id = fields.Many2one("debt.aging.report", required=True, ondelete="cascade", index=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    bucket_id = fields.Many2one("debt.aging.report.bucket", string="Column", readonly=True)
    bucket_index = fields.Integer(string="Column Number", readonly=True, aggregator=False)
    bucket_label = fields.Char(string="Column Label", readonly=True)
    amount = fields.Monetary(readonly=True)
    item_count = fields.Integer(string="Items", readonly=True)
    customer_total = fields.Monetary(readonly=True, aggregator="max")
    credit_limit = fields.Monetary(readonly=True, aggregator="max")
    credit_used_percent = fields.Float(string="Credit Used (%)", readonly=True, aggregator="max")

    def action_open_items(self):
        """Drill down: the open items behind these lines; each opens its invoice."""
        items = self.env["debt.aging.report.item"]
        values = []
        for line in self:
            for row in line.report_id._fetch_items(
                    partner_ids=line.partner_id.ids, company_ids=line.company_id.ids, bucket_index=line.bucket_index):
                values.append(items._values_from_row(line.report_id, row, line))
        records = items.create(values)
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Items"),
            "res_model": "debt.aging.report.item",
            "view_mode": "list",
            "domain": [("id", "in", records.ids)],
            "context": {"create": False},
        }


class DebtAgingReportItem(models.TransientModel):
    """An open receivable item behind a cell of the aging report, with its open amount as of the date."""

    _name = "debt.aging.report.item"
    _description = "Aging Report Item"
    _order = "due_date, id"

    report_id = fields.Many2one("debt.aging.report", required=True, ondelete="cascade", index=True)
    line_id = fields.Many2one("debt.aging.report.line", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    move_line_id = fields.Many2one("account.move.line", string="Journal Item", readonly=True)
    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    invoice_date = fields.Date(readonly=True)
    due_date = fields.Date(readonly=True)
    days_overdue = fields.Integer(readonly=True, aggregator=False)
    bucket_label = fields.Char(string="Column", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    amount_currency = fields.Monetary(string="Open (Currency)", currency_field="currency_id", readonly=True)
    company_currency_id = fields.Many2one("res.currency", readonly=True)
    amount = fields.Monetary(string="Open Amount", currency_field="company_currency_id", readonly=True)

    @api.model
    def _values_from_row(self, report, row, line=None):
        return {
            "report_id": report.id,
            "line_id": line.id if line else False,
            "partner_id": row["partner_id"],
            "move_line_id": row["move_line_id"],
            "move_id": row["move_id"],
            "invoice_date": row["invoice_date"],
            "due_date": row["due_date"],
            "days_overdue": row["days_overdue"],
            "bucket_label": line.bucket_label if line else False,
            "currency_id": row["currency_id"],
            "amount_currency": row["amount_currency"],
            "company_currency_id": line.currency_id.id if line else False,
            "amount": row["amount"],
        }

    def action_open_move(self):
        self.ensure_one()
        return self.move_id.get_formview_action()
