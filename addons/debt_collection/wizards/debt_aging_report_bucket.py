from odoo import fields, models


class DebtAgingReportBucket(models.TransientModel):
    """A column of an aging report, so that the pivot orders columns by age, not by label."""

    _name = "debt.aging.report.bucket"
    _description = "Aging Report Column"
    _order = "bucket_index"

    report_id = fields.Many2one("debt.aging.report", required=True, ondelete="cascade", index=True)
    bucket_index = fields.Integer(required=True)
    name = fields.Char(required=True)
