from odoo import api, fields, models


class DebtAgingReportItem(models.TransientModel):
    """An open receivable item behind a cell of the aging report, with its open amount as of the date."""

    _name = "debt.aging.report.item"
    _description = "Aging Report Item"
    _order = "due_date, id"

    report_id = fields.Many2one("debt.aging.report", required=True, ondelete="cascade", index=True)
    line_id = fields.Many2one("debt.aging.report.line", ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
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
    def _values_from_row(self, report, row, line=None, bucket_label=None):
        return {
            "report_id": report.id,
            "line_id": line.id if line else False,
            "partner_id": row["partner_id"],
            "company_id": row["company_id"],
            "move_line_id": row["move_line_id"],
            "move_id": row["move_id"],
            "invoice_date": row["invoice_date"],
            "due_date": row["due_date"],
            "days_overdue": row["days_overdue"],
            "bucket_label": line.bucket_label if line else bucket_label,
            "currency_id": row["currency_id"],
            "amount_currency": row["amount_currency"],
            "company_currency_id": row["company_currency_id"],
            "amount": row["amount"],
        }

    def action_open_move(self):
        self.ensure_one()
        return self.move_id.get_formview_action()
