"""Collection activity: promises made, kept and broken, and calls with their outcomes, per day, company,
collector and customer (README, "Collection activity and reminder effectiveness")."""

from odoo import _, api, fields, models, tools
from odoo.tools import SQL

from .debt_call import CHANNELS as CALL_CHANNELS
from .debt_call import OUTCOMES
from .debt_promise import PROMISE_STATES
from .sql_common import collector_sql, company_tz_sql

KINDS = [("promise", "Promise made"), ("promise_result", "Promise evaluated"), ("call", "Call")]
# Call outcomes where nobody was reached.
NOT_REACHED_OUTCOMES = ("no_answer", "wrong_number", "left_message")


class DebtCollectionActivityReport(models.Model):
    """One row per promise made, per promise evaluated (kept, partially kept or broken) and per call.

    A promise counts as made on its promise date and as kept or broken on the day the payment check closed it
    (its evaluation date): the month's kept rate is that of the promises closed in the month, as the customer's
    own "promises kept" figure. Promises and calls go to the collector recorded on them (who took the promise,
    who made the call); salesperson and customer's collector are the customer's today, as the access rules.
    """

    _name = "debt.collection.activity.report"
    _description = "Collection Activity Analysis"
    _auto = False
    _order = "date desc, id desc"
    # what the view reads: flushed by the ORM before it is queried
    _depends = {
        "debt.promise": ["date", "company_id", "partner_id", "user_id", "state", "amount", "amount_company",
                         "evaluation_date", "paid_amount"],
        "debt.call": ["date", "company_id", "partner_id", "user_id", "outcome", "channel", "duration"],
        "res.partner": ["user_id", "debt_collector_id", "tz"],
        "res.company": ["currency_id", "partner_id", "resource_calendar_id"],
        "res.currency": ["decimal_places"],
        "resource.calendar": ["tz"],
    }

    kind = fields.Selection(KINDS, string="Activity", readonly=True)
    date = fields.Date(readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    partner_category_ids = fields.Many2many(related="partner_id.category_id", string="Customer Tags")
    user_id = fields.Many2one(
        "res.users", string="Collector", readonly=True,
        help="Who made the call, or who took and follows the promise (recorded on it).")
    salesperson_id = fields.Many2one("res.users", readonly=True)
    customer_collector_id = fields.Many2one(
        "res.users", string="Customer's Collector", readonly=True,
        help="The customer's collector today (else its salesperson).")
    promise_id = fields.Many2one("debt.promise", readonly=True)
    call_id = fields.Many2one("debt.call", readonly=True)
    promise_state = fields.Selection(PROMISE_STATES, string="Promise Status", readonly=True)
    call_outcome = fields.Selection(OUTCOMES, readonly=True)
    call_channel = fields.Selection(CALL_CHANNELS, readonly=True)
    promise_count = fields.Integer(string="Promises Made", readonly=True)
    promised_amount = fields.Monetary(string="Amount Promised", readonly=True)
    evaluated_count = fields.Integer(string="Promises Evaluated", readonly=True)
    kept_count = fields.Integer(string="Promises Kept", readonly=True)
    partial_count = fields.Integer(string="Promises Partially Kept", readonly=True)
    broken_count = fields.Integer(string="Promises Broken", readonly=True)
    kept_rate = fields.Float(
        string="Kept Rate (%)", readonly=True, digits=(16, 1), aggregator="sum",
        help="Promises kept / promises evaluated (kept, partially kept or broken) x 100.")
    promise_paid_amount = fields.Monetary(
        string="Paid on Promises", readonly=True,
        help="What was paid towards the promises evaluated, in company currency.")
    call_count = fields.Integer(string="Calls", readonly=True)
    reached_count = fields.Integer(
        string="Calls Reaching the Customer", readonly=True,
        help="Calls with an outcome other than no answer, wrong number or a message left.")
    call_promise_count = fields.Integer(string="Calls Ending in a Promise", readonly=True)
    call_duration = fields.Float(string="Call Duration (Hours)", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query()))

    @api.model
    def _query(self):
        # ids: 3 x the promise's id (made), + 1 (evaluated), 3 x the call's id + 2: unique across the three kinds
        return SQL(
            """
            SELECT p.id * 3 AS id, 'promise' AS kind, p.date, p.company_id, comp.currency_id, p.partner_id,
                   p.user_id, cp.user_id AS salesperson_id, %(collector_p)s AS customer_collector_id,
                   p.id AS promise_id, NULL::int AS call_id, p.state AS promise_state,
                   NULL AS call_outcome, NULL AS call_channel,
                   1 AS promise_count, p.amount_company AS promised_amount,
                   0 AS evaluated_count, 0 AS kept_count, 0 AS partial_count, 0 AS broken_count,
                   NULL::numeric AS kept_rate, 0 AS promise_paid_amount,
                   0 AS call_count, 0 AS reached_count, 0 AS call_promise_count, 0 AS call_duration
              FROM debt_promise p
              JOIN res_partner cp ON cp.id = p.partner_id
              JOIN res_company comp ON comp.id = p.company_id
             WHERE p.state != 'cancelled'
         UNION ALL
            SELECT p.id * 3 + 1, 'promise_result', p.evaluation_date, p.company_id, comp.currency_id, p.partner_id,
                   p.user_id, cp.user_id, %(collector_p)s,
                   p.id, NULL, p.state, NULL, NULL,
                   0, 0,
                   1, (p.state = 'kept')::int, (p.state = 'partial')::int, (p.state = 'broken')::int,
                   CASE WHEN p.state = 'kept' THEN 100 ELSE 0 END,
                   ROUND(COALESCE(p.paid_amount, 0) * p.amount_company / NULLIF(p.amount, 0), cur.decimal_places),
                   0, 0, 0, 0
              FROM debt_promise p
              JOIN res_partner cp ON cp.id = p.partner_id
              JOIN res_company comp ON comp.id = p.company_id
              JOIN res_currency cur ON cur.id = comp.currency_id
             WHERE p.state IN ('kept', 'partial', 'broken') AND p.evaluation_date IS NOT NULL
         UNION ALL
            -- a call's day: in the company's time zone (the collector's office), as its chatter shows it
            SELECT c.id * 3 + 2, 'call', (c.date AT TIME ZONE 'UTC' AT TIME ZONE %(company_tz)s)::date,
                   c.company_id, comp.currency_id, c.partner_id,
                   c.user_id, cp.user_id, %(collector_c)s,
                   NULL, c.id, NULL, c.outcome, c.channel,
                   0, 0, 0, 0, 0, 0, NULL, 0,
                   1, (c.outcome NOT IN %(not_reached)s)::int, (c.outcome = 'promised')::int,
                   COALESCE(c.duration, 0)
              FROM debt_call c
              JOIN res_partner cp ON cp.id = c.partner_id
              JOIN res_company comp ON comp.id = c.company_id
              JOIN res_partner comp_p ON comp_p.id = comp.partner_id
         LEFT JOIN resource_calendar cal ON cal.id = comp.resource_calendar_id
            """,
            collector_p=collector_sql("cp", SQL("p.company_id")),
            collector_c=collector_sql("cp", SQL("c.company_id")),
            company_tz=company_tz_sql("cal", "comp_p"),
            not_reached=NOT_REACHED_OUTCOMES,
        )

    def _read_group_select(self, aggregate_spec, query):
        """The kept rate of a group is that of its sums (kept / evaluated), not an average of the rows' rates
        (Odoo's pattern: purchase_stock's vendor.delay.report)."""
        if aggregate_spec == "kept_rate:sum":
            return SQL(
                "ROUND(SUM(%s) * 100.0 / NULLIF(SUM(%s), 0), 1)",
                self._field_to_sql(self._table, "kept_count", query),
                self._field_to_sql(self._table, "evaluated_count", query))
        return super()._read_group_select(aggregate_spec, query)

    def action_open_record(self):
        """The promise or the call behind the row (read under the user's own rights)."""
        self.ensure_one()
        record = self.call_id or self.promise_id
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
            "name": _("Call") if self.call_id else _("Promise to Pay"),
        }
