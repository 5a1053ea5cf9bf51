import base64
import itertools
import json

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_date, formatLang

from ..models.common import customer_today
from ..models.debt_aging_profile import checked_bounds, translated_labels
from ..models.input_limits import check_integer_limits
from ..models.sql_common import (
    collector_sql,
    credit_figures_sql,
    credit_used_percent_sql,
    default_credit_limits_json,
    local_date_sql,
    open_items_sql,
    used_credit_limit_sql,
)
from ..tools import aging

# What a user may type in the wizard (checked before the record is saved: PostgreSQL's integers stop at
# 2,147,483,647); the columns themselves are checked by tools/aging.py when the report computes.
INTERVAL_LIMITS = {
    "interval_width": (-aging.MAX_BOUND_DAYS, aging.MAX_BOUND_DAYS),
    "interval_count": (-aging.MAX_COLUMNS, aging.MAX_COLUMNS),
}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Engine-owned fields of a report: written by the report's own actions (View, Excel, PDF) under sudo(),
# refused to users' create() and write(). The lines, columns and items are read-only to users (access
# rights; the lines' write() refuses users, see DebtAgingReportLine.write): a user cannot add lines to
# anyone's report, theirs included.
REPORT_ENGINE_FIELDS = ("bounds_used", "line_ids", "bucket_ids", "xlsx_file", "xlsx_filename")

_cursor_numbers = itertools.count(1)  # unique names of the PostgreSQL cursors of _stream()

BASIS = [
    ("due_date", "Due date"),
    ("invoice_date", "Invoice date"),
    ("credit_days", "Invoice date + customer's credit days"),
]


