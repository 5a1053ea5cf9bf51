from odoo import api, fields, models
from odoo.tools import SQL


class DebtAgingSnapshotDay(models.Model):
    """One company's aging snapshot of one day: the day's header (its rows are ``debt.aging.snapshot``).

    Unique per company and day: taking the snapshot of a day again replaces that day (the cron re-run, a backfill).
    ``is_month_end`` marks the last day taken of each month, the day the monthly trend and the indicators read.
    """

    _name = "debt.aging.snapshot.day"
    _description = "Aging Snapshot Day"
    _order = "snapshot_date desc, company_id"
    _rec_name = "snapshot_date"

    snapshot_date = fields.Date(string="Date", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="company_id.currency_id")
    bounds = fields.Char(string="Aging Bounds", readonly=True)
    is_month_end = fields.Boolean(string="Last Day of the Month", readonly=True, index=True)
    amount = fields.Monetary(string="Open Amount", readonly=True)
    item_count = fields.Integer(string="Open Items", readonly=True)
    backfilled = fields.Boolean(readonly=True, help="Rebuilt afterwards from the reconciliations (as of that day), "
                                "rather than taken by the daily job on the day itself.")
    snapshot_ids = fields.One2many("debt.aging.snapshot", "day_id", string="Rows")

    _sql_constraints = [
        ("company_date_unique", "UNIQUE(company_id, snapshot_date)", "A company has one aging snapshot a day."),
    ]

    @api.model
    def _mark_month_ends(self, company_ids, dates):
        """Mark the last day taken of each month of ``dates`` (and only it) as its month's end, per company."""
        months = sorted({date.replace(day=1) for date in dates})
        self.env.cr.execute(SQL(
            """
            UPDATE debt_aging_snapshot_day d
               SET is_month_end = (d.snapshot_date = last.snapshot_date)
              FROM (SELECT company_id, date_trunc('month', snapshot_date) AS month, MAX(snapshot_date) AS snapshot_date
                      FROM debt_aging_snapshot_day
                     WHERE company_id IN %(companies)s AND date_trunc('month', snapshot_date)::date IN %(months)s
                  GROUP BY 1, 2) last
             WHERE d.company_id = last.company_id AND date_trunc('month', d.snapshot_date) = last.month
               AND d.is_month_end IS DISTINCT FROM (d.snapshot_date = last.snapshot_date)
            """, companies=tuple(company_ids), months=tuple(months)))
        self.env.cr.execute(SQL(
            """
            UPDATE debt_aging_snapshot s
               SET is_month_end = d.is_month_end
              FROM debt_aging_snapshot_day d
             WHERE s.day_id = d.id AND d.company_id IN %(companies)s
               AND date_trunc('month', d.snapshot_date)::date IN %(months)s
               AND s.is_month_end IS DISTINCT FROM d.is_month_end
            """, companies=tuple(company_ids), months=tuple(months)))
        self.invalidate_model(["is_month_end"])
        self.env["debt.aging.snapshot"].invalidate_model(["is_month_end"])
