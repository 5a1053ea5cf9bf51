from odoo import Command, _, api, fields, models

from ..tools import sms_text


class DebtReminderPreview(models.TransientModel):
    """What the next run of the reminder job would do, computed without sending nor keeping anything."""

    _name = "debt.reminder.preview"
    _description = "Payment Reminder Preview"

    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    run_time = fields.Datetime(
        string="Run At", required=True, default=lambda self: self._default_run_time(),
        help="The moment of the run to preview: by default the next run of the reminder job.")
    partner_ids = fields.Many2many("res.partner", string="Customers", help="Empty: every customer.")
    line_ids = fields.One2many("debt.reminder.preview.line", "preview_id", string="Reminders", readonly=True)
    send_count = fields.Integer(compute="_compute_counts", string="To Send")
    later_count = fields.Integer(compute="_compute_counts", string="Planned Later")
    fail_count = fields.Integer(compute="_compute_counts", string="Would Fail")
    hold_count = fields.Integer(compute="_compute_counts", string="On Hold")

    @api.model
    def _default_run_time(self):
        now = fields.Datetime.now()
        cron = self.env.ref("debt_collection.ir_cron_debt_send_reminders", raise_if_not_found=False)
        nextcall = cron.sudo().nextcall if cron and cron.sudo().active else False  # sudo: read the job's schedule
        return max(now, nextcall) if nextcall else now

    def _compute_display_name(self):
        # a report screen: its title, not "debt.reminder.preview,1"
        self.display_name = _("Next Run of the Reminders")

    @api.depends("line_ids.status")
    def _compute_counts(self):
        for preview in self:
            statuses = preview.line_ids.mapped("status")
            preview.send_count = statuses.count("send")
            preview.later_count = statuses.count("later")
            # a reminder whose e-mail would go but whose SMS would not (a landline, say) fails too
            preview.fail_count = statuses.count("fail") + statuses.count("partial")
            preview.hold_count = statuses.count("hold")

    def _debt_compute_lines(self):
        self.ensure_one()
        # sudo: the preview is for collection managers (access rules); the engine reads journal items,
        # templates and rules, and works in a savepoint that is rolled back.
        engine = self.env["debt.reminder"].sudo().with_company(self.company_id)
        values = engine._debt_preview(self.company_id, self.run_time, self.partner_ids.ids or None)
        for vals in values:
            if vals["status"] == "send" and vals.get("reason"):
                vals["status"] = "partial"  # sent on one channel, failed on the other (the reason says which)
        order = {"send": 0, "fail": 1, "partial": 2, "later": 3, "hold": 4}
        values.sort(key=lambda v: (order[v["status"]], v.get("planned_time") or self.run_time, v["partner_id"]))
        self.line_ids = [Command.clear()] + [Command.create(vals) for vals in values]

    def action_compute(self):
        """Refresh: the form reloads in place (no new breadcrumb)."""
        self._debt_compute_lines()
        return True

    def _action_open(self):
        """The preview's screen, its lines computed: it opens on what the run would do, not empty."""
        self.ensure_one()
        self._debt_compute_lines()
        return {
            "type": "ir.actions.act_window",
            "name": _("Next Run of the Reminders"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def action_open_preview(self):
        """Menu entry: a preview of the next run for the current company."""
        return self.create({})._action_open()


class DebtReminderPreviewLine(models.TransientModel):
    _name = "debt.reminder.preview.line"
    _description = "Payment Reminder Preview Line"
    _order = "id"

    preview_id = fields.Many2one("debt.reminder.preview", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    rule_id = fields.Many2one("debt.reminder.rule", readonly=True)
    channel = fields.Selection(related="rule_id.channel")
    status = fields.Selection(
        [("send", "Would be sent"), ("partial", "Would fail in part"), ("later", "Planned later"),
         ("fail", "Would fail"), ("hold", "On hold")],
        readonly=True)
    reason = fields.Text(readonly=True)
    planned_time = fields.Datetime(string="When", readonly=True)
    currency_id = fields.Many2one(related="preview_id.company_id.currency_id")
    amount_due = fields.Monetary(string="Amount Asked", readonly=True)
    credit_amount = fields.Monetary(string="Unapplied Credits", readonly=True)
    invoice_names = fields.Char(string="Invoices", readonly=True)
    recipient_id = fields.Many2one("res.partner", readonly=True)
    email_to = fields.Char(string="E-mail To", readonly=True)
    sms_number = fields.Char(string="SMS To", readonly=True)
    subject = fields.Char(readonly=True)
    body_html = fields.Html(string="E-mail", readonly=True, sanitize=False)
    sms_body = fields.Text(string="SMS", readonly=True)
    sms_segments = fields.Integer(string="SMS Parts", readonly=True)
    sms_encoding = fields.Char(compute="_compute_sms_info", string="SMS Encoding")
    sms_length = fields.Integer(compute="_compute_sms_info", string="SMS Length")

    @api.depends("sms_body")
    def _compute_sms_info(self):
        for line in self:
            info = sms_text.sms_segments(line.sms_body or "")
            line.sms_encoding = info["encoding"] if line.sms_body else False
            line.sms_length = info["length"]
