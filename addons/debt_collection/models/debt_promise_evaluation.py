"""The payment check of promises to pay: the SQL that measures what was paid (shared with the customer figures),
the evaluation that closes promises kept, partially kept or broken, its chatter notes and to-dos, and the daily
job that runs it in batches."""

import logging
from collections import defaultdict
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL, float_compare, format_amount, get_lang

from .common import job_commits
from .debt_promise import EVALUATED_STATES
from .sql_common import collector_sql, company_tz_sql, customer_today_sql, open_items_sql

_logger = logging.getLogger(__name__)

# Open promises evaluated per batch by the daily cron (one set of queries per batch, a commit after each).
PROMISE_BATCH_SIZE = 2000


class DebtPromise(models.Model):
    _inherit = "debt.promise"

    # ------------------------------------------------------------------ SQL
    def _debt_promise_ctes(self, where):
        """Common table expressions over the promises matching ``where`` (an SQL condition on ``p``).

        ``prom``: the promises with their customer's "today" (its time zone, else the company's);
        ``paid``: what was paid towards each, in its currency; ``sched``: its schedule (the installments,
        or the promised date and amount) with the cumulative amount due at each date.
        """
        return SQL(
            """
            prom AS (
                SELECT p.id, p.partner_id, p.company_id, p.currency_id, p.date, p.amount, p.amount_company,
                       p.promised_date, COALESCE(p.grace_days, 0) AS grace_days,
                       COALESCE(p.open_amount_start, 0) AS open_amount_start,
                       comp.currency_id AS company_currency_id,
                       EXISTS (SELECT 1 FROM debt_promise_account_move_rel r WHERE r.promise_id = p.id)
                           AS has_invoices,
                       %(today)s AS today
                  FROM debt_promise p
                  JOIN res_partner cp ON cp.id = p.partner_id
                  JOIN res_company comp ON comp.id = p.company_id
                  JOIN res_partner comp_p ON comp_p.id = comp.partner_id
             LEFT JOIN resource_calendar cal ON cal.id = comp.resource_calendar_id
                 WHERE %(where)s
            ), open_now AS (
                SELECT r.promise_id AS id,
                       SUM(CASE WHEN pr.currency_id = pr.company_currency_id THEN aml.amount_residual
                                ELSE aml.amount_residual_currency END) AS amount
                  FROM prom pr
                  JOIN debt_promise_account_move_rel r ON r.promise_id = pr.id
                  JOIN account_move_line aml ON aml.move_id = r.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE %(open_items)s
              GROUP BY r.promise_id
            ), received AS (
                SELECT pr.id,
                       SUM(CASE WHEN pr.currency_id = pr.company_currency_id THEN -aml.balance
                                ELSE -aml.amount_currency END) AS amount
                  FROM prom pr
                  JOIN res_partner rp ON rp.commercial_partner_id = pr.partner_id
                  JOIN account_move_line aml ON aml.partner_id = rp.id AND aml.company_id = pr.company_id
                  JOIN account_move am ON am.id = aml.move_id
                  JOIN account_account acc ON acc.id = aml.account_id
                 WHERE NOT pr.has_invoices
                   AND aml.parent_state = 'posted'
                   AND acc.account_type = 'asset_receivable'
                   AND aml.balance < 0
                   AND aml.date >= pr.date
                   AND (am.origin_payment_id IS NOT NULL OR am.statement_line_id IS NOT NULL)
                   AND (pr.currency_id = pr.company_currency_id OR aml.currency_id = pr.currency_id)
              GROUP BY pr.id
            ), paid AS (
                SELECT pr.id,
                       ROUND(CASE WHEN pr.has_invoices THEN pr.open_amount_start - COALESCE(o.amount, 0)
                                  ELSE COALESCE(rc.amount, 0) END, cur.decimal_places) AS paid
                  FROM prom pr
                  JOIN res_currency cur ON cur.id = pr.currency_id
             LEFT JOIN open_now o ON o.id = pr.id
             LEFT JOIN received rc ON rc.id = pr.id
            ), sched AS (
                SELECT s.promise_id, s.line_id, s.date, s.amount, s.line_state,
                       SUM(s.amount) OVER (PARTITION BY s.promise_id ORDER BY s.date
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
                  FROM (SELECT l.promise_id, l.id AS line_id, l.date, l.amount, l.state AS line_state
                          FROM debt_promise_line l
                          JOIN prom pr ON pr.id = l.promise_id
                         UNION ALL
                        SELECT pr.id, NULL, pr.promised_date, pr.amount, NULL
                          FROM prom pr
                         WHERE NOT EXISTS (SELECT 1 FROM debt_promise_line l WHERE l.promise_id = pr.id)) s
            )
            """,
            today=customer_today_sql(fields.Datetime.now(), "cp", company_tz_sql("cal", "comp_p")),
            open_items=open_items_sql("aml", "acc"),
            where=where,
        )

    def _debt_promise_figures_sql(self, partner_ids=None, company_ids=None):
        """Per customer and company: open promises (count, remaining amount in company currency, next
        date), promises kept and evaluated over the last 12 months, and the last contact (call)."""
        promise_filter = SQL("TRUE")
        call_filter = SQL("TRUE")
        if partner_ids is not None:
            ids = tuple(partner_ids) or (None,)
            promise_filter = SQL("p.partner_id IN %s", ids)
            call_filter = SQL("c.partner_id IN %s", ids)
        if company_ids is not None:
            ids = tuple(company_ids) or (None,)
            promise_filter = SQL("%s AND p.company_id IN %s", promise_filter, ids)
            call_filter = SQL("%s AND c.company_id IN %s", call_filter, ids)
        since = fields.Datetime.now().date() - relativedelta(months=12)  # no user time zone: no query
        return SQL(
            """
            WITH %(ctes)s,
            next_due AS (
                SELECT s.promise_id, MIN(s.date) AS next_date
                  FROM sched s
                  JOIN paid pd ON pd.id = s.promise_id
                 WHERE s.cum > pd.paid
              GROUP BY s.promise_id
            ), open_fig AS (
                SELECT pr.partner_id, pr.company_id, COUNT(*) AS open_count,
                       SUM(GREATEST(pr.amount - pd.paid, 0) * pr.amount_company / NULLIF(pr.amount, 0))
                           AS open_amount,
                       MIN(nd.next_date) AS next_date
                  FROM prom pr
                  JOIN paid pd ON pd.id = pr.id
             LEFT JOIN next_due nd ON nd.promise_id = pr.id
              GROUP BY pr.partner_id, pr.company_id
            ), hist AS (
                SELECT p.partner_id, p.company_id,
                       COUNT(*) FILTER (WHERE p.state = 'kept') AS kept_count, COUNT(*) AS evaluated_count
                  FROM debt_promise p
                 WHERE p.state IN %(evaluated)s AND p.evaluation_date >= %(since)s AND %(promise_filter)s
              GROUP BY p.partner_id, p.company_id
            ), last_call AS (
                SELECT DISTINCT ON (c.partner_id, c.company_id) c.partner_id, c.company_id, c.date, c.outcome
                  FROM debt_call c
                 WHERE %(call_filter)s
              ORDER BY c.partner_id, c.company_id, c.date DESC, c.id DESC
            ), keys AS (
                SELECT partner_id, company_id FROM open_fig
                 UNION SELECT partner_id, company_id FROM hist
                 UNION SELECT partner_id, company_id FROM last_call
            )
            SELECT k.partner_id, k.company_id,
                   COALESCE(o.open_count, 0) AS promise_count,
                   ROUND(COALESCE(o.open_amount, 0), cur.decimal_places) AS promise_amount,
                   o.next_date AS promise_date,
                   COALESCE(h.kept_count, 0) AS kept_count,
                   COALESCE(h.evaluated_count, 0) AS evaluated_count,
                   CASE WHEN h.evaluated_count > 0 THEN ROUND(h.kept_count * 100.0 / h.evaluated_count, 2)
                        ELSE 0 END AS kept_rate,
                   lc.date AS last_contact_date,
                   lc.outcome AS last_contact_outcome
              FROM keys k
              JOIN res_company comp ON comp.id = k.company_id
              JOIN res_currency cur ON cur.id = comp.currency_id
         LEFT JOIN open_fig o ON o.partner_id = k.partner_id AND o.company_id = k.company_id
         LEFT JOIN hist h ON h.partner_id = k.partner_id AND h.company_id = k.company_id
         LEFT JOIN last_call lc ON lc.partner_id = k.partner_id AND lc.company_id = k.company_id
            """,
            ctes=self._debt_promise_ctes(SQL("p.state = 'open' AND %s", promise_filter)),
            evaluated=EVALUATED_STATES,
            since=since,
            promise_filter=promise_filter,
            call_filter=call_filter,
        )

    @api.model
    def _debt_promised_sql(self, promise_alias, overdue_sql):
        """SQL condition: the open promises of a customer cover its overdue amount."""
        alias = SQL.identifier(promise_alias)
        return SQL(
            "(COALESCE(%(pf)s.promise_count, 0) > 0"
            " AND COALESCE(%(pf)s.promise_amount, 0) >= COALESCE(%(overdue)s, 0))",
            pf=alias, overdue=overdue_sql)

    # ------------------------------------------------------------------ evaluation
    def _debt_evaluate(self):
        """Evaluate the open promises of ``self`` in a constant number of queries.

        A promise is kept as soon as it is fully paid (even early). Otherwise, once the date plus the
        grace days of an installment (or of the promise) is past and what was paid does not cover what
        was due by then, it is partially kept (something was paid) or broken (nothing was), and its
        later installments are cancelled. Broken and partial promises are posted in the chatter of the
        promise and of the customer, and a to-do is scheduled for the collector. Running it again the
        same day changes nothing.

        :return: the promises closed by this evaluation
        """
        if not self:
            return self
        self.env.flush_all()
        cr = self.env.cr
        cr.execute(SQL(
            """
            WITH %(ctes)s
            SELECT pr.id, pr.currency_id, pr.amount, pr.today, pr.grace_days, pd.paid,
                   s.line_id, s.date, s.cum, s.line_state
              FROM prom pr
              JOIN paid pd ON pd.id = pr.id
              JOIN sched s ON s.promise_id = pr.id
          ORDER BY pr.id, s.date
            """,
            ctes=self._debt_promise_ctes(SQL("p.id IN %s AND p.state = 'open'", tuple(self.ids))),
        ))
        rows = cr.dictfetchall()
        schedules = defaultdict(list)
        for row in rows:
            schedules[row["id"]].append(row)
        currencies = {c.id: c for c in self.env["res.currency"].browse({row["currency_id"] for row in rows})}

        promise_values = []  # (id, state, paid, evaluation_date)
        line_values = []  # (line id, state)
        outcome = {}  # closed promise id -> (state, paid, missed schedule row or None)
        for promise_id, schedule in schedules.items():
            first = schedule[0]
            currency = currencies[first["currency_id"]]
            paid, amount, today, grace = first["paid"], first["amount"], first["today"], first["grace_days"]
            state, missed = "open", None
            if float_compare(paid, amount, precision_rounding=currency.rounding) >= 0:
                state = "kept"
            else:
                for item in schedule:
                    overdue = item["date"] + timedelta(days=grace) < today
                    if overdue and float_compare(item["cum"], paid, precision_rounding=currency.rounding) > 0:
                        missed = item
                        state = "partial" if float_compare(paid, 0.0, precision_rounding=currency.rounding) > 0 \
                            else "broken"
                        break
            promise_values.append((promise_id, state, paid, today if state != "open" else None))
            if state != "open":
                outcome[promise_id] = (state, paid, missed)
            after_missed = False
            for item in schedule:
                if not item["line_id"]:
                    continue
                if state == "kept" or float_compare(item["cum"], paid, precision_rounding=currency.rounding) <= 0:
                    line_state = "kept"
                elif missed and item["line_id"] == missed["line_id"]:
                    line_state, after_missed = "missed", True
                elif after_missed:
                    line_state = "cancelled"
                else:
                    line_state = "open"
                if line_state != item["line_state"]:
                    line_values.append((item["line_id"], line_state))

        if promise_values:
            ids, states, paids, dates = zip(*promise_values, strict=True)
            cr.execute(SQL(
                """
                UPDATE debt_promise p
                   SET state = v.state, paid_amount = v.paid, evaluation_date = v.evaluation_date,
                       write_date = %(now)s, write_uid = %(uid)s
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(states)s::varchar[]) AS state,
                               unnest(%(paids)s::numeric[]) AS paid, unnest(%(dates)s::date[]) AS evaluation_date) v
                 WHERE p.id = v.id AND p.state = 'open'
                   AND (p.state, p.paid_amount, p.evaluation_date)
                       IS DISTINCT FROM (v.state, v.paid, v.evaluation_date)
             RETURNING p.id
                """,
                ids=list(ids), states=list(states), paids=list(paids), dates=list(dates),
                now=fields.Datetime.now(), uid=self.env.uid,
            ))
            # Notify only what this run closed: a concurrent run (the daily job and "Check Payments")
            # that closed a promise first leaves it out here (the row lock, then p.state = 'open').
            updated = {row[0] for row in cr.fetchall()}
            outcome = {pid: result for pid, result in outcome.items() if pid in updated}
        if line_values:
            line_ids, line_states = zip(*line_values, strict=True)
            cr.execute(SQL(
                """
                UPDATE debt_promise_line l
                   SET state = v.state, write_date = %(now)s, write_uid = %(uid)s
                  FROM (SELECT unnest(%(ids)s::int[]) AS id, unnest(%(states)s::varchar[]) AS state) v
                 WHERE l.id = v.id
                """,
                ids=list(line_ids), states=list(line_states), now=fields.Datetime.now(), uid=self.env.uid,
            ))
        self.env["debt.promise"].invalidate_model(
            ["state", "paid_amount", "evaluation_date", "write_date", "write_uid"])
        self.env["debt.promise.line"].invalidate_model(["state", "write_date", "write_uid"])
        closed = self.browse(list(outcome))
        closed._debt_notify_closed(outcome)
        return closed

    def _debt_notify_closed(self, outcome):
        """Chatter notes (promise and customer) for closed promises; a to-do for broken and partial ones.

        In Odoo's batch forms, whatever the number of promises: ``_message_log_batch`` logs the notes of all
        the promises, then of all their customers, at once; the to-dos are created in one ``mail.activity``
        ``create`` of the whole list (what ``activity_schedule`` does record by record, as Odoo's own jobs
        do), for the collector (the promise's, else the customer's collector or salesperson), who then
        follows the promise.

        :param outcome: {promise id: (state, paid, missed schedule row or None)}
        """
        if not self:
            return
        cr = self.env.cr
        cr.execute(SQL(
            """
            SELECT p.id, p.partner_id, cp.name AS partner_name, p.currency_id, p.amount, p.promised_date,
                   p.grace_days, COALESCE(p.user_id, %(collector)s) AS user_id
              FROM debt_promise p
              JOIN res_partner cp ON cp.id = p.partner_id
             WHERE p.id IN %(ids)s
            """, collector=collector_sql("cp", SQL("p.company_id")), ids=tuple(self.ids)))
        promises = cr.dictfetchall()
        currencies = self.env["res.currency"].browse({p["currency_id"] for p in promises})
        currencies.fetch(["symbol", "position", "decimal_places", "rounding", "name"])
        currencies = {currency.id: currency for currency in currencies}
        states = dict(self._fields["state"]._description_selection(self.env))
        todo_type = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        todo_model_id = self.env["ir.model"]._get_id(self._name)
        today = fields.Date.context_today(self)
        notes, partner_notes, todos = {}, defaultdict(list), []
        formatted = {}
        # Looked up once here rather than on each of the thousands of calls below (same results): the language
        # of the texts as _() finds it (the context's, else the user's: a scheduled job runs without one), and
        # that of the amounts as format_amount finds it (the context's, else the company's)
        env = self.with_context(lang=self.env.lang or self.env["res.users"].context_get().get("lang")).env
        amount_lang = get_lang(self.env).code

        def amount_text(amount, currency):
            # Odoo's format_amount, once per amount and currency (installment plans repeat them)
            if (amount, currency) not in formatted:
                formatted[amount, currency] = format_amount(self.env, amount, currency, amount_lang)
            return formatted[amount, currency]

        for promise in promises:
            state, paid, missed = outcome[promise["id"]]
            currency = currencies[promise["currency_id"]]
            values = {
                "paid": amount_text(paid, currency),
                "amount": amount_text(promise["amount"], currency),
                "date": fields.Date.to_string(promise["promised_date"]),
                "grace": promise["grace_days"] or 0,
            }
            if state == "kept":
                body = env._("Promise kept: %(paid)s paid of the %(amount)s promised by %(date)s.", **values)
            elif missed and missed["line_id"]:
                body = env._(
                    "Installment of %(due_date)s missed: %(paid)s paid of the %(due)s due by then "
                    "(%(amount)s promised in total, %(grace)s days of grace). The promise is closed as %(state)s.",
                    due=amount_text(missed["cum"], currency),
                    due_date=fields.Date.to_string(missed["date"]), state=states[state], **values)
            elif state == "partial":
                body = env._(
                    "Promise partially kept: %(paid)s paid of the %(amount)s promised by %(date)s "
                    "(%(grace)s days of grace).", **values)
            else:
                body = env._(
                    "Promise broken: nothing paid of the %(amount)s promised by %(date)s (%(grace)s days of grace).",
                    **values)
            notes[promise["id"]] = Markup("<p>%s</p>") % body  # the text is escaped (a customer's name)
            partner_notes[promise["partner_id"]].append(body)
            if state in ("partial", "broken"):
                todos.append({
                    "res_model_id": todo_model_id,
                    "res_id": promise["id"],
                    "activity_type_id": todo_type.id if todo_type else False,
                    "summary": env._(
                        "Call %(customer)s back about the broken promise", customer=promise["partner_name"]),
                    "note": notes[promise["id"]],
                    "date_deadline": today,
                    "user_id": promise["user_id"] or self.env.uid,
                    "automated": True,
                })
        self.browse(list(notes))._message_log_batch(notes)
        self.env["res.partner"].browse(list(partner_notes))._message_log_batch({
            partner_id: Markup("<p>%s</p>") % Markup("<br/>").join(texts)
            for partner_id, texts in partner_notes.items()})
        if todos:
            # mail_activity_quick_update: no e-mail per to-do (a job may close thousands of promises a day); the
            # collectors see them in their activities, and follow the promises (mail.activity.create)
            # mail.activity computes its res_name from each promise's display_name, one browse per to-do: computed
            # here for all the promises at once (one query instead of one per to-do)
            self.browse([todo["res_id"] for todo in todos]).mapped("display_name")
            self.env["mail.activity"].with_context(mail_activity_quick_update=True).create(todos)

    @api.model
    def _cron_evaluate_promises(self, batch_size=None):
        """Daily: evaluate every open promise, in batches, committing after each batch when run as a cron.

        A batch that fails is evaluated again promise by promise, each in its own savepoint, so that an
        error on one promise does not stop the others; the failing promise stays open and is logged.
        """
        batch_size = batch_size or PROMISE_BATCH_SIZE
        auto_commit = job_commits(self.env)  # by the scheduler or Run Manually; never in tests nor from a button
        cr = self.env.cr
        cr.execute("SELECT COUNT(*) FROM debt_promise WHERE state = 'open'")
        total = cr.fetchone()[0]
        done = failed = last_id = 0
        while True:
            cr.execute(SQL(
                "SELECT id FROM debt_promise WHERE state = 'open' AND id > %s ORDER BY id LIMIT %s",
                last_id, batch_size))
            ids = [row[0] for row in cr.fetchall()]
            if not ids:
                break
            last_id = ids[-1]
            batch = self.browse(ids)
            try:
                with cr.savepoint():
                    batch._debt_evaluate()
            except Exception:  # noqa: BLE001 - isolate the failing promise(s) below
                _logger.warning("Evaluating promises %s..%s failed; evaluating them one by one",
                                ids[0], ids[-1], exc_info=True)
                for promise in batch:
                    try:
                        with cr.savepoint():
                            promise._debt_evaluate()
                    except Exception:  # noqa: BLE001 - one bad promise must not stop the others
                        failed += 1
                        _logger.exception("Could not evaluate the promise to pay %s", promise.id)
            done += len(ids)
            self.env["ir.cron"]._notify_progress(done=done, remaining=max(total - done, 0))
            if auto_commit:
                cr.commit()
        if failed:
            _logger.error("%s promise(s) to pay could not be evaluated (see the errors above)", failed)
        return done
