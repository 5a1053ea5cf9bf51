from odoo import _, api, fields, models
from odoo.exceptions import AccessError

from .many2one_no_foreign_key import Many2oneNoForeignKey


class DebtAgingReportLine(models.TransientModel):
    """One customer's amount in one column of an aging report (written in SQL by the report)."""

    _name = "debt.aging.report.line"
    _description = "Aging Report Line"
    _order = "partner_id, bucket_index"
    _rec_name = "partner_id"

    # no foreign keys on the lines, written by the hundred thousand: see Many2oneNoForeignKey
    report_id = Many2oneNoForeignKey("debt.aging.report", required=True, ondelete="cascade", index=True)
    partner_id = Many2oneNoForeignKey("res.partner", string="Customer", readonly=True)
    salesperson_id = Many2oneNoForeignKey("res.users", readonly=True)
    collector_id = Many2oneNoForeignKey("res.users", readonly=True)
    company_id = Many2oneNoForeignKey("res.company", readonly=True)
    currency_id = Many2oneNoForeignKey("res.currency", readonly=True)
    bucket_id = Many2oneNoForeignKey("debt.aging.report.bucket", string="Column", readonly=True,
                                     group_expand="_read_group_bucket_ids")
    create_uid = Many2oneNoForeignKey("res.users", string="Created by", readonly=True, automatic=True)
    write_uid = Many2oneNoForeignKey("res.users", string="Last Updated by", readonly=True, automatic=True)
    bucket_index = fields.Integer(string="Column Number", readonly=True, aggregator=False)
    bucket_label = fields.Char(string="Column Label", readonly=True)
    amount = fields.Monetary(readonly=True)
    item_count = fields.Integer(string="Items", readonly=True)
    customer_total = fields.Monetary(readonly=True, aggregator="max")
    credit_limit = fields.Monetary(readonly=True, aggregator="max")
    credit_used_percent = fields.Float(string="Credit Used (%)", readonly=True, aggregator="max")

    def write(self, vals):
        # Users have the write right on their lines only because Odoo's server actions (Actions > Open Items)
        # ask for it; the lines are written by the report alone (in SQL), never by a user.
        if not self.env.su:
            raise AccessError(self.env._(
                "The lines of an aging report are written by the report itself (View, Excel, PDF), not by hand."))
        return super().write(vals)

    @api.model
    def _read_group_bucket_ids(self, buckets, domain):
        """Every column of the reports shown, in age order, also those that hold nothing: an aging report
        always shows all its columns (Not due ... Over N), not only those with an amount."""
        return buckets.search([("report_id", "in", buckets.report_id.ids)])

    @api.model
    def read_group(self, domain, fields, groupby, offset=0, limit=None, orderby=False, lazy=True):
        # Odoo fills the empty groups of a group_expand field only in lazy mode; the pivot's column headers
        # and the graph read the columns alone in eager mode: read them lazily then (the same groups, with
        # the empty columns), under the eager mode's name of the count
        groupby_list = [groupby] if isinstance(groupby, str) else list(groupby)
        if not lazy and groupby_list == ["bucket_id"]:
            rows = super().read_group(domain, fields, groupby_list, offset=offset, limit=limit, orderby=orderby,
                                      lazy=True)
            for row in rows:
                row["__count"] = row.pop("bucket_id_count", 0)
            return rows
        return super().read_group(domain, fields, groupby, offset=offset, limit=limit, orderby=orderby, lazy=lazy)

    def action_open_items(self):
        """Drill down: the open items behind these lines (one pivot cell, one line, or a selection of
        lines); each item opens its invoice. One query per report, not one per line."""
        # sudo: the items are engine-owned, read-only to users; the lines are the user's own (record rules:
        # read below) and their report's query applies the user's rights
        self.check_access("read")
        items = self.env["debt.aging.report.item"].sudo()
        values = []
        for report, lines in self.grouped("report_id").items():
            by_cell = {(line.partner_id.id, line.company_id.id, line.bucket_index): line for line in lines}
            rows = report._fetch_items(partner_ids=lines.partner_id.ids, company_ids=lines.company_id.ids)
            for row in rows:
                line = by_cell.get((row["partner_id"], row["company_id"], row["bucket_index"]))
                if line:
                    values.append(items._values_from_row(report, row, line))
        records = items.create(values)
        return {
            "type": "ir.actions.act_window",
            "name": _("Open Items"),
            "res_model": "debt.aging.report.item",
            "view_mode": "list",
            "domain": [("id", "in", records.ids)],
            "context": {"create": False},
        }
