"""Reminder effectiveness: how much of what each reminder asked for was paid within 7 and 14 days, and how
soon (README, "Collection activity and reminder effectiveness")."""

from odoo import _, api, fields, models, tools
from odoo.tools import SQL

from .debt_reminder import GONE_STATES
from .sql_common import collector_sql

# "Not fully paid (yet)" in the median of days to pay: greater than any real number of days.
NOT_PAID_DAYS = 2147483647
CHANNELS = [("email", "E-mail"), ("sms", "SMS"), ("both", "E-mail and SMS")]


class DebtReminderEffectiveness(models.Model):
    """One row per reminder that went out (queued, sent or partly sent): the open amount of its items on the day
    it was sent, and what of it the customer paid in the 7 and 14 days that followed, and so far.

    "Paid" is what was reconciled with the reminded items (payments, bank statement lines, other entries), on a
    reconciliation dated from the day of sending; a credit note cancels a debt rather than paying it and does
    not count.
    Each item is measured in its own currency, and valued at its open amount in company currency on the day
    of sending: an exchange difference is not a payment (README, worked examples).
    """

    _name = "debt.reminder.effectiveness"
    _description = "Reminder Effectiveness"
    _auto = False
    _order = "sent_date desc, id desc"
    _rec_name = "reminder_id"
    # what the view reads: flushed by the ORM before it is queried
    _depends = {
        "debt.reminder": ["company_id", "partner_id", "rule_id", "step_offset", "mail_state", "sms_state",
                          "send_date", "sent_time", "state", "line_ids"],
        "account.move.line": ["balance", "amount_currency", "currency_id", "move_id"],
        "account.partial.reconcile": ["max_date", "amount", "debit_amount_currency", "debit_move_id",
                                      "credit_move_id"],
        "account.move": ["move_type"],
        "res.partner": ["user_id", "debt_collector_id"],
        "res.company": ["currency_id"],
        "res.currency": ["rounding", "decimal_places"],
    }

    reminder_id = fields.Many2one("debt.reminder", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    partner_category_ids = fields.Many2many(related="partner_id.category_id", string="Customer Tags")
    salesperson_id = fields.Many2one("res.users", readonly=True)
    collector_id = fields.Many2one(
        "res.users", readonly=True,
        help="The customer's collector today (else its salesperson): a reminder has no collector of its own.")
    rule_id = fields.Many2one("debt.reminder.rule", string="Reminder Rule", readonly=True)
    step_offset = fields.Integer(string="Step (Days From Due Date)", readonly=True, aggregator=None)
    channel = fields.Selection(
        CHANNELS, readonly=True, help="The channels that went out (a failed one is not counted).")
    sent_date = fields.Date(string="Sent On", readonly=True, help="The customer's date when the reminder was sent.")
    reminder_count = fields.Integer(string="Reminders", readonly=True)
    item_count = fields.Integer(string="Items Reminded", readonly=True)
    reminded_amount = fields.Monetary(
        string="Amount Reminded", readonly=True,
        help="The open amount of the reminded items at the start of the day the reminder was sent, in company "
        "currency.")
    paid_7_amount = fields.Monetary(
        string="Paid Within 7 Days", readonly=True,
        help="Reconciled with the reminded items (credit notes excepted) on a day from the day of sending to 7 days "
        "after.")
    paid_14_amount = fields.Monetary(string="Paid Within 14 Days", readonly=True)
    paid_amount = fields.Monetary(string="Paid So Far", readonly=True)
    paid_7_rate = fields.Float(
        string="Paid Within 7 Days (%)", readonly=True, digits=(16, 1), aggregator="sum",
        help="Paid within 7 days / amount reminded x 100, over the reminders of the group.")
    paid_14_rate = fields.Float(
        string="Paid Within 14 Days (%)", readonly=True, digits=(16, 1), aggregator="sum",
        help="Paid within 14 days / amount reminded x 100, over the reminders of the group.")
    days_to_pay = fields.Integer(
        string="Median Days to Pay", readonly=True, aggregator="max",
        help="Half of the reminders of the group were fully paid within this many days of being sent. Empty "
        "while fewer than half of them are fully paid. On one reminder: the days until its items were fully paid.")

    # --- the view ------------------------------------------------------------------------------------------------

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    @api.model
    def _query(self):
        """One row per reminder that went out; the figures of its items, each measured from the partial
        reconciliations of the item (``account_partial_reconcile``) in one pass, no query per reminder."""
        return SQL(
            """
            WITH rem AS NOT MATERIALIZED (
                SELECT r.id, r.company_id, r.partner_id, r.rule_id, r.step_offset,
                       CASE WHEN r.mail_state IN ('queued', 'sent') AND r.sms_state IN ('queued', 'sent') THEN 'both'
                            WHEN r.sms_state IN ('queued', 'sent') THEN 'sms'
                            ELSE 'email' END AS channel,
                       -- the customer's date when it was written and sent (send_date), else the UTC one
                       COALESCE(r.send_date, (r.sent_time AT TIME ZONE 'UTC')::date) AS sent_date
                  FROM debt_reminder r
                 WHERE r.state IN %(gone)s AND r.sent_time IS NOT NULL
            ), refund_line AS (
                -- the lines of credit notes: a credit note cancels a debt rather than paying it
                SELECT cl.id
                  FROM account_move_line cl
                 WHERE cl.move_id IN (SELECT m.id FROM account_move m WHERE m.move_type = 'out_refund')
            ), item AS (
                -- each reminded item (its partial reconciliations on the invoice side, debit), in company currency
                -- and in its own: open at the start of the day of sending, and what was reconciled with it from
                -- that day, credit notes excepted (an exchange difference has no amount in the item's currency)
                SELECT rem.id AS reminder_id,
                       aml.balance - COALESCE(SUM(apr.amount) FILTER (WHERE apr.max_date < rem.sent_date), 0)
                           AS open_company,
                       aml.amount_currency
                           - COALESCE(SUM(apr.debit_amount_currency) FILTER (WHERE apr.max_date < rem.sent_date), 0)
                           AS open_currency,
                       COALESCE(SUM(apr.debit_amount_currency) FILTER (
                           WHERE rl.id IS NULL AND apr.max_date >= rem.sent_date AND apr.max_date <= rem.sent_date + 7
                       ), 0) AS paid_7_currency,
                       COALESCE(SUM(apr.debit_amount_currency) FILTER (
                           WHERE rl.id IS NULL AND apr.max_date >= rem.sent_date AND apr.max_date <= rem.sent_date + 14
                       ), 0) AS paid_14_currency,
                       COALESCE(SUM(apr.debit_amount_currency) FILTER (
                           WHERE rl.id IS NULL AND apr.max_date >= rem.sent_date), 0) AS paid_currency,
                       -- once fully paid, nothing more can be reconciled with it: its last payment is the day
                       MAX(apr.max_date) FILTER (WHERE rl.id IS NULL AND apr.max_date >= rem.sent_date) AS last_paid,
                       MAX(cur.rounding) AS rounding
                  FROM rem
                  JOIN debt_reminder_move_line_rel rel ON rel.reminder_id = rem.id
                  JOIN account_move_line aml ON aml.id = rel.move_line_id
                  JOIN res_currency cur ON cur.id = aml.currency_id
             LEFT JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
             LEFT JOIN refund_line rl ON rl.id = apr.credit_move_id
                 WHERE aml.balance > 0
              GROUP BY rem.id, aml.id
            ), per_reminder AS (
                -- each item's share paid (in its currency) applied to its open amount in company currency; fully
                -- paid once every item is, on the day of the last one
                SELECT reminder_id, COUNT(*) AS item_count,
                       SUM(open_company) AS reminded,
                       SUM(open_company * LEAST(1.0, paid_7_currency / open_currency)) AS paid_7,
                       SUM(open_company * LEAST(1.0, paid_14_currency / open_currency)) AS paid_14,
                       SUM(open_company * LEAST(1.0, paid_currency / open_currency)) AS paid,
                       CASE WHEN BOOL_AND(paid_currency >= open_currency - rounding / 2) THEN MAX(last_paid) END
                           AS paid_date
                  FROM item
                 WHERE open_currency > 0 AND open_company > 0
              GROUP BY reminder_id
            )
            SELECT rem.id, rem.id AS reminder_id, rem.company_id, comp.currency_id, rem.partner_id,
                   cp.user_id AS salesperson_id, %(collector)s AS collector_id,
                   rem.rule_id, rem.step_offset, rem.channel, rem.sent_date,
                   1 AS reminder_count, pr.item_count,
                   ROUND(pr.reminded, cur.decimal_places) AS reminded_amount,
                   ROUND(pr.paid_7, cur.decimal_places) AS paid_7_amount,
                   ROUND(pr.paid_14, cur.decimal_places) AS paid_14_amount,
                   ROUND(pr.paid, cur.decimal_places) AS paid_amount,
                   ROUND(pr.paid_7 * 100 / pr.reminded, 1) AS paid_7_rate,
                   ROUND(pr.paid_14 * 100 / pr.reminded, 1) AS paid_14_rate,
                   pr.paid_date - rem.sent_date AS days_to_pay
              FROM rem
              JOIN per_reminder pr ON pr.reminder_id = rem.id
              JOIN res_partner cp ON cp.id = rem.partner_id
              JOIN res_company comp ON comp.id = rem.company_id
              JOIN res_currency cur ON cur.id = comp.currency_id
            """,
            gone=GONE_STATES,
            collector=collector_sql("cp", SQL("rem.company_id")),
        )

    # --- weighted figures of a group (Odoo's pattern: purchase_stock's vendor.delay.report) ----------------------

    def _read_group_select(self, aggregate_spec, query):
        """The shares of a group are those of its sums (an amount-weighted share, not an average of the
        reminders' shares); its days to pay, the median over its reminders, the ones not fully paid counting as
        never paid (so that it is empty while fewer than half are paid)."""
        field = self._field_to_sql
        if aggregate_spec in ("paid_7_rate:sum", "paid_14_rate:sum"):
            paid = "paid_7_amount" if aggregate_spec.startswith("paid_7") else "paid_14_amount"
            return SQL(
                "ROUND(SUM(%s) * 100 / NULLIF(SUM(%s), 0), 1)",
                field(self._table, paid, query), field(self._table, "reminded_amount", query))
        if aggregate_spec == "days_to_pay:max":
            return SQL(
                "NULLIF(PERCENTILE_DISC(0.5) WITHIN GROUP (ORDER BY COALESCE(%s, %s)), %s)",
                field(self._table, "days_to_pay", query), NOT_PAID_DAYS, NOT_PAID_DAYS)
        return super()._read_group_select(aggregate_spec, query)

    # --- drill-down ----------------------------------------------------------------------------------------------

    def action_open_reminder(self):
        """The reminder behind the row (read under the user's own rights)."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "debt.reminder",
            "res_id": self.reminder_id.id,
            "views": [(False, "form")],
            "name": _("Payment Reminder"),
        }

