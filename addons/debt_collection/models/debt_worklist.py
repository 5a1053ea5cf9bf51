from odoo import fields, models
from odoo.tools import SQL

from .debt_call import OUTCOMES
from .debt_escalation import STAGES
from .sql_common import (
    collector_sql,
    company_tree_sql,
    company_tz_sql,
    company_value_sql,
    credit_figures_sql,
    credit_used_percent_sql,
    default_credit_limit_sql,
    local_date_sql,
    open_items_sql,
    over_credit_limit_sql,
    used_credit_limit_sql,
)


class DebtWorklist(models.Model):
    """One row per customer and company with open receivable items: the collection worklist.

    The rows come from one SQL query (``_auto = False``), built per request so that "today" is the
    date in each customer's time zone (else the company's) at the ORM's current time. The partner
    form's figures are read from the very same query (:meth:`_debt_figures_sql`), so both always
    agree.
    """

    _name = "debt.worklist"
    _description = "Customer to Collect"
    _auto = False
    _rec_name = "partner_id"
    _order = "overdue_amount desc, partner_id"
    _depends = {
        "account.move.line": [
            "account_id", "amount_residual", "company_id", "date", "date_maturity", "move_id",
            "parent_state", "partner_id", "reconciled",
        ],
        "account.account": ["account_type"],
        "res.partner": [
            "debt_collector_id", "commercial_partner_id", "credit_limit", "debt_manual_hold", "tz", "user_id",
            "debt_attention", "debt_attention_reason",
        ],
        "res.company": [
            "account_use_credit_limit", "debt_hold_on_credit_limit", "debt_hold_overdue_days", "parent_path",
            "partner_id", "resource_calendar_id",
        ],
        "sale.order": ["company_id", "currency_id", "partner_id", "state"],
        "sale.order.line": ["order_id", "price_total", "qty_delivered", "qty_invoiced", "untaxed_amount_to_invoice"],
        "debt.promise": [
            "amount", "amount_company", "company_id", "currency_id", "date", "evaluation_date", "grace_days",
            "invoice_ids", "open_amount_start", "partner_id", "promised_date", "state",
        ],
        "debt.promise.line": ["amount", "date", "promise_id"],
        "debt.call": ["company_id", "date", "outcome", "partner_id"],
        "debt.escalation": ["company_id", "partner_id", "stage", "state"],
    }

    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    salesperson_id = fields.Many2one("res.users", readonly=True)
    collector_id = fields.Many2one("res.users", readonly=True)
    total_receivable = fields.Monetary(readonly=True)
    not_due_amount = fields.Monetary(string="Not Yet Due", readonly=True)
    overdue_amount = fields.Monetary(string="Overdue", readonly=True)
    overdue_invoice_count = fields.Integer(string="Overdue Invoices", readonly=True)
    oldest_overdue_date = fields.Date(string="Oldest Due Date", readonly=True)
    # a group's oldest item, not a sum of ages
    oldest_overdue_days = fields.Integer(string="Oldest Overdue (Days)", readonly=True, aggregator="max")
    credit_limit = fields.Monetary(readonly=True, aggregator=False)
    sale_to_invoice = fields.Monetary(string="Ordered, Not Invoiced", readonly=True)
    credit_exposure = fields.Monetary(readonly=True)
    credit_used_percent = fields.Float(string="Credit Used (%)", readonly=True, aggregator=False)
    on_credit_hold = fields.Boolean(string="On Hold", readonly=True)
    # Calls and promises to pay (see debt.promise._debt_promise_figures_sql)
    promise_amount = fields.Monetary(string="Open Promises", readonly=True)
    promise_date = fields.Date(string="Next Promised Date", readonly=True)
    promise_kept_rate = fields.Float(string="Promises Kept (%)", readonly=True, aggregator=False)
    promise_evaluated = fields.Boolean(
        string="Promises Evaluated", readonly=True, help="Promises of the last 12 months were found kept or broken.")
    last_contact_date = fields.Datetime(string="Last Contact", readonly=True)
    last_contact_outcome = fields.Selection(OUTCOMES, readonly=True)
    promised = fields.Boolean(
        readonly=True, help="The customer's open promises to pay cover its overdue amount.")
    attention = fields.Boolean(string="Needs Attention", readonly=True)
    attention_reason = fields.Selection(
        [("wrong_number", "Wrong number"), ("disputed", "Disputed")], readonly=True)
    escalation_stage = fields.Selection(
        STAGES, string="Escalated", readonly=True,
        help="The customer is handed over to a collection agency or to legal.")

    @property
    def _table_query(self):
        return self._debt_figures_sql()

    def search_fetch(self, domain, field_names, offset=0, limit=None, order=None):
        # Every query on this model computes the whole worklist: fetch the fields of the record rules
        # (checked again when the list reads the rows) with the rows, not in one more query.
        field_names = list(field_names)
        field_names += [name for name in ("company_id", "salesperson_id", "collector_id") if name not in field_names]
        return super().search_fetch(domain, field_names, offset=offset, limit=limit, order=order)

    def _debt_figures_sql(self, partner_ids=None, company_ids=None, open_items_only=True, with_promises=True,
                          with_credit=True):
        """The one query behind the worklist and the partner's "debt at a glance".

        :param partner_ids: commercial partner ids to restrict to (None: all)
        :param company_ids: company ids to restrict to (None: all)
        :param open_items_only: only customers with open receivable items (the worklist); when
            False, customers with only confirmed, not yet invoiced sale orders come too.
        :param with_promises: join the figures of promises to pay and calls (the promise columns are
            empty otherwise; the partner's promise figures join this query the other way round).
        :param with_credit: False when the credit figures are not read (no order is counted in the exposure then).
        Amounts are in company currency. An item's due date is its ``date_maturity``, else the
        date of its move, so each installment ages on its own. Credit notes and unreconciled
        payments count as negative items on their own date.
        """
        item_filter = SQL()
        partner_filter = SQL()
        company_filter = SQL()
        if partner_ids is not None:
            ids = tuple(partner_ids) or (None,)
            partner_filter = SQL("WHERE p.commercial_partner_id IN %s", ids)
            # lets PostgreSQL fetch a few customers' items through the index on partner_id
            item_filter = SQL(
                "AND aml.partner_id IN (SELECT id FROM res_partner WHERE commercial_partner_id IN %s)", ids)
        row_filter = SQL()
        if company_ids is not None:
            # the items of the whole trees of the companies: Odoo's credit in a company counts its branches' (and
            # its parent's); the rows of the other companies are left out at the end
            trees = company_tree_sql(company_ids)
            company_filter = SQL("WHERE comp.id IN (%s)", trees)
            item_filter = SQL("%s AND aml.company_id IN (%s)", item_filter, trees)
            row_filter = SQL("WHERE l.company_id IN %s", tuple(company_ids) or (None,))
        else:
            company_ids = self.env["res.company"].sudo().search([]).ids  # sudo: every company's rows, as the view
        join = SQL("LEFT JOIN") if open_items_only else SQL("FULL OUTER JOIN")
        # Performance (bench/worklist.py): "today" is computed once per company and once per contact, not
        # once per item (the OFFSET 0 keeps PostgreSQL from evaluating it again for every joined item);
        # the open items are read from the partial index of account_move_line.py (debt_collection).
        if with_promises:
            promise_figures = self.env["debt.promise"]._debt_promise_figures_sql(
                partner_ids=partner_ids, company_ids=company_ids)
        else:
            promise_figures = SQL(
                """SELECT NULL::int AS partner_id, NULL::int AS company_id, 0 AS promise_count,
                          0::numeric AS promise_amount, NULL::date AS promise_date, 0::numeric AS kept_rate,
                          0 AS evaluated_count,
                          NULL::timestamp AS last_contact_date, NULL::varchar AS last_contact_outcome""")
        now = fields.Datetime.now()
        return SQL(
            """
            WITH companies AS (
                SELECT comp.id, comp.currency_id,
                       comp.debt_hold_on_credit_limit AS hold_on_limit,
                       comp.account_use_credit_limit AS use_limit,
                       %(default_limit)s AS default_credit_limit,
                       COALESCE(comp.debt_hold_overdue_days, 0) AS hold_overdue_days,
                       %(company_today)s AS today
                  FROM res_company comp
                  JOIN res_partner comp_p ON comp_p.id = comp.partner_id
             LEFT JOIN resource_calendar cal ON cal.id = comp.resource_calendar_id
                %(company_filter)s
                OFFSET 0
            ), contacts AS (
                -- each contact, its commercial partner, and the date in that one's time zone (NULL: none)
                SELECT p.id, p.commercial_partner_id, %(contact_today)s AS today
                  FROM res_partner p
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                %(partner_filter)s
                OFFSET 0
            ), items AS (
                SELECT aml.id, aml.move_id, aml.company_id, p.commercial_partner_id AS partner_id,
                       aml.amount_residual AS residual, p.id = p.commercial_partner_id AS own,
                       COALESCE(aml.date_maturity, aml.date) AS due_date,
                       COALESCE(p.today, c.today) AS today
                  FROM account_move_line aml
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN contacts p ON p.id = aml.partner_id
                  JOIN companies c ON c.id = aml.company_id
                 WHERE %(open_items)s
                   %(item_filter)s
            ), receivable AS (
                SELECT partner_id, company_id, MIN(id) AS id,
                       SUM(residual) AS total_receivable,
                       COALESCE(SUM(residual) FILTER (WHERE own), 0) AS own_credit,
                       COALESCE(SUM(residual) FILTER (WHERE due_date >= today), 0) AS not_due_amount,
                       COALESCE(SUM(residual) FILTER (WHERE due_date < today), 0) AS overdue_amount,
                       COUNT(DISTINCT move_id) FILTER (WHERE due_date < today AND residual > 0)
                           AS overdue_invoice_count,
                       MIN(due_date) FILTER (WHERE due_date < today AND residual > 0) AS oldest_overdue_date,
                       MAX(today - due_date) FILTER (WHERE due_date < today AND residual > 0)
                           AS oldest_overdue_days
                  FROM items
              GROUP BY partner_id, company_id
            ), credit_figures AS MATERIALIZED (
                -- Odoo's credit and credit to invoice (sql_common.credit_figures_sql)
                %(credit_figures)s
            ), figures AS (
                SELECT COALESCE(r.partner_id, cx.partner_id) AS partner_id,
                       COALESCE(r.company_id, cx.company_id) AS company_id,
                       r.id,
                       COALESCE(r.total_receivable, 0) AS total_receivable,
                       COALESCE(r.not_due_amount, 0) AS not_due_amount,
                       COALESCE(r.overdue_amount, 0) AS overdue_amount,
                       COALESCE(r.overdue_invoice_count, 0) AS overdue_invoice_count,
                       r.oldest_overdue_date,
                       COALESCE(r.oldest_overdue_days, 0) AS oldest_overdue_days,
                       COALESCE(cx.credit_to_invoice, 0) AS sale_to_invoice,
                       COALESCE(cx.credit_exposure, 0) AS credit_exposure
                  FROM receivable r
                %(join)s credit_figures cx ON cx.partner_id = r.partner_id AND cx.company_id = r.company_id
            ), limits AS (
                SELECT f.*, lim.credit_limit,
                       %(used_percent)s AS credit_used_percent,
                       %(over_limit)s AS over_credit_limit,
                       COALESCE((cp.debt_manual_hold ->> f.company_id::text)::boolean, FALSE) AS manual_hold,
                       cp.user_id AS salesperson_id,
                       %(collector)s AS collector_id,
                       comp.currency_id,
                       COALESCE(%(attention)s, FALSE) AS attention,
                       %(attention_reason)s AS attention_reason,
                       comp.hold_on_limit,
                       comp.hold_overdue_days
                  FROM figures f
                  JOIN res_partner cp ON cp.id = f.partner_id
                  JOIN companies comp ON comp.id = f.company_id
                 CROSS JOIN LATERAL (SELECT %(credit_limit)s AS credit_limit) lim
                 -- the customers only (credit_figures also has the contacts an entry was booked on)
                 WHERE cp.id = cp.commercial_partner_id
            ), pf AS MATERIALIZED (
                %(promise_figures)s
            )
            SELECT l.id, l.partner_id, l.company_id, l.currency_id, l.salesperson_id, l.collector_id,
                   l.total_receivable, l.not_due_amount, l.overdue_amount, l.overdue_invoice_count,
                   l.oldest_overdue_date, l.oldest_overdue_days, l.credit_limit,
                   l.sale_to_invoice, l.credit_exposure, l.credit_used_percent,
                   l.manual_hold,
                   (l.hold_on_limit AND l.over_credit_limit) AS hold_by_limit,
                   (l.hold_overdue_days > 0 AND l.oldest_overdue_days > l.hold_overdue_days)
                       AS hold_by_overdue,
                   (l.manual_hold
                    OR (l.hold_on_limit AND l.over_credit_limit)
                    OR (l.hold_overdue_days > 0 AND l.oldest_overdue_days > l.hold_overdue_days))
                       AS on_credit_hold,
                   COALESCE(pf.promise_amount, 0) AS promise_amount,
                   pf.promise_date,
                   COALESCE(pf.kept_rate, 0) AS promise_kept_rate,
                   COALESCE(pf.evaluated_count, 0) > 0 AS promise_evaluated,
                   pf.last_contact_date,
                   pf.last_contact_outcome,
                   %(promised)s AS promised,
                   l.attention,
                   l.attention_reason,
                   (SELECT e.stage FROM debt_escalation e WHERE e.partner_id = l.partner_id
                       AND e.company_id = l.company_id AND e.state = 'active') AS escalation_stage
              FROM limits l
         LEFT JOIN pf ON pf.partner_id = l.partner_id AND pf.company_id = l.company_id
            %(row_filter)s
            """,
            company_today=local_date_sql(now, company_tz_sql("cal", "comp_p")),
            contact_today=local_date_sql(now, SQL("NULLIF(cp.tz, '')")),
            open_items=open_items_sql("aml", "acc"),
            company_filter=company_filter,
            partner_filter=partner_filter,
            item_filter=item_filter,
            join=join,
            row_filter=row_filter,
            # Odoo's credit from the items read above (one pass over them), summed per company tree there
            credit_figures=credit_figures_sql(
                self.env, company_ids, partner_ids,
                own_credit=SQL("SELECT partner_id, company_id, own_credit AS credit FROM receivable"),
                with_orders=with_credit),
            default_limit=default_credit_limit_sql(self.env, "comp"),
            credit_limit=used_credit_limit_sql(
                self.env, "cp", "comp", SQL("comp.use_limit"), SQL("comp.default_credit_limit")),
            used_percent=credit_used_percent_sql(SQL("f.credit_exposure"), SQL("lim.credit_limit")),
            over_limit=over_credit_limit_sql(SQL("f.credit_exposure"), SQL("lim.credit_limit")),
            promise_figures=promise_figures,
            promised=self.env["debt.promise"]._debt_promised_sql("pf", SQL("l.overdue_amount")),
            # per company: the collector, the attention flag and its reason (company-dependent columns)
            collector=collector_sql("cp", SQL("f.company_id")),
            attention=company_value_sql("cp", "debt_attention", SQL("f.company_id"), "boolean"),
            attention_reason=company_value_sql("cp", "debt_attention_reason", SQL("f.company_id"), "varchar"),
        )

    def action_open_partner(self):
        self.ensure_one()
        return self.partner_id.get_formview_action()

    def action_open_items(self):
        self.ensure_one()
        return self.partner_id.with_company(self.company_id).action_view_debt_open_items()

    def action_log_note(self):
        self.ensure_one()
        return self.partner_id.action_add_debt_note()

    def action_log_call(self):
        self.ensure_one()
        return self.partner_id.action_debt_log_call()
