import logging
from datetime import timedelta

from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.tools import SQL

from ..tools import aging
from .common import customer_today, job_commits
from .sql_common import collector_sql

_logger = logging.getLogger(__name__)


class DebtAgingSnapshot(models.Model):
    """One cell of a daily aging snapshot: the open receivable amount and item count of one company, salesperson,
    collector, set of customer tags and aging column on one day (``day_id``), as the aging report computed it.

    Written in SQL by :meth:`_take_snapshots` only (one ``INSERT ... SELECT`` per company and day, over the aging
    report's own query of the open items). The salesperson and collector are those the customers had on the
    snapshot's day (for a day rebuilt afterwards, a backfill: those they have now): the trend of a collector is
    the debt they held each day.
    """

    _name = "debt.aging.snapshot"
    _description = "Aging Snapshot"
    _order = "snapshot_date desc, company_id, bucket_index"
    _rec_name = "column_id"

    day_id = fields.Many2one("debt.aging.snapshot.day", string="Snapshot", required=True, readonly=True,
                             ondelete="cascade", index=True)
    snapshot_date = fields.Date(string="Date", required=True, readonly=True)
    # a copy of the day's flag (kept in step by debt.aging.snapshot.day._mark_month_ends): users filter on it
    # without reading the days, which hold the whole company's totals
    is_month_end = fields.Boolean(string="Last Day of the Month", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True, index="btree_not_null")
    collector_id = fields.Many2one("res.users", readonly=True, index="btree_not_null")
    column_id = fields.Many2one("debt.aging.snapshot.column", string="Aging Column", readonly=True)
    bucket_index = fields.Integer(string="Column Number", readonly=True, aggregator=False)
    overdue = fields.Boolean(readonly=True, help="The column of items past their due date.")
    category_key = fields.Char(readonly=True, help="The customers' tags (ids, sorted), e.g. ,3,7, (none: empty).")
    category_ids = fields.Many2many("res.partner.category", string="Customer Tags", compute="_compute_category_ids",
                                    search="_search_category_ids")
    amount = fields.Monetary(string="Open Amount", readonly=True)
    item_count = fields.Integer(string="Open Items", readonly=True)

    @api.depends("category_key")
    def _compute_category_ids(self):
        for row in self:
            ids = [int(tag) for tag in (row.category_key or "").split(",") if tag]
            row.category_ids = self.env["res.partner.category"].browse(ids).exists()

    def _search_category_ids(self, operator, value):
        """Rows of the customers that have one of the tags (ids, or a text matched against the tag names)."""
        if operator not in ("in", "=", "ilike", "any"):
            return NotImplemented
        categories = self.env["res.partner.category"]
        if operator == "any":
            categories = categories.search(value)
        elif isinstance(value, str):
            categories = categories.search([("name", "ilike", value)])
        else:
            categories = categories.browse(value if isinstance(value, (list, tuple)) else [value])
        if not categories:
            return [("id", "=", False)]
        return ["|"] * (len(categories) - 1) + [("category_key", "like", f",{tag_id},") for tag_id in categories.ids]

    # Taking snapshots
    @api.model
    def _snapshot_report(self, company, date):
        """The aging report (a new record, never saved) whose query of the open items the snapshot of ``company`` on
        ``date`` reuses: as of ``date``, aged from the due dates, in the columns of the company's default profile.

        Its environment is the superuser's in that company alone (the report's companies: none given, as a new record's
        relations hold new ids, so the environment's companies): a snapshot holds every customer's debt, whoever takes
        it (the cron, a manager's backfill); who sees its rows is decided by their record rules."""
        env = self.env(user=SUPERUSER_ID, context=dict(self.env.context, allowed_company_ids=[company.id]))
        profile = env["debt.aging.profile"]._default_profile(company)
        bounds = profile.get_bounds() if profile else aging.parse_bounds("30,60,90")
        report = env["debt.aging.report"].new({
            "date_at": date, "basis": "due_date", "interval_mode": "list",
            "interval_list": aging.format_bounds(bounds), "groupby": "none", "company_ids": [(5, 0, 0)],
        })
        return report, bounds

    @api.model
    def _take_snapshots(self, date, companies, backfilled=False):
        """Take (or take again: the day is replaced) the aging snapshot of ``date`` of each of ``companies``: one
        ``INSERT ... SELECT`` per company, reusing the aging report's query of the items open as of ``date``
        (rebuilt from the reconciliations for a past day). Returns the days (``debt.aging.snapshot.day``)."""
        Day = self.env["debt.aging.snapshot.day"].sudo()  # sudo: engine-owned rows, the callers are checked
        days = Day
        for company in companies:
            report, bounds = self._snapshot_report(company, date)
            bounds_text = aging.format_bounds(bounds)
            column_ids = self.env["debt.aging.snapshot.column"].sudo()._get_columns(bounds, bounds_text)
            day = Day.search([("company_id", "=", company.id), ("snapshot_date", "=", date)])
            if day:
                self.env.cr.execute(SQL("DELETE FROM debt_aging_snapshot WHERE day_id = %s", day.id))
                day.write({"bounds": bounds_text, "backfilled": backfilled})
            else:
                day = Day.create({"company_id": company.id, "snapshot_date": date, "bounds": bounds_text,
                                  "backfilled": backfilled})
            self.env.flush_all()
            self.env.cr.execute(SQL(
                """
                WITH %(items)s,
                tags AS (
                    SELECT rel.partner_id, ',' || string_agg(rel.category_id::text, ',' ORDER BY rel.category_id) || ','
                           AS category_key
                      FROM res_partner_res_partner_category_rel rel
                  GROUP BY rel.partner_id
                ), owners AS (
                    -- each customer's salesperson, collector in the company and tags, read once per customer
                    SELECT cp.id, cp.user_id AS salesperson_id, %(collector)s AS collector_id,
                           COALESCE(tags.category_key, '') AS category_key
                      FROM res_partner cp
                 LEFT JOIN tags ON tags.partner_id = cp.id
                )
                INSERT INTO debt_aging_snapshot (
                    day_id, snapshot_date, company_id, currency_id, salesperson_id, collector_id, column_id,
                    bucket_index, overdue, category_key, amount, item_count, is_month_end,
                    create_uid, write_uid, create_date, write_date)
                -- straight from the items to a few hundred cells (no row per customer on the way)
                SELECT %(day)s, %(date)s, %(company)s, %(currency)s, o.salesperson_id, o.collector_id,
                       (%(column_ids)s::int[])[c.bucket_index + 1], c.bucket_index, c.bucket_index > 0,
                       o.category_key, SUM(c.amount), COUNT(*), FALSE,
                       %(uid)s, %(uid)s, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                  FROM (SELECT partner_id, amount, width_bucket(days_overdue, %(thresholds)s::int[]) AS bucket_index
                          FROM items WHERE amount != 0) c
                  JOIN owners o ON o.id = c.partner_id
              GROUP BY o.salesperson_id, o.collector_id, c.bucket_index, o.category_key
                """,
                items=report._items_cte_sql(),
                thresholds=aging.sql_thresholds(bounds),
                day=day.id, date=date, company=company.id, currency=company.currency_id.id,
                collector=collector_sql("cp", SQL("%s", company.id)),
                column_ids=column_ids, uid=self.env.uid,
            ))
            self.env.cr.execute(SQL(
                """UPDATE debt_aging_snapshot_day d
                      SET amount = COALESCE(s.amount, 0), item_count = COALESCE(s.item_count, 0)
                     FROM (SELECT SUM(amount) AS amount, SUM(item_count) AS item_count
                             FROM debt_aging_snapshot WHERE day_id = %(day)s) s
                    WHERE d.id = %(day)s""", day=day.id))
            day.invalidate_recordset(["amount", "item_count", "snapshot_ids"])
            days |= day
        if companies:
            Day._mark_month_ends(companies.ids, [date])
        return days

    @api.model
    def _purge_snapshots(self, companies, today):
        """Delete the days older than each company's retention (``debt_snapshot_retention_days``; 0: keep all)."""
        for company in companies:
            if company.debt_snapshot_retention_days <= 0:
                continue
            limit = today - timedelta(days=company.debt_snapshot_retention_days)
            # in SQL: a day holds hundreds of rows, a year of them is not read into the ORM to be deleted
            self.env.cr.execute(SQL(
                """DELETE FROM debt_aging_snapshot WHERE day_id IN (
                       SELECT id FROM debt_aging_snapshot_day
                        WHERE company_id = %(company)s AND snapshot_date < %(limit)s)
                """, company=company.id, limit=limit))
            self.env.cr.execute(SQL(
                "DELETE FROM debt_aging_snapshot_day WHERE company_id = %s AND snapshot_date < %s", company.id, limit))
        self.env.invalidate_all()

    @api.model
    def _cron_take_snapshots(self):
        """Daily job: each company's snapshot of its today (the day in its time zone), the retention purge, then its
        collection indicators computed again (``debt.collection.indicator``). A re-run the same day replaces that
        day; each company is committed on its own (a killed run keeps those done)."""
        companies = self.env["res.company"].sudo().search([])
        no_customer = self.env["res.partner"]
        for done, company in enumerate(companies, start=1):
            today = customer_today(no_customer, company)
            self._take_snapshots(today, company)
            self._purge_snapshots(company, today)
            self.env["debt.collection.indicator"].sudo()._refresh(company)  # sudo: engine-owned rows
            _logger.info("debt collection: aging snapshot of %s taken for %s", today, company.name)
            if job_commits(self.env):
                self.env["ir.cron"]._notify_progress(done=done, remaining=len(companies) - done)
                self.env.cr.commit()

    # Drill-down
    def action_open_customers(self):
        """The customers behind a row: the aging report as of its day, for its company, salesperson, collector and
        tags (today's owners: the report filters on the customers' salesperson and collector now)."""
        self.ensure_one()
        self.check_access("read")
        report = self.env["debt.aging.report"].create({
            "date_at": self.snapshot_date, "basis": "due_date", "interval_mode": "list",
            "interval_list": self.day_id.sudo().bounds, "groupby": "none",
            "company_ids": [(6, 0, self.company_id.ids)],
            "salesperson_ids": [(6, 0, self.salesperson_id.ids)],
            "collector_ids": [(6, 0, self.collector_id.ids)],
            "category_ids": [(6, 0, self.category_ids.ids)],
        })
        action = report.action_view_report()
        action["name"] = _("Customers of %(date)s", date=fields.Date.to_string(self.snapshot_date))
        return action