class DebtAgingReport(models.TransientModel):
    """The aging report: its parameters, and the results it computes in SQL."""

    _name = "debt.aging.report"
    _description = "Aging Report"

    @api.model_create_multi
    def create(self, vals_list):
        self._debt_check_user_values(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        self._debt_check_user_values([vals])
        return super().write(vals)

    def _debt_check_user_values(self, vals_list):
        """Bounded numbers (a clear message instead of PostgreSQL's "integer out of range") and no
        engine-owned field (sudo, the report's own actions, passes)."""
        check_integer_limits(self, vals_list, INTERVAL_LIMITS)
        for vals in vals_list:
            if isinstance(vals.get("interval_list"), str):
                checked_bounds(self.env, aging.check_text_length, vals["interval_list"])
        if self.env.su:
            return
        given = sorted({fname for vals in vals_list for fname in REPORT_ENGINE_FIELDS if vals.get(fname)})
        if given:
            raise AccessError(self.env._(
                "%(fields)s of an aging report are written by the report itself (View, Excel, PDF), not by hand.",
                fields=", ".join(self._fields[fname]._description_string(self.env) for fname in given)))

    def unlink(self):
        # the lines have no foreign key to their report (see Many2oneNoForeignKey): delete them first
        if self.ids:
            self.env.cr.execute(SQL("DELETE FROM debt_aging_report_line WHERE report_id IN %s", tuple(self.ids)))
        return super().unlink()

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
    xlsx_detail = fields.Boolean(
        string="Open Items Sheet", default=True,
        help="Add a sheet with one row per open item to the Excel file. On a very large ledger it makes "
        "the file much longer to build than the summary alone.")
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
            return SQL("COALESCE(aml.invoice_date, aml.date)")
        if self.basis == "credit_days":
            return SQL("(COALESCE(aml.invoice_date, aml.date) + COALESCE(cp.credit_days, 0))")
        return SQL("COALESCE(aml.date_maturity, aml.date)")

    def _age_reference_sql(self):
        """The day the items age to (``days overdue = that day - due date``, Odoo's convention).

        A report of a past (or future) date ages every item to that date. A report of today ages each
        item to its customer's today (the date in the customer's time zone, else the company's), the
        same "today" as the customer's form and the worklist: the same invoice shows the same number of
        days overdue on every screen, also when the customer's day is not the user's.
        """
        if self.date_at != fields.Date.context_today(self):
            return SQL("%s::date", self.date_at)
        now = fields.Datetime.now()
        no_customer = self.env["res.partner"]
        # sudo: the time zone of the company's working calendar, as the worklist reads it; a customer without
        # a time zone of its own (contacts.today NULL) has its company's today (common.customer_today)
        company_today = {
            str(company.id): fields.Date.to_string(customer_today(no_customer, company, now))
            for company in self.env["res.company"].sudo().browse(self._allowed_company_ids())
        }
        return SQL(
            "COALESCE(cp.today, (%s::jsonb ->> aml.company_id::text)::date)", json.dumps(company_today))

    def _partner_filter_sql(self):
        """Conditions on the commercial partner ``cp``: the wizard's filters and the user's rights."""
        conditions = []
        if not self._is_manager():
            # Collection users see their own customers only, as the record rules say.
            # (the collector is per company: this keeps the customers collected by the user in any company;
            # _owner_filter_sql keeps their items of those companies only)
            conditions.append(SQL(
                "(cp.user_id = %(uid)s OR EXISTS (SELECT 1 FROM jsonb_each_text(cp.debt_collector_id) col"
                " WHERE col.value::int = %(uid)s))", uid=self.env.uid))
        if self.salesperson_ids:
            conditions.append(SQL("cp.user_id IN %s", tuple(self.salesperson_ids.ids)))
        if self.collector_ids:
            # any company here; _owner_filter_sql keeps the items of the companies where they collect
            conditions.append(SQL(
                "(cp.user_id IN %(users)s OR EXISTS (SELECT 1 FROM jsonb_each_text(cp.debt_collector_id) col"
                " WHERE col.value::int IN %(users)s))", users=tuple(self.collector_ids.ids)))
        if self.partner_ids:
            conditions.append(SQL("cp.id IN %s", tuple(self.partner_ids.commercial_partner_id.ids)))
        if self.category_ids:
            conditions.append(SQL(
                "EXISTS (SELECT 1 FROM res_partner_res_partner_category_rel rel"
                " WHERE rel.partner_id = cp.id AND rel.category_id IN %s)", tuple(self.category_ids.ids)))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _receivable_account_ids(self):
        """The receivable accounts, as a tuple of ids: given to PostgreSQL as values rather than as a join,
        so that it estimates from its statistics how many items they hold (with a join it guesses a few
        thousand out of a million, and plans nested loops over them)."""
        self.env.cr.execute(SQL("SELECT id FROM account_account WHERE account_type = 'asset_receivable'"))
        return tuple(row[0] for row in self.env.cr.fetchall()) or (None,)

    def _items_cte_sql(self, extra_filter=None):
        """CTEs ``late`` (when needed), ``contacts`` and ``items``: every receivable item open as of ``date_at``,
        in one pass.

        An item's open amount on ``date_at`` is its residual today plus what was reconciled with it
        by partial reconciliations dated after ``date_at`` (``account_partial_reconcile.max_date``).
        Amounts are in company currency; the item's own currency and open amount come alongside.

        Performance (bench/aging.py, a million items): the items open today are read from the partial
        index of open items (account_move_line.init()) and those reconciled since ``date_at`` by id,
        rather than one pass over every posted line; the invoice date is the line's own (stored)
        copy of it, not a join to account_move; each contact's commercial partner is looked up once
        (``contacts``), not twice per item; the receivable accounts are given as ids.
        """
        columns = SQL(
            "aml.id, aml.move_id, aml.move_name, aml.company_id, aml.partner_id, aml.account_id, aml.parent_state, "
            "aml.date, aml.date_maturity, aml.invoice_date, aml.currency_id, aml.amount_residual, "
            "aml.amount_residual_currency")
        # the accounts are given as ids in the items' condition below (see _receivable_account_ids)
        open_now = open_items_sql("aml", None)
        if self._has_partials_after():
            late = SQL(
                """late AS (
                    SELECT line_id, SUM(amount) AS amount, SUM(amount_currency) AS amount_currency
                      FROM (
                            SELECT debit_move_id AS line_id, amount, debit_amount_currency AS amount_currency
                              FROM account_partial_reconcile WHERE max_date > %(date_at)s
                         UNION ALL
                            SELECT credit_move_id, -amount, -credit_amount_currency
                              FROM account_partial_reconcile WHERE max_date > %(date_at)s
                      ) partials
                  GROUP BY line_id
                ),""", date_at=self.date_at)
            # the lines closed since date_at are looked up by id as an array (= ANY(ARRAY(...))), not with IN (...):
            # PostgreSQL then reads the ids in order through the primary key, where a join would fetch them at
            # random (bench/aging.py as of 30 days ago, 275,000 lines reconciled since: 0.4 s instead of 1.3 s)
            lines = SQL(
                """(
                        SELECT %(columns)s FROM account_move_line aml WHERE %(open_now)s
                     UNION ALL
                        SELECT %(columns)s FROM account_move_line aml
                         WHERE aml.id = ANY(ARRAY(SELECT line_id FROM late)) AND NOT (%(open_now)s)
                  ) aml
             LEFT JOIN late ON late.line_id = aml.id""", columns=columns, open_now=open_now)
            amount = SQL("aml.amount_residual + COALESCE(late.amount, 0)")
            amount_currency = SQL("aml.amount_residual_currency + COALESCE(late.amount_currency, 0)")
        else:
            # nothing reconciled after date_at (a report of today): the items are the lines open now, as they are
            late = SQL()
            lines = SQL("(SELECT %s FROM account_move_line aml WHERE %s) aml", columns, open_now)
            amount, amount_currency = SQL("aml.amount_residual"), SQL("aml.amount_residual_currency")
        return SQL(
            """
            %(late)s contacts AS (
                SELECT p.id AS contact_id, cp.id, cp.credit_days, cp.user_id, cp.debt_collector_id,
                       %(customer_today)s AS today
                  FROM res_partner p
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE %(partner_filter)s
                OFFSET 0
            ), items AS (
                SELECT aml.id AS move_line_id, aml.move_id, aml.move_name, aml.company_id, cp.id AS partner_id,
                       COALESCE(aml.invoice_date, aml.date) AS invoice_date,
                       COALESCE(aml.date_maturity, aml.date) AS due_date,
                       %(age_reference)s - %(age_date)s AS days_overdue,
                       aml.currency_id,
                       %(amount)s AS amount,
                       %(amount_currency)s AS amount_currency
                  FROM %(lines)s
                  JOIN contacts cp ON cp.contact_id = aml.partner_id
                 WHERE aml.parent_state = 'posted'
                   AND aml.account_id IN %(accounts)s
                   AND aml.date <= %(date_at)s
                   AND aml.company_id IN %(companies)s
                   AND %(owner_filter)s
                   AND %(extra_filter)s
            )
            """,
            late=late,
            lines=lines,
            amount=amount,
            amount_currency=amount_currency,
            date_at=self.date_at,
            age_date=self._age_date_sql(),
            age_reference=self._age_reference_sql(),
            customer_today=local_date_sql(fields.Datetime.now(), SQL("NULLIF(cp.tz, '')")),
            companies=tuple(self._allowed_company_ids()),
            accounts=self._receivable_account_ids(),
            partner_filter=self._partner_filter_sql(),
            owner_filter=self._owner_filter_sql(),
            extra_filter=extra_filter or SQL("TRUE"),
        )

    def _owner_filter_sql(self):
        """Conditions on the items (``aml``) of the contacts ``cp``: the collector is that of the item's company
        (the collector set for that company, else the salesperson)."""
        collector = collector_sql("cp", SQL("aml.company_id"))
        conditions = []
        if not self._is_manager():
            conditions.append(SQL("(cp.user_id = %(uid)s OR %(collector)s = %(uid)s)",
                                  uid=self.env.uid, collector=collector))
        if self.collector_ids:
            conditions.append(SQL("%s IN %s", collector, tuple(self.collector_ids.ids)))
        return SQL(" AND ").join(conditions) if conditions else SQL("TRUE")

    def _has_partials_after(self):
        """Whether anything was reconciled after ``date_at`` (then the open amounts of that day are rebuilt)."""
        self.env.cr.execute(SQL(
            "SELECT EXISTS (SELECT 1 FROM account_partial_reconcile WHERE max_date > %s)", self.date_at))
        return self.env.cr.fetchone()[0]

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
        self.check_access("write")  # the lines are written in SQL: the report's record rules first
        bounds = self._get_bounds()
        self.flush_recordset()
        self.env.flush_all()
        self.env.cr.execute(SQL("DELETE FROM debt_aging_report_line WHERE report_id = %s", self.id))
        self.env.cr.execute(SQL("DELETE FROM debt_aging_report_bucket WHERE report_id = %s", self.id))
        self.invalidate_recordset(["line_ids", "bucket_ids"])
        labels = translated_labels(self.env, bounds)
        # sudo: the columns and lines are engine-owned, read-only to users; the user's right to write this
        # report is checked above (its record rule: their own reports)
        buckets = self.env["debt.aging.report.bucket"].sudo().create([
            {"report_id": self.id, "bucket_index": index, "name": label} for index, label in enumerate(labels)
        ])
        self.sudo().bounds_used = aging.format_bounds(bounds)  # sudo: engine-owned, access checked above
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
                -- the cells come sorted by customer and company: their totals need no second aggregation
                SELECT c.*, SUM(c.amount) OVER customer AS total,
                       COALESCE(SUM(c.amount) FILTER (WHERE c.bucket_index > 0) OVER customer, 0) AS overdue
                  FROM cells c
                WINDOW customer AS (PARTITION BY c.partner_id, c.company_id)
            ), credit_figures AS MATERIALIZED (
                -- Odoo's credit exposure today, whatever the report's date (sql_common.credit_figures_sql)
                %(credit_figures)s
            )
            INSERT INTO debt_aging_report_line (
                report_id, partner_id, company_id, currency_id, salesperson_id, collector_id,
                bucket_id, bucket_index, bucket_label, amount, item_count, customer_total,
                credit_limit, credit_used_percent, create_uid, write_uid, create_date, write_date)
            SELECT %(report)s, t.partner_id, t.company_id, comp.currency_id, cp.user_id,
                   %(collector)s,
                   (%(bucket_ids)s::int[])[t.bucket_index + 1], t.bucket_index,
                   (%(bucket_names)s::varchar[])[t.bucket_index + 1], t.amount, t.item_count,
                   t.total, lim.credit_limit, %(used_percent)s,
                   %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM totals t
              JOIN res_partner cp ON cp.id = t.partner_id
              -- the company as values (currency, default credit limit), not a join: PostgreSQL has no
              -- statistics on the companies of the cells and would then plan a nested loop over the customers
              CROSS JOIN LATERAL (SELECT t.company_id AS id,
                                         (%(currencies)s::jsonb ->> t.company_id::text)::int AS currency_id,
                                         (%(use_limits)s::jsonb ->> t.company_id::text)::boolean AS use_limit)
                         comp
              CROSS JOIN LATERAL (SELECT %(credit_limit)s AS credit_limit) lim
               LEFT JOIN credit_figures cx ON cx.partner_id = t.partner_id AND cx.company_id = t.company_id
             WHERE %(customer_filter)s
            """,
            items=self._items_cte_sql(),
            thresholds=aging.sql_thresholds(bounds),
            # the columns' ids and names as values, not a join (no statistics on the new rows of that table)
            bucket_ids=buckets.sorted("bucket_index").ids,
            bucket_names=buckets.sorted("bucket_index").mapped("name"),
            report=self.id,
            uid=self.env.uid,
            currencies=json.dumps({str(company.id): company.currency_id.id
                                   for company in self.env["res.company"].browse(self._allowed_company_ids())}),
            use_limits=json.dumps({str(company.id): company.account_use_credit_limit
                                   for company in self.env["res.company"].browse(self._allowed_company_ids())}),
            credit_limit=used_credit_limit_sql(self.env, "cp", "comp", SQL("comp.use_limit"), SQL(
                "(%s::jsonb ->> comp.id::text)::numeric",
                default_credit_limits_json(self.env, self._allowed_company_ids()))),
            credit_figures=credit_figures_sql(
                self.env, self._allowed_company_ids(),
                self.partner_ids.commercial_partner_id.ids if self.partner_ids else None, limited_only=True),
            used_percent=credit_used_percent_sql(SQL("COALESCE(cx.credit_exposure, 0)"), SQL("lim.credit_limit")),
            customer_filter=self._customer_filter_sql(),
            collector=collector_sql("cp", SQL("t.company_id")),
        ))
        return self.env.cr.rowcount

    def _report_bounds(self):
        """The bounds of the lines last computed (else of the parameters)."""
        return aging.parse_bounds(self.bounds_used) if self.bounds_used else self._get_bounds()

    def _items_query(self, partner_ids=None, company_ids=None, bucket_index=None, due_window=None, bounds=None,
                     select=None, partner_table=None, partner_order=None):
        """The query of the open items behind the report (or one cell of it), with the names the
        exports show, ordered by customer, company and due date.

        ``due_window`` (first, last date): the items falling due in it instead, amounts owed only
        (no credit notes or payments), whatever the customer's total (the due list).
        ``select``: a function of ``(bucket_index, order)`` (SQL expressions: the item's column number,
        the items' order for a window) giving the SQL select list to use instead of the item's values
        and names (the XLSX's detail sheet selects each item's row as SpreadsheetML text); the aliases
        are ``i`` (the item, its invoice number ``move_name``), ``p`` (customer), ``comp`` (company), ``cur``
        (currency).
        ``partner_table``: the SQL of the table ``p`` (default ``res_partner``), e.g. a sub-query adding a
        column computed once per customer rather than once per item; ``partner_order``: the SQL of the
        customers' order in it (default ``p.name, i.partner_id``), e.g. a number given by that sub-query.
        """
        self.ensure_one()
        thresholds = aging.sql_thresholds(bounds or self._report_bounds())
        bucket = SQL("width_bucket(i.days_overdue, %s::int[])", thresholds)
        order = SQL("%s, comp.name, i.company_id, i.due_date, i.move_line_id",
                    partner_order or SQL("p.name, i.partner_id"))
        extra = []
        if partner_ids:
            extra.append(SQL("cp.id IN %s", tuple(partner_ids)))
        if company_ids:
            extra.append(SQL("aml.company_id IN %s", tuple(company_ids)))
        if due_window:
            extra.append(SQL("COALESCE(aml.date_maturity, aml.date) BETWEEN %s AND %s", *due_window))
        customer_filter = SQL("i.amount > 0") if due_window else self._customer_filter_sql()
        # the customers' totals only when a filter needs them (they cost a second pass over the items)
        need_totals = bool(self.min_amount or self.overdue_only)
        totals = SQL(
            """, totals AS (
                SELECT partner_id, company_id, SUM(amount) AS total,
                       COALESCE(SUM(amount) FILTER (WHERE days_overdue > 0), 0) AS overdue
                  FROM items WHERE amount != 0
              GROUP BY partner_id, company_id
            )""") if need_totals else SQL()
        join_totals = SQL(
            "JOIN totals t ON t.partner_id = i.partner_id AND t.company_id = i.company_id") if need_totals else SQL()
        return SQL(
            """
            WITH %(items)s %(totals)s
            SELECT %(select)s
              FROM items i
              %(join_totals)s
              JOIN %(partner_table)s p ON p.id = i.partner_id
              JOIN res_company comp ON comp.id = i.company_id
         LEFT JOIN res_currency cur ON cur.id = i.currency_id
             WHERE i.amount != 0
               AND %(customer_filter)s
               AND %(bucket_filter)s
          ORDER BY %(order)s
            """,
            items=self._items_cte_sql(SQL(" AND ").join(extra) if extra else None),
            select=select(bucket, order) if select else SQL(
                """i.*, %(bucket)s AS bucket_index, p.name AS partner_name,
                   cur.name AS currency_name, comp.name AS company_name, comp.currency_id AS company_currency_id""",
                bucket=bucket),
            order=order,
            totals=totals,
            join_totals=join_totals,
            partner_table=partner_table or SQL("res_partner"),
            customer_filter=customer_filter,
            bucket_filter=SQL("%s = %s", bucket, bucket_index) if bucket_index is not None else SQL("TRUE"),
        )

    def _fetch_items(self, partner_ids=None, company_ids=None, bucket_index=None):
        """The open items behind the report (or one cell of it), as a list of dicts: one query."""
        self.env.flush_all()
        self.env.cr.execute(self._items_query(partner_ids, company_ids, bucket_index))
        return self.env.cr.dictfetchall()

    def _iter_items(self, batch_size=5000):
        """The open items behind the whole report, as dicts, read by batches through a PostgreSQL
        cursor over the query of :meth:`_fetch_items`: for the exports, which must not hold a million
        rows in memory."""
        self.env.flush_all()
        return self._stream(self._items_query(), batch_size)

    def _stream(self, query, batch_size=5000, dicts=True):
        """Yield the rows of ``query`` as dicts (else tuples), ``batch_size`` at a time, from a server-side cursor
        (see :meth:`_stream_batches`)."""
        for rows in self._stream_batches(query, batch_size, dicts):
            yield from rows

    def _stream_batches(self, query, batch_size=5000, dicts=True):
        """Yield the rows of ``query`` by lists of ``batch_size`` rows (dicts, else tuples), from a server-side cursor.

        One query for PostgreSQL (``DECLARE`` runs it, each ``FETCH`` reads the next batch); only one
        batch is in Python's memory at a time. The cursor lives until the end of the transaction at
        most; it is closed once read to the end. It reads the request's cursor: iterate it in the request's
        thread only (a cursor is not thread-safe; the XLSX export compresses in another thread, see
        ``reports/aging_xlsx.py``).
        """
        cr = self.env.cr
        name = SQL.identifier(f"debt_aging_{self.id}_{next(_cursor_numbers)}")
        cr.execute(SQL("DECLARE %s NO SCROLL CURSOR FOR %s", name, query))
        while True:
            cr.execute(SQL("FETCH FORWARD %s FROM %s", batch_size, name))
            rows = cr.dictfetchall() if dicts else cr.fetchall()
            if not rows:
                break
            yield rows
        cr.execute(SQL("CLOSE %s", name))

    # Exports (XLSX, PDF)
    def _ensure_lines(self):
        """Compute the lines if they never were (the exports read the lines last computed)."""
        self.ensure_one()
        if not self.bounds_used:
            self._compute_lines()

    def _group_column(self):
        return {"salesperson": "salesperson_id", "collector": "collector_id"}.get(self.groupby)

    def _summary_query(self, select=None):
        """One row per customer and company: its amount per column, total, credit limit and % used,
        with its group (salesperson or collector) and company, ordered by company, group and customer
        so that subtotals come as the rows are read. One query over the report's lines.

        ``select``: the SQL of one more column, ``extra`` (the XLSX's customer cells as SpreadsheetML
        text); the aliases are ``c`` (the customer's figures: ``cells``, ``total``, ``credit_limit``,
        ``credit_used_percent``), ``p`` (customer), ``comp`` (company), ``grp_p`` (the group's partner).
        """
        self.ensure_one()
        group_column = self._group_column()
        group_id = SQL("l.%s", SQL.identifier(group_column)) if group_column else SQL("NULL::int")
        # the lines are grouped by customer first (one customer's lines share its group), then the 50,000
        # customers (not the 300,000 lines) get their names and are sorted
        return SQL(
            """
            WITH customers AS (
                SELECT l.company_id, l.partner_id, MAX(%(group_id)s) AS group_id,
                       ARRAY[%(cells)s] AS cells,
                       MAX(l.customer_total) AS total, MAX(l.credit_limit) AS credit_limit,
                       MAX(l.credit_used_percent) AS credit_used_percent
                  FROM debt_aging_report_line l
                 WHERE l.report_id = %(report)s
              GROUP BY l.company_id, l.partner_id
            )
            SELECT c.company_id, comp.name AS company_name, comp.currency_id, c.group_id, grp_p.name AS group_name,
                   c.partner_id, p.name AS partner_name, c.cells, c.total, c.credit_limit,
                   c.credit_used_percent, %(extra)s AS extra
              FROM customers c
              JOIN res_partner p ON p.id = c.partner_id
              JOIN res_company comp ON comp.id = c.company_id
         LEFT JOIN res_users grp ON grp.id = c.group_id
         LEFT JOIN res_partner grp_p ON grp_p.id = grp.partner_id
          ORDER BY comp.sequence, comp.name, c.company_id, grp_p.name NULLS LAST, c.group_id NULLS LAST,
                   p.name, c.partner_id
            """,
            group_id=group_id,
            report=self.id,
            extra=select or SQL("NULL"),
            # one sum per column (NULL where the customer has nothing): a plain aggregate, where an
            # ARRAY_AGG(... ORDER BY) would sort each customer's lines apart
            cells=SQL(", ").join(
                SQL("SUM(l.amount::float8) FILTER (WHERE l.bucket_index = %s)", index)
                for index in range(len(self._report_bounds()) + 2)),
        )

    def _summary_rows(self, stream=False, select=None):
        """The rows of :meth:`_summary_query`, each with ``cells``: its amount per column (``None``
        where the customer has nothing), as a list (``stream=False``) or streamed by batches."""
        self.env.flush_all()
        query = self._summary_query(select)
        if stream:
            yield from self._stream(query)
        else:
            self.env.cr.execute(query)
            yield from self.env.cr.dictfetchall()

    def _selection_label(self, field_name):
        return dict(self._fields[field_name]._description_selection(self.env)).get(self[field_name], "")

    def _export_parameters(self):
        """The parameters shown on top of the XLSX and PDF: a list of (label, text), translated."""
        self.ensure_one()
        labels = self.bucket_ids.sorted("bucket_index").mapped("name")
        if self.interval_mode == "profile" and self.profile_id:
            columns = _("%(profile)s: %(columns)s", profile=self.profile_id.name, columns=" | ".join(labels))
        else:
            columns = " | ".join(labels)
        parameters = [
            (_("As of"), format_date(self.env, self.date_at)),
            (_("Age from"), self._selection_label("basis")),
            (_("Columns"), columns),
            (_("Group by"), self._selection_label("groupby")),
            (_("Companies"), ", ".join(self.env["res.company"].browse(self._allowed_company_ids()).mapped("name"))),
        ]
        filters = [
            (_("Salespeople"), ", ".join(self.salesperson_ids.mapped("name"))),
            (_("Collectors"), ", ".join(self.collector_ids.mapped("name"))),
            (_("Customers"), ", ".join(self.partner_ids.mapped("display_name"))),
            (_("Customer tags"), ", ".join(self.category_ids.mapped("name"))),
            (_("Overdue customers only"), _("Yes") if self.overdue_only else ""),
            (_("Minimum amount"), formatLang(self.env, self.min_amount) if self.min_amount else ""),
        ]
        filters = [(label, value) for label, value in filters if value]
        return parameters + (filters or [(_("Filters"), _("None"))])

    def _group_header(self):
        return {"salesperson": _("Salesperson"), "collector": _("Collector")}.get(self.groupby)

    def _no_group_label(self):
        return {"salesperson": _("No salesperson"), "collector": _("No collector")}.get(self.groupby, "")

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
        return self._action_results(self.id)

    @api.model
    def _action_results(self, report_id):
        """The results of the report ``report_id`` as last computed.

        They carry the path of the server action that rebuilds them from the report's id: the pivot gets a URL
        of its own (that path and the report's id), which the browser's Back and a reload open again. Without
        it, Back from the open items fell through to the screen before the report (the worklist)."""
        report = self.browse(report_id).exists()
        if not report:
            # a report is transient: an old URL opens the aging wizard afresh
            return self.env["ir.actions.actions"]._for_xml_id("debt_collection.action_debt_aging_report")
        report.check_access("read")
        return {
            "type": "ir.actions.act_window",
            # sudo: the path of a module's action, the same for everyone
            "path": self.env.ref("debt_collection.action_debt_aging_report_results").sudo().path,
            "name": _("Aging as of %(date)s", date=format_date(self.env, report.date_at)),
            "res_model": "debt.aging.report.line",
            "view_mode": "pivot,list,graph",
            "views": [(False, "pivot"), (False, "list"), (False, "graph")],
            "domain": [("report_id", "=", report.id)],
            "context": {
                "active_id": report.id,  # in the URL: what the server action rebuilds the screen from
                "pivot_row_groupby": report._pivot_rows(),
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
        """Open items falling due in [due_from, due_to], each installment on its own line, with its
        open amount as of ``date_at``: the call list of what falls due (or fell due) in a window.
        Same query, filters and rights as the report; one query, then the rows to show."""
        self.ensure_one()
        if not self.due_from or not self.due_to:
            raise UserError(_("Give the first and the last due date of the window."))
        if self.due_from > self.due_to:
            raise UserError(_("The window starts after it ends."))
        self.check_access("write")  # before the query below: the check runs queries on the same cursor
        bounds = self._get_bounds()
        labels = translated_labels(self.env, bounds)
        self.env.flush_all()
        self.env.cr.execute(self._items_query(due_window=(self.due_from, self.due_to), bounds=bounds))
        # sudo: the items are engine-owned, read-only to users; they are read under the user's rights (the
        # query's filters) for a report of theirs (checked above)
        item_model = self.env["debt.aging.report.item"].sudo()
        items = item_model.create([
            item_model._values_from_row(self, row, bucket_label=labels[row["bucket_index"]])
            for row in self.env.cr.dictfetchall()
        ])
        return {
            "type": "ir.actions.act_window",
            "name": _("Due from %(start)s to %(end)s",
                      start=format_date(self.env, self.due_from), end=format_date(self.env, self.due_to)),
            "res_model": "debt.aging.report.item",
            "view_mode": "list",
            "domain": [("id", "in", items.ids)],
            "context": {"create": False},
        }

    def action_export_xlsx(self):
        self.ensure_one()
        self._compute_lines()
        content = self._render_xlsx()
        # sudo: the file is engine-owned; _compute_lines checked the user's right to write this report
        self.sudo().write({
            "xlsx_file": base64.b64encode(content),
            "xlsx_filename": _("aging_%s.xlsx", fields.Date.to_string(self.date_at)),
        })
        return {
            "type": "ir.actions.act_url",
            # the type given: guessed from the file's first bytes, an XLSX was sent as application/zip
            "url": f"/web/content/?model={self._name}&id={self.id}&field=xlsx_file"
                   f"&filename_field=xlsx_filename&download=true&mimetype={XLSX_MIMETYPE}",
            "target": "self",
        }

    def action_print_pdf(self):
        self.ensure_one()
        self._compute_lines()
        return self.env.ref("debt_collection.action_report_debt_aging").report_action(self)

    def _render_xlsx(self):
        """The report as an XLSX file's bytes (summary and detail sheets)."""
        self.ensure_one()
        self.check_access("read")  # the lines and items are read in SQL: the report's record rules first
        from ..reports.aging_xlsx import render_aging_xlsx

        return render_aging_xlsx(self)
