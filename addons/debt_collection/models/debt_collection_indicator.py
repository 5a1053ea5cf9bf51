from collections import defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL

from ..tools.count_back import count_back_dso
from ..tools.indicator_periods import add_months, indicator_periods
from .sql_common import collector_sql

PERIODS = [("month", "Month"), ("rolling_3", "Rolling 3 months")]
DIMENSIONS = [("company", "Company"), ("salesperson", "Salesperson"), ("collector", "Collector")]


class DebtCollectionIndicator(models.Model):
    """Receivable indicators per period (each month, and the 3 months to each month's end), company, and salesperson
    or collector, computed in SQL from the daily aging snapshots and the posted receivable items, and stored: the
    daily snapshot job refreshes them after its snapshots (and a rebuild of past days after its days), so that the
    screens and the dashboard read a few hundred rows instead of the ledger.

    One row per period, company and figure holder (``dimension``: the company as a whole, one salesperson, one
    collector), so that each row's ratios are exact; a pivot's totals of a ratio are averages of rows (the dashboard
    computes its ratios from the summed amounts instead). The formulas are in the README (*Collection indicators*).

    - the open amounts (start, end, not yet due) come from the snapshots: the end is the last snapshot day of the
      period (so a month still running ends on the latest snapshot), the start the last snapshot day before the
      period; they belong to whoever held the customers on those days;
    - the sales (the receivable side of the entries of sale journals: invoices, credit notes, receipts) and the
      amounts collected (payments and bank statement lines booked on receivable accounts) are those dated in the
      period's months, up to each month's end snapshot, and belong to the customers' salesperson and collector at
      the time of the refresh;
    - amounts are in company currency, as on the ledger.
    """

    _name = "debt.collection.indicator"
    _description = "Collection Indicator"
    _order = "date_start desc, company_id, dimension, user_id"
    _rec_name = "date_start"

    period = fields.Selection(PERIODS, required=True, readonly=True)
    dimension = fields.Selection(DIMENSIONS, string="Figures Of", required=True, readonly=True)
    date_start = fields.Date(string="From", readonly=True)
    date_end = fields.Date(string="To", readonly=True, help="The last snapshot day of the period.")
    date_begin_snapshot = fields.Date(string="Opening Snapshot", readonly=True,
                                      help="The snapshot day the open amount at the start comes from.")
    days = fields.Integer(readonly=True, aggregator="max")
    is_latest = fields.Boolean(string="Latest Period", readonly=True,
                               help="The period ending on the company's latest snapshot day.")
    company_id = fields.Many2one("res.company", readonly=True, index=True, ondelete="cascade")
    currency_id = fields.Many2one("res.currency", readonly=True)
    user_id = fields.Many2one("res.users", string="Salesperson / Collector", readonly=True, ondelete="cascade")
    ar_begin = fields.Monetary(string="Open at Start", readonly=True)
    ar_end = fields.Monetary(string="Open at End", readonly=True)
    ar_current = fields.Monetary(string="Not Due at End", readonly=True)
    ar_overdue = fields.Monetary(string="Overdue at End", readonly=True)
    credit_sales = fields.Monetary(string="Sales on Credit", readonly=True)
    collected = fields.Monetary(string="Amount Collected", readonly=True)
    dso = fields.Float(string="DSO (Days)", readonly=True, aggregator="avg", digits=(16, 1))
    dso_average = fields.Float(string="DSO, Average Balance (Days)", readonly=True, aggregator="avg", digits=(16, 1))
    dso_count_back = fields.Float(
        string="DSO, Count-Back (Days)", readonly=True, aggregator="avg", digits=(16, 1),
        help="The days of sales the open amount at the end stands for, counted back month by month from the "
             "period's last month: empty when the months with snapshots do not hold enough sales to cover it.")
    best_dso = fields.Float(string="Best Possible DSO (Days)", readonly=True, aggregator="avg", digits=(16, 1))
    days_delinquent = fields.Float(string="Average Days Delinquent", readonly=True, aggregator="avg", digits=(16, 1))
    cei = fields.Float(string="CEI (%)", readonly=True, aggregator="avg", digits=(16, 1))
    overdue_share = fields.Float(string="Overdue Share (%)", readonly=True, aggregator="avg", digits=(16, 1))

    @api.model
    def _refresh(self, companies, users=None):
        """Compute again the indicators of ``companies``: the company rows and every person's (``users`` None, the
        daily job and the managers' *Refresh*), or only the rows of ``users`` as salesperson and as collector (a
        collection user's *Refresh* of their own figures). Each scope is one ``DELETE`` and one
        ``INSERT ... SELECT`` (the query of :meth:`_indicator_query`): the company rows need no owner per item, so
        they are their own pass over the items; a person's pass reads only their customers' items."""
        if not companies:
            return 0
        self.env.flush_all()
        company_ids = tuple(companies.ids)
        scopes = ["company", "people"] if users is None else [tuple(users.ids)]
        periods = self._periods(company_ids)  # the same for every scope
        count = 0
        for scope in scopes:
            count += self._refresh_scope(company_ids, scope, periods)
        self.invalidate_model()
        return count

    @api.model
    def _refresh_scope(self, company_ids, scope, periods=None):
        """Replace the rows of ``scope`` ("company": the company rows; "people": every salesperson's and
        collector's; a tuple of user ids: those users' rows) of the companies ``company_ids``; ``periods``: theirs
        (:meth:`_periods`), looked up when not given."""
        if periods is None:
            periods = self._periods(company_ids)
        if scope == "company":
            rows = SQL("dimension = 'company'")
        elif scope == "people":
            rows = SQL("dimension != 'company'")
        else:
            rows = SQL("dimension != 'company' AND user_id IN %s", scope)
        self.env.cr.execute(SQL("DELETE FROM debt_collection_indicator WHERE company_id IN %s AND %s",
                                company_ids, rows))
        query = self._indicator_query(company_ids, scope, periods)
        if query is None:
            return 0
        self.env.cr.execute(SQL(
            """
            INSERT INTO debt_collection_indicator (
                period, dimension, date_start, date_end, date_begin_snapshot, days, is_latest, company_id,
                currency_id, user_id, ar_begin, ar_end, ar_current, ar_overdue, credit_sales, collected, dso,
                dso_average, best_dso, days_delinquent, cei, overdue_share,
                create_uid, write_uid, create_date, write_date)
            SELECT i.*, %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
              FROM (%(query)s) i
            """, query=query, uid=self.env.uid))
        count = self.env.cr.rowcount
        self._store_count_back(company_ids, rows, periods)
        return count

    @api.model
    def _store_count_back(self, company_ids, rows, periods):
        """The count-back DSO of the rows ``rows`` (an SQL condition) of the companies (their ``periods``), from
        their own ``ar_end`` and the monthly sales of the same holder (``tools/count_back.py``): a few hundred rows
        read, one ``UPDATE``."""
        cr = self.env.cr
        months, last_months = defaultdict(list), {}
        for p in periods:
            if p["period"] == "month":
                months[p["company_id"]].append((p["date_start"], (p["date_end"] - p["date_start"]).days + 1))
            last_months[p["company_id"], p["period"], p["date_start"]] = p["last_month"]
        cr.execute(SQL(
            """SELECT id, company_id, period, date_start, dimension, user_id, ar_end, credit_sales
                 FROM debt_collection_indicator WHERE company_id IN %s AND %s""", company_ids, rows))
        records = cr.fetchall()
        sales = {(company, dimension, user, start): credit
                 for _id, company, period, start, dimension, user, _end, credit in records if period == "month"}
        values = []
        for row_id, company, period, start, dimension, user, ar_end, _credit in records:
            last_month = last_months[company, period, start]
            history = [(days, sales.get((company, dimension, user, month), 0.0))
                       for month, days in sorted(months[company], reverse=True) if month <= last_month]
            values.append(SQL("(%s, %s::numeric)", row_id, count_back_dso(ar_end, history)))
        if values:
            cr.execute(SQL(
                """UPDATE debt_collection_indicator i SET dso_count_back = v.dso
                     FROM (VALUES %s) v (id, dso) WHERE i.id = v.id""", SQL(", ").join(values)))

    @api.model
    def action_refresh(self):
        """*Refresh*: a manager computes again every figure of the companies they work in; a collection user
        only their own (as salesperson and as collector), now."""
        if not self.env.user.has_group("debt_collection.group_debt_collection_user"):
            raise AccessError(_("Only collection users can refresh the collection indicators."))
        manager = self.env.user.has_group("debt_collection.group_debt_collection_manager")
        # sudo: the rows are engine-owned (read-only to everyone); the scope is the user's own unless a manager
        self.sudo()._refresh(self.env.companies, users=None if manager else self.env.user)
        return {"type": "ir.actions.client", "tag": "soft_reload"}

    @api.model
    def _sale_journal_ids(self, company_ids):
        self.env.cr.execute(SQL("SELECT id FROM account_journal WHERE type = 'sale' AND company_id IN %s", company_ids))
        return tuple(row[0] for row in self.env.cr.fetchall()) or (None,)

    @api.model
    def _receivable_account_ids(self):
        self.env.cr.execute(SQL("SELECT id FROM account_account WHERE account_type = 'asset_receivable'"))
        return tuple(row[0] for row in self.env.cr.fetchall()) or (None,)

    @api.model
    def _periods(self, company_ids):
        """The periods of the companies (``tools/indicator_periods.py``), from the days taken: one small query."""
        self.env.cr.execute(SQL(
            "SELECT company_id, id, snapshot_date FROM debt_aging_snapshot_day WHERE company_id IN %s", company_ids))
        return indicator_periods(self.env.cr.fetchall())

    @api.model
    def _periods_sql(self, periods):
        """The ``periods`` (:meth:`_periods`) as the SQL of a ``VALUES`` list (PostgreSQL then knows how many there
        are), with the first and last day they cover and the condition that leaves out the days of a month after its
        end snapshot; (None, None, None, None) without any snapshot."""
        if not periods:
            return None, None, None, None
        # the days of a month after its end snapshot (days not taken at the end of a month) are left out of its
        # flows: the month's open amounts stop at its end snapshot (usually there are none)
        gaps = [
            SQL("NOT (aml.company_id = %s AND aml.date > %s AND aml.date < %s)",
                p["company_id"], p["date_end"], add_months(p["last_month"], 1))
            for p in periods
            if p["period"] == "month" and p["date_end"] < add_months(p["last_month"], 1) - timedelta(days=1)
        ]
        return SQL(", ").join(
            SQL("(%s::int, %s::varchar, %s::date, %s::date, %s::date, %s::int, %s::int, %s::date)",
                p["company_id"], p["period"], p["date_start"], p["last_month"], p["date_end"], p["end_day_id"],
                p["begin_day_id"], p["begin_date"])
            for p in periods
        ), min(p["date_start"] for p in periods), max(p["date_end"] for p in periods), \
            SQL(" AND ").join(gaps) if gaps else SQL("TRUE")

    @api.model
    def _indicator_query(self, company_ids, scope, periods):
        """The indicators of ``scope`` (see :meth:`_refresh_scope`) in the companies ``company_ids`` (a tuple of
        ids) over their ``periods`` (:meth:`_periods`), as a query of the table's columns in order (``period`` ...
        ``overdue_share``); None without any snapshot."""
        periods, first_day, last_day, gaps = self._periods_sql(periods)
        if periods is None:
            return None
        collector = collector_sql("cp", SQL("comp.id"))
        if scope == "company":
            # the company rows: no owner per item, the items summed by month alone
            owners_where, stock_where, flow_owner = SQL("TRUE"), SQL("TRUE"), SQL("TRUE")
            stock_people = SQL("NULL::int AS salesperson_id, NULL::int AS collector_id")
            flow_people = SQL("NULL::int AS salesperson_id, NULL::int AS collector_id")
            flow_join = SQL("")
            grouping, rows = SQL("()"), SQL("TRUE")
            dimension, user = SQL("'company'"), SQL("NULL::int")
        else:
            stock_people = SQL("s.salesperson_id, s.collector_id")
            flow_people = SQL("o.salesperson_id, o.collector_id")
            flow_join = SQL("JOIN owners o ON o.partner_id = aml.partner_id AND o.company_id = aml.company_id")
            grouping = SQL("(c.salesperson_id), (c.collector_id)")
            dimension = SQL("CASE WHEN GROUPING(c.salesperson_id) = 0 THEN 'salesperson' ELSE 'collector' END")
            user = SQL("CASE WHEN GROUPING(c.salesperson_id) = 0 THEN c.salesperson_id ELSE c.collector_id END")
            if scope == "people":
                owners_where, stock_where, flow_owner = SQL("TRUE"), SQL("TRUE"), SQL("TRUE")
                rows = SQL("f.user_id IS NOT NULL")
            else:
                # some users' rows: their customers' items only (read through the index on the partner)
                owners_where = SQL("(cp.user_id IN %s OR %s IN %s)", scope, collector, scope)
                stock_where = SQL("(s.salesperson_id IN %s OR s.collector_id IN %s)", scope, scope)
                flow_owner = SQL("aml.partner_id IN (SELECT partner_id FROM owners)")
                rows = SQL("f.user_id IN %s", scope)
        return SQL(
            """
            WITH periods (company_id, period, date_start, last_month, date_end, end_day_id, begin_day_id, begin_date)
                 AS (VALUES %(periods)s
            ), stock AS (
                SELECT p.period, p.date_start, p.company_id, %(stock_people)s,
                       SUM(s.amount) FILTER (WHERE s.day_id = p.begin_day_id) AS ar_begin,
                       SUM(s.amount) FILTER (WHERE s.day_id = p.end_day_id) AS ar_end,
                       SUM(s.amount) FILTER (WHERE s.day_id = p.end_day_id AND NOT s.overdue) AS ar_current
                  FROM periods p
                  JOIN debt_aging_snapshot s ON s.day_id = p.begin_day_id OR s.day_id = p.end_day_id
                 WHERE %(stock_where)s
              GROUP BY 1, 2, 3, 4, 5
            ), owners AS (
                -- each contact's salesperson and collector (those of its commercial partner) now, per company
                SELECT p.id AS partner_id, comp.id AS company_id, cp.user_id AS salesperson_id,
                       %(collector)s AS collector_id
                  FROM res_partner p
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 CROSS JOIN res_company comp
                 WHERE comp.id IN %(companies)s AND %(owners_where)s
            ), monthly_flow AS (
                -- the sales and collections of each month and owner: one pass over the receivable items of the
                -- months (up to each month's end snapshot), joined to their contact's owners, a few groups
                SELECT aml.company_id, date_trunc('month', aml.date)::date AS month, %(flow_people)s,
                       SUM(aml.balance) FILTER (WHERE aml.journal_id IN %(sale_journals)s AND aml.payment_id IS NULL
                                                  AND aml.statement_line_id IS NULL) AS credit_sales,
                       -SUM(aml.balance) FILTER (WHERE aml.payment_id IS NOT NULL
                                                   OR aml.statement_line_id IS NOT NULL) AS collected
                  FROM account_move_line aml
                  %(flow_join)s
                 WHERE aml.parent_state = 'posted'
                   AND aml.account_id IN %(accounts)s
                   AND aml.company_id IN %(companies)s
                   AND aml.date BETWEEN %(first_day)s AND %(last_day)s
                   AND %(gaps)s
                   AND %(flow_owner)s
              GROUP BY 1, 2, 3, 4
            ), flow AS (
                SELECT p.period, p.date_start, p.company_id, f.salesperson_id, f.collector_id,
                       SUM(f.credit_sales) AS credit_sales, SUM(f.collected) AS collected
                  FROM periods p
                  JOIN monthly_flow f ON f.company_id = p.company_id AND f.month BETWEEN p.date_start AND p.last_month
              GROUP BY 1, 2, 3, 4, 5
            ), cells AS (
                SELECT COALESCE(s.period, f.period) AS period, COALESCE(s.date_start, f.date_start) AS date_start,
                       COALESCE(s.company_id, f.company_id) AS company_id,
                       COALESCE(s.salesperson_id, f.salesperson_id) AS salesperson_id,
                       COALESCE(s.collector_id, f.collector_id) AS collector_id,
                       s.ar_begin, s.ar_end, s.ar_current, f.credit_sales, f.collected
                  FROM stock s
             FULL JOIN flow f ON f.period = s.period AND f.date_start = s.date_start AND f.company_id = s.company_id
                             AND f.salesperson_id IS NOT DISTINCT FROM s.salesperson_id
                             AND f.collector_id IS NOT DISTINCT FROM s.collector_id
            ), figures AS (
                SELECT c.period, c.date_start, c.company_id, %(dimension)s AS dimension, %(user)s AS user_id,
                       COALESCE(SUM(c.ar_begin), 0) AS ar_begin, COALESCE(SUM(c.ar_end), 0) AS ar_end,
                       COALESCE(SUM(c.ar_current), 0) AS ar_current,
                       COALESCE(SUM(c.credit_sales), 0) AS credit_sales, COALESCE(SUM(c.collected), 0) AS collected
                  FROM cells c
              GROUP BY c.period, c.date_start, c.company_id, GROUPING SETS (%(grouping)s)
            )
            SELECT f.period, f.dimension, f.date_start, p.date_end, p.begin_date,
                   p.date_end - f.date_start + 1,
                   p.date_end = (SELECT MAX(l.date_end) FROM periods l WHERE l.company_id = p.company_id),
                   f.company_id, comp.currency_id, f.user_id,
                   f.ar_begin, f.ar_end, f.ar_current, f.ar_end - f.ar_current, f.credit_sales, f.collected,
                   -- DSO (period-end), DSO (average balance), best possible DSO, average days delinquent
                   CASE WHEN f.credit_sales > 0 THEN f.ar_end / f.credit_sales * (p.date_end - f.date_start + 1) END,
                   CASE WHEN f.credit_sales > 0 AND p.begin_day_id IS NOT NULL
                        THEN (f.ar_begin + f.ar_end) / 2 / f.credit_sales * (p.date_end - f.date_start + 1) END,
                   CASE WHEN f.credit_sales > 0
                        THEN f.ar_current / f.credit_sales * (p.date_end - f.date_start + 1) END,
                   CASE WHEN f.credit_sales > 0
                        THEN (f.ar_end - f.ar_current) / f.credit_sales * (p.date_end - f.date_start + 1) END,
                   -- CEI, overdue share
                   CASE WHEN p.begin_day_id IS NOT NULL AND f.ar_begin + f.credit_sales - f.ar_current > 0
                        THEN (f.ar_begin + f.credit_sales - f.ar_end) * 100
                             / (f.ar_begin + f.credit_sales - f.ar_current)
                   END,
                   CASE WHEN f.ar_end > 0 THEN (f.ar_end - f.ar_current) * 100 / f.ar_end END
              FROM figures f
              JOIN periods p ON p.company_id = f.company_id AND p.period = f.period AND p.date_start = f.date_start
              JOIN res_company comp ON comp.id = f.company_id
             WHERE %(rows)s
            """,
            periods=periods,
            companies=company_ids,
            first_day=first_day,
            last_day=last_day,
            accounts=self._receivable_account_ids(),
            sale_journals=self._sale_journal_ids(company_ids),
            gaps=gaps,
            collector=collector,
            owners_where=owners_where,
            stock_where=stock_where,
            stock_people=stock_people,
            flow_people=flow_people,
            flow_join=flow_join,
            flow_owner=flow_owner,
            grouping=grouping,
            dimension=dimension,
            user=user,
            rows=rows,
        )

    # Drill-down
    def _flow_lines(self, kind):
        """The receivable journal items behind the row's sales (``kind`` "sales") or amounts collected
        ("collected"): one query, the view's own conditions."""
        self.ensure_one()
        self.check_access("read")
        kind_filter = SQL("j.type = 'sale' AND aml.payment_id IS NULL AND aml.statement_line_id IS NULL") \
            if kind == "sales" else SQL("(aml.payment_id IS NOT NULL OR aml.statement_line_id IS NOT NULL)")
        owner = SQL("TRUE")
        if self.dimension == "salesperson":
            owner = SQL("cp.user_id = %s", self.user_id.id)
        elif self.dimension == "collector":
            owner = SQL("%s = %s", collector_sql("cp", SQL("aml.company_id")), self.user_id.id)
        self.env.cr.execute(SQL(
            """SELECT aml.id FROM account_move_line aml
                 JOIN account_account acc ON acc.id = aml.account_id AND acc.account_type = 'asset_receivable'
                 JOIN account_journal j ON j.id = aml.journal_id
                 JOIN res_partner p ON p.id = aml.partner_id
                 JOIN res_partner cp ON cp.id = p.commercial_partner_id
                WHERE aml.parent_state = 'posted' AND aml.company_id = %s AND aml.date BETWEEN %s AND %s
                  AND %s AND %s""",
            self.company_id.id, self.date_start, self.date_end, kind_filter, owner))
        return [row[0] for row in self.env.cr.fetchall()]

    def _action_lines(self, kind, name):
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": "account.move.line",
            "view_mode": "list,form",
            "views": [(self.env.ref("account.view_move_line_tree").id, "list"), (False, "form")],
            "domain": [("id", "in", self._flow_lines(kind))],
            "context": {"create": False},
        }

    def action_open_sales(self):
        return self._action_lines("sales", _("Sales on Credit"))

    def action_open_collected(self):
        return self._action_lines("collected", _("Amounts Collected"))

    def action_open_snapshot(self):
        """The snapshot rows behind the open amount at the end of the period."""
        self.ensure_one()
        self.check_access("read")
        domain = [("company_id", "=", self.company_id.id), ("snapshot_date", "=", self.date_end)]
        if self.dimension == "salesperson":
            domain.append(("salesperson_id", "=", self.user_id.id))
        elif self.dimension == "collector":
            domain.append(("collector_id", "=", self.user_id.id))
        return {
            "type": "ir.actions.act_window",
            "name": _("Aging Snapshot"),
            "res_model": "debt.aging.snapshot",
            "view_mode": "list,pivot,graph",
            "domain": domain,
            "context": {"create": False},
        }
