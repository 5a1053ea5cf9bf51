from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

MAX_BACKFILL_DAYS = 800  # about two years of daily snapshots in one run (each day is one aging query)


class DebtAgingSnapshotBackfill(models.TransientModel):
    """Rebuild the aging snapshots of past days from the aging report's "as of" query (the open amounts of a past
    day rebuilt from the reconciliations dated after it). Managers only; a day already taken is replaced."""

    _name = "debt.aging.snapshot.backfill"
    _description = "Backfill Aging Snapshots"

    date_from = fields.Date(string="From", required=True,
                            default=lambda self: fields.Date.context_today(self) - relativedelta(months=12))
    date_to = fields.Date(string="To", required=True,
                          default=lambda self: fields.Date.context_today(self) - timedelta(days=1))
    frequency = fields.Selection(
        [("daily", "Every day"), ("month_end", "Last day of each month")], required=True, default="month_end",
        help="Every day gives the daily trend; the last day of each month is enough for the monthly trend and "
        "indicators, and is about thirty times quicker to rebuild.")
    company_ids = fields.Many2many("res.company", string="Companies", required=True,
                                   default=lambda self: self.env.companies,
                                   domain=lambda self: [("id", "in", self.env.companies.ids)])

    @api.model
    def _check_manager(self):
        if not self.env.user.has_group("debt_collection.group_debt_collection_manager"):
            raise AccessError(_("Only collection managers can rebuild aging snapshots."))

    @api.model
    def default_get(self, fields_list):
        self._check_manager()
        return super().default_get(fields_list)

    def _dates(self):
        """The days to rebuild, in order; a clear error for a period that is empty, in the future or too long."""
        self.ensure_one()
        today = fields.Date.context_today(self)
        if self.date_from > self.date_to:
            raise UserError(_("The period starts after it ends."))
        if self.date_to > today:
            raise UserError(_("Snapshots of days to come cannot be taken: end the period today at the latest."))
        if (self.date_to - self.date_from).days + 1 > MAX_BACKFILL_DAYS:
            raise UserError(_("Rebuild at most %(max)s days at a time.", max=MAX_BACKFILL_DAYS))
        day = self.date_from
        dates = []
        while day <= self.date_to:
            next_day = day + timedelta(days=1)
            if self.frequency == "daily" or next_day.day == 1 or day == self.date_to:
                dates.append(day)
            day = next_day
        return dates

    def action_backfill(self):
        self.ensure_one()
        self._check_manager()
        companies = self.company_ids & self.env.companies
        if not companies:
            raise UserError(_("Choose at least one of the companies you are working in."))
        dates = self._dates()
        snapshots = self.env["debt.aging.snapshot"]
        for date in dates:
            snapshots._take_snapshots(date, companies, backfilled=True)
        # sudo: the indicators are engine-owned rows; the manager is checked above
        self.env["debt.collection.indicator"].sudo()._refresh(companies)
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": _("%(count)s days of aging snapshots rebuilt.", count=len(dates) * len(companies)),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
