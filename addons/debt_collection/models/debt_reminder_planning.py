"""Payment reminders, planning: what is due for each customer, the planned reminders, the hourly job.

The job (:meth:`_cron_send_reminders`) plans the reminders of each company, then hands the due ones to
delivery (``debt_reminder_delivery.py``) batch by batch.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time, timedelta

import pytz

from odoo import Command, _, api, fields, models, tools
from odoo.tools import SQL, split_every

from ..tools import schedule
from .common import job_commits
from .debt_reminder import COVERING_STATES, GONE_STATES, PLAN_BATCH_SIZE, SEND_BATCH_SIZE
from .sql_common import open_items_sql

_logger = logging.getLogger(__name__)

LOCK_NAME = "debt_collection.reminders"  # the run's advisory lock, and its ir.logging records


class DebtReminder(models.Model):
    _inherit = "debt.reminder"

    # --- the engine: company set-up ------------------------------------------------------------------------------

    @api.model
    def _debt_setup(self, company, now):
        """Everything about ``company`` the engine needs, read once per run."""
        rules = self.env["debt.reminder.rule"].search([("company_id", "=", company.id)], order="sequence, id")
        steps, broken = [], []
        for order, rule in enumerate(rules):
            try:
                steps.extend((offset, order, rule.id) for offset in rule._offsets())
            except schedule.ScheduleError:
                broken.append(rule)  # cannot happen through the ORM (constraint); skipped, logged
        if broken:
            _logger.warning("debt reminders: rules with an invalid repetition ignored: %s", broken.ids)
        company_tz = company._debt_timezone()
        calendar = company.resource_calendar_id
        calendar_error = False
        if not calendar:
            calendar_error = _("The company %s has no working hours (resource calendar).", company.name)
        elif not calendar.attendance_ids.filtered(
                lambda a: not a.resource_id and not a.display_type and a.day_period != "lunch"):
            calendar_error = _("The working hours %s have no working time.", calendar.name)
        offsets = [step[0] for step in steps]
        return {
            "company": company,
            "rules": {rule.id: rule for rule in rules},
            "steps": steps,
            "lead_days": max([0, *(-offset for offset in offsets)]),
            "order": {rule.id: order for order, rule in enumerate(rules)},
            "rule_tags": {rule.id: set(rule.partner_category_ids.ids) for rule in rules},
            "tagged_rules": any(rule.partner_category_ids for rule in rules),
            "company_tz": company_tz,
            "calendar_error": calendar_error,
            "calendar": calendar,
            "work_time": {},  # the calendar's working time per time zone, computed once per run when needed
            "cap_days": company.debt_reminder_cap_days,
            "plain_sms": company.debt_reminder_sms_plain,
        }

    @api.model
    def _debt_zone(self, setup, partner_tz, zones):
        """The customer's ``ZoneInfo`` (its own time zone, else the company's), or a failure reason."""
        name = partner_tz or setup["company_tz"]
        if name not in zones:
            try:
                zones[name] = schedule.get_zone(name)
                pytz.timezone(name)  # the calendar's working time is read with pytz (Odoo's)
            except (schedule.ScheduleError, pytz.UnknownTimeZoneError):
                zones[name] = _(
                    "Unknown time zone %(tz)s on %(owner)s: choose a valid time zone so that reminders are "
                    "sent in working hours.",
                    tz=name, owner=_("the customer") if partner_tz else _("the company"))
        return zones[name]

    # --- the engine: what is due ---------------------------------------------------------------------------------

    @api.model
    def _debt_open_items(self, company, partner_ids=None, horizon=None):
        """Open receivable items (company currency) of the customers of ``company`` that have an item
        due on or before ``horizon`` (all customers with open items when None), in one query:
        ``{commercial partner id: [(line id, due date, residual)]}``, by due date."""
        partner_filter = SQL()
        if partner_ids is not None:
            partner_filter = SQL("AND cp.id = ANY(%s)", list(partner_ids))
        horizon_filter = SQL()
        if horizon is not None:
            horizon_filter = SQL("WHERE i.partner_id IN (SELECT partner_id FROM items WHERE residual > 0 "
                                 "AND due_date <= %s)", horizon)
        self.env.flush_all()
        rows = self.env.execute_query(SQL(
            """
            WITH items AS (
                SELECT aml.id, cp.id AS partner_id, COALESCE(aml.date_maturity, aml.date) AS due_date,
                       aml.amount_residual AS residual
                  FROM account_move_line aml
                  JOIN account_account acc ON acc.id = aml.account_id
                  JOIN res_partner p ON p.id = aml.partner_id
                  JOIN res_partner cp ON cp.id = p.commercial_partner_id
                 WHERE aml.company_id = %(company)s
                   AND %(open_items)s
                   %(partner_filter)s
            )
            SELECT i.partner_id, i.id, i.due_date, i.residual
              FROM items i
              %(horizon_filter)s
          ORDER BY i.partner_id, i.due_date, i.id
            """,
            company=company.id, open_items=open_items_sql("aml", "acc"), partner_filter=partner_filter,
            horizon_filter=horizon_filter,
        ))
        items = defaultdict(list)
        for partner_id, line_id, due_date, residual in rows:
            items[partner_id].append((line_id, due_date, residual))
        return items

    @api.model
    def _debt_partner_info(self, partner_ids, company):
        """tz, "no reminders", disputed call pending (both in ``company``) and tags of customers, in one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT p.id, p.tz, COALESCE((p.no_reminder ->> %(company)s)::boolean, FALSE),
                   COALESCE((p.debt_attention ->> %(company)s)::boolean, FALSE)
                   AND (p.debt_attention_reason ->> %(company)s) = 'disputed',
                   ARRAY(SELECT rel.category_id FROM res_partner_res_partner_category_rel rel
                          WHERE rel.partner_id = p.id) AS tags
              FROM res_partner p
             WHERE p.id = ANY(%(partners)s)
            """, company=str(company.id), partners=list(partner_ids)))
        return {
            pid: {"tz": tz, "no_reminder": no_reminder, "disputed": disputed, "tags": set(tags)}
            for pid, tz, no_reminder, disputed, tags in rows
        }

    @api.model
    def _debt_coverage(self, company, partner_ids):
        """``{(line id, rule id): last cycle date}`` of the reminders covering the customers' items."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT rel.move_line_id, r.rule_id, MAX(r.cycle_date)
              FROM debt_reminder r
              JOIN debt_reminder_move_line_rel rel ON rel.reminder_id = r.id
             WHERE r.company_id = %s AND r.partner_id = ANY(%s) AND r.state IN %s
          GROUP BY rel.move_line_id, r.rule_id
            """, company.id, list(partner_ids), COVERING_STATES))
        return {(line_id, rule_id): cycle for line_id, rule_id, cycle in rows}

    @api.model
    def _debt_history(self, company, partner_ids, exclude_ids=()):
        """``{partner id: (last sent time, has a planned reminder)}`` in one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT partner_id, MAX(sent_time) FILTER (WHERE state IN %s), BOOL_OR(state = 'planned')
              FROM debt_reminder
             WHERE company_id = %s AND partner_id = ANY(%s) AND id != ALL(%s)
          GROUP BY partner_id
            """, GONE_STATES, company.id, list(partner_ids), list(exclude_ids)))
        return {pid: (last_sent, planned) for pid, last_sent, planned in rows}

    @api.model
    def _debt_paused_partners(self, company, partner_ids, info):
        """``{partner id: reason}`` of the customers not to remind now: "no reminders", and the holds
        of the collection work (open promise covering the overdue amount, disputed call pending)."""
        paused = {}
        promised = self.env["res.partner"]._debt_promised_partner_ids(partner_ids, company)
        escalated = self.env["debt.escalation"]._debt_escalated_partner_ids(partner_ids, company)
        for pid in partner_ids:
            if info.get(pid, {}).get("no_reminder"):
                paused[pid] = _("The customer is set to receive no reminders.")
            elif pid in escalated:
                paused[pid] = _("The customer is handed over to a collection agency or to legal: reminders wait "
                                "until the case is returned.")
            elif pid in promised:
                paused[pid] = _("The customer's open promise to pay covers its overdue amount: reminders wait "
                                "until it is kept or broken.")
            elif info.get(pid, {}).get("disputed"):
                paused[pid] = _("The customer's debt is disputed (a call or an answer to a balance confirmation): "
                                "reminders wait until the dispute is cleared.")
        return paused

    @api.model
    def _debt_candidates(self, setup, now, partner_ids=None, force=False):
        """What the engine would do for each customer of the company at ``now``.

        :param force: "send now": steps already covered count again, no frequency cap
        :returns: list of dicts ``{partner_id, status, reason, rule, step_offset, items, amount,
            credit, amount_due, cycle_date, planned_time}``, ``status`` being ``plan`` (a reminder to
            create), ``fail`` (to create and fail at once, e.g. unknown time zone) or ``hold`` (nothing
            to create now; ``reason`` says why)
        """
        company = setup["company"]
        if not setup["steps"]:
            return []
        horizon = (now + timedelta(days=setup["lead_days"] + 1)).date()
        items_by_partner = self._debt_open_items(company, partner_ids=partner_ids, horizon=horizon)
        pids = list(items_by_partner)
        info = self._debt_partner_info(pids, company)
        coverage = {} if force else self._debt_coverage(company, pids)
        history = self._debt_history(company, pids)
        paused = self._debt_paused_partners(company, pids, info)
        rules = setup["rules"]
        zones = {}
        result = []
        for pid, items in items_by_partner.items():
            pinfo = info.get(pid, {})
            zone = self._debt_zone(setup, pinfo.get("tz"), zones)
            zone_error = isinstance(zone, str) and zone
            today = schedule.local_date(now, schedule.get_zone("UTC") if zone_error else zone)
            steps = setup["steps"]
            if setup["tagged_rules"]:
                tags = pinfo.get("tags", set())
                rule_tags = setup["rule_tags"]
                steps = [s for s in steps if not rule_tags[s[2]] or tags & rule_tags[s[2]]]
            best, due_items = None, defaultdict(list)
            for line_id, due_date, residual in items:
                if residual <= 0:
                    continue
                step = schedule.current_step((today - due_date).days, steps)
                if not step:
                    continue
                offset, rule_id = step
                if schedule.is_covered(due_date, offset, coverage.get((line_id, rule_id))):
                    continue
                due_items[rule_id].append((line_id, due_date, residual))
                key = (offset, -setup["order"][rule_id])
                if best is None or key > best[0]:
                    best = (key, rule_id, offset)
            if best is None:
                continue
            rule = rules[best[1]]
            chosen = due_items[rule.id]
            amount = sum(residual for _line, _due, residual in chosen)
            credit = -sum(residual for _line, _due, residual in items if residual < 0)
            amount_due = max(company.currency_id.round(amount - credit), 0.0)
            candidate = {
                "partner_id": pid, "rule": rule, "step_offset": best[2], "items": chosen,
                "amount": amount, "credit": credit, "amount_due": amount_due, "cycle_date": today,
                "status": "plan", "reason": False, "planned_time": now,
            }
            last_sent, has_planned = history.get(pid, (None, False))
            if pid in paused:
                candidate.update(status="hold", reason=paused[pid])
            elif amount_due <= 0:
                candidate.update(status="hold", reason=_(
                    "Nothing to ask: the customer's unapplied payments and credit notes (%s) cover the items.",
                    tools.format_amount(self.env, credit, company.currency_id)))
            elif company.currency_id.compare_amounts(amount_due, rule.min_amount) < 0:
                candidate.update(status="hold", reason=_(
                    "The customer owes %(amount)s under the rule, less than its minimum of %(minimum)s.",
                    amount=tools.format_amount(self.env, amount_due, company.currency_id),
                    minimum=tools.format_amount(self.env, rule.min_amount, company.currency_id)))
            elif has_planned and not force:
                candidate.update(status="hold", reason=_("A reminder is already planned for this customer."))
            elif zone_error:
                candidate.update(status="fail", reason=zone_error)
            elif not force and last_sent and not schedule.cap_allows(
                    today, schedule.local_date(last_sent, zone), setup["cap_days"]):
                next_date = schedule.cap_next_date(schedule.local_date(last_sent, zone), setup["cap_days"])
                candidate.update(status="hold", reason=_(
                    "At most one reminder every %(days)s days: the next one can go out on %(date)s.",
                    days=setup["cap_days"], date=tools.format_date(self.env, next_date)))
            elif not force:
                if setup["calendar_error"]:
                    candidate.update(status="hold", reason=setup["calendar_error"])
                else:
                    planned_time = setup["calendar"]._debt_next_work_moments(
                        {pid: now}, zone.key, company, setup["work_time"])[pid]
                    if planned_time:
                        candidate["planned_time"] = planned_time
                    else:
                        candidate.update(status="hold", reason=_(
                            "No working hours in the company's calendar in the coming year."))
            result.append(candidate)
        return result

    # --- the engine: planning ------------------------------------------------------------------------------------

    @api.model
    def _debt_insert(self, candidates, now):
        """Insert the reminders of ``candidates`` (status plan or fail) in two queries, skipping those
        whose (customer, rule, cycle date) already exists. Returns the new reminders."""
        candidates = [c for c in candidates if c["status"] in ("plan", "fail")]
        if not candidates:
            return self.browse()
        self.env.flush_all()
        rows = [
            SQL("(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
                c["partner_id"], c["rule"].company_id.id, c["rule"].id, c["cycle_date"], c["step_offset"],
                c["amount"], c["credit"], c["amount_due"],
                c["planned_time"] if c["status"] == "plan" else now,
                "planned", c["reason"] or None, self.env.uid, self.env.uid, now, now)
            for c in candidates
        ]
        inserted = self.env.execute_query(SQL(
            """
            INSERT INTO debt_reminder (partner_id, company_id, rule_id, cycle_date, step_offset, amount,
                                       credit_amount, amount_due, planned_time, state, reason,
                                       create_uid, write_uid, create_date, write_date)
            VALUES %s
            ON CONFLICT (partner_id, rule_id, cycle_date) DO NOTHING
            RETURNING id, partner_id, rule_id
            """, SQL(", ").join(rows)))
        if not inserted:
            return self.browse()
        new_ids = {(pid, rule_id): rid for rid, pid, rule_id in inserted}
        rel_reminders, rel_lines = [], []
        for candidate in candidates:
            reminder_id = new_ids.get((candidate["partner_id"], candidate["rule"].id))
            if reminder_id:
                for line_id, _due, _residual in candidate["items"]:
                    rel_reminders.append(reminder_id)
                    rel_lines.append(line_id)
        self.env.execute_query(SQL(
            """
            INSERT INTO debt_reminder_move_line_rel (reminder_id, move_line_id)
                 SELECT * FROM unnest(%s::int[], %s::int[])
            """, rel_reminders, rel_lines))
        self.invalidate_model()
        return self.browse(sorted(new_ids.values()))

    @api.model
    def _debt_plan(self, setup, now, auto_commit, partner_ids=None, batch_size=PLAN_BATCH_SIZE):
        """Phase 1 for one company: insert the planned reminders. Returns how many were planned."""
        candidates = self._debt_candidates(setup, now, partner_ids=partner_ids)
        planned = 0
        for chunk in split_every(batch_size, [c for c in candidates if c["status"] in ("plan", "fail")]):
            with self._debt_transaction(auto_commit):
                planned += len(self._debt_insert(chunk, now))
        return planned

    @contextmanager
    def _debt_transaction(self, auto_commit):
        """One batch of work: committed at the end (cron), or a savepoint (tests, user actions)."""
        if not auto_commit:
            with self.env.cr.savepoint():
                yield
            return
        try:
            yield
            self.env.cr.commit()
        except Exception:
            self.env.cr.rollback()
            self.env.invalidate_all()
            raise

    # --- the cron ------------------------------------------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self, now=None, send_batch_size=SEND_BATCH_SIZE, plan_batch_size=PLAN_BATCH_SIZE):
        """Plan the reminders due, then send those whose time has come, company by company.

        One run at a time: a second run started meanwhile (a manual run beside the scheduled one) finds the
        lock taken and leaves. A company whose work raises is rolled back, recorded (``ir.logging``, the
        server log) and the run goes on with the next one."""
        auto_commit = job_commits(self.env)
        now = now or fields.Datetime.now()
        if not self._debt_try_lock():
            _logger.info("debt reminders: another run is in progress, this one leaves")
            return
        try:
            done, failed = 0, []
            for company in self.env["debt.reminder.rule"].search([]).company_id:
                engine = self.with_company(company)
                try:
                    if auto_commit:  # each batch commits: what was done before an error is kept
                        done += engine._debt_run_company(company, now, auto_commit, send_batch_size,
                                                         plan_batch_size, done)
                    else:
                        with self.env.cr.savepoint():
                            done += engine._debt_run_company(company, now, auto_commit, send_batch_size,
                                                             plan_batch_size, done)
                except Exception as error:  # noqa: BLE001 - one company's failure must not stop the others
                    if auto_commit:
                        self.env.cr.rollback()
                    self.env.invalidate_all()
                    _logger.exception("debt reminders: the run failed for the company %s", company.name)
                    failed.append(company.name)
                    self._debt_record_failure(_("Payment reminders of %(company)s: the run failed: %(error)s",
                                                company=company.name, error=error), auto_commit)
            if failed:
                _logger.error("debt reminders: run finished with failures in: %s", ", ".join(failed))
            self.env["ir.cron"]._notify_progress(done=done, remaining=0)
        finally:
            self._debt_release_lock()

    @api.model
    def _debt_run_company(self, company, now, auto_commit, send_batch_size, plan_batch_size, done):
        """Plan and send the reminders of one company. Returns how many were processed."""
        setup = self._debt_setup(company, now)
        if setup["calendar_error"]:
            _logger.warning("debt reminders: %s Nothing is planned for this company.", setup["calendar_error"])
        planned = self._debt_plan(setup, now, auto_commit, batch_size=plan_batch_size)
        retried = self._debt_plan_retries(company, now, auto_commit)
        processed = self._debt_send_due(setup, now, auto_commit, batch_size=send_batch_size, done=done)
        _logger.info("debt reminders: company %s: %s planned, %s retried, %s processed",
                     company.name, planned, retried, processed)
        return processed

    @api.model
    def _debt_lock_key(self):
        return SQL("hashtext(%s)", LOCK_NAME)

    @api.model
    def _debt_try_lock(self):
        """Take the run's lock (a session-level PostgreSQL advisory lock: it survives the commits between
        batches, and PostgreSQL releases it if the worker dies). False when another run holds it."""
        return self.env.execute_query(SQL("SELECT pg_try_advisory_lock(%s)", self._debt_lock_key()))[0][0]

    @api.model
    def _debt_release_lock(self):
        self.env.execute_query(SQL("SELECT pg_advisory_unlock(%s)", self._debt_lock_key()))

    @api.model
    def _debt_record_failure(self, message, auto_commit):
        """Record a failure of the run where administrators look for them (Settings > Technical > Logging)."""
        # sudo: a technical log line written by the job
        self.env["ir.logging"].sudo().create({
            "name": LOCK_NAME, "type": "server", "dbname": self.env.cr.dbname, "level": "ERROR",
            "message": message, "path": "debt_collection", "func": "_cron_send_reminders", "line": "0",
        })
        if auto_commit:
            self.env.cr.commit()

    @api.model
    def _debt_plan_retries(self, company, now, auto_commit):
        """Plan again, once, the reminders with a failed channel (an e-mail that bounced or that the mail
        server refused, an SMS the provider refused, a missing address since fixed...): only the failed
        channels go out again (see ``_debt_deliver``). Returns how many."""
        self.env.flush_all()
        with self._debt_transaction(auto_commit):
            rows = self.env.execute_query(SQL(
                """
                UPDATE debt_reminder
                   SET state = 'planned', retry_count = COALESCE(retry_count, 0) + 1, planned_time = %(now)s,
                       write_uid = %(uid)s, write_date = %(now)s
                 WHERE company_id = %(company)s AND state IN ('failed', 'partial') AND COALESCE(retry_count, 0) = 0
                   AND (mail_state = 'failed' OR sms_state = 'failed')
             RETURNING id
                """, now=now, uid=self.env.uid, company=company.id))
            self.invalidate_model()
        return len(rows)

    @api.model
    def _debt_send_due(self, setup, now, auto_commit, batch_size=SEND_BATCH_SIZE, done=0):
        """Phase 2 for one company: process the planned reminders due at ``now``, batch by batch."""
        company = setup["company"]
        due_domain = SQL(
            "company_id = %s AND state = 'planned' AND planned_time <= %s", company.id, now)
        self.env.flush_all()
        total = self.env.execute_query(SQL("SELECT COUNT(*) FROM debt_reminder WHERE %s", due_domain))[0][0]
        seen = []
        processed = 0
        while True:
            with self._debt_transaction(auto_commit):
                ids = [row[0] for row in self.env.execute_query(SQL(
                    """
                    SELECT id FROM debt_reminder
                     WHERE %s AND id != ALL(%s)
                  ORDER BY planned_time, id
                     LIMIT %s
                       FOR UPDATE SKIP LOCKED
                    """, due_domain, seen, batch_size))]
                if ids:
                    self.browse(ids)._debt_process_isolated(setup, now)
            if not ids:
                break
            seen.extend(ids)
            processed += len(ids)
            self.env["ir.cron"]._notify_progress(done=done + processed, remaining=max(total - processed, 0))
            if auto_commit:
                self.env.cr.commit()
        return processed

    def _debt_process_isolated(self, setup, now):
        """:meth:`_debt_process` for a batch; if the batch raises, it is rolled back and processed again
        reminder by reminder, so that only the reminders that raise on their own fail (with the error)."""
        try:
            with self.env.cr.savepoint():
                self._debt_process(setup, now)
            return
        except Exception:  # noqa: BLE001 - isolated below, reminder by reminder
            self.env.invalidate_all()
            _logger.warning("debt reminders: batch %s failed, processed again one by one", self.ids, exc_info=True)
        for reminder in self:
            try:
                with self.env.cr.savepoint():
                    reminder._debt_process(setup, now)
            except Exception as error:  # noqa: BLE001 - this reminder fails, the others go on
                self.env.invalidate_all()
                _logger.exception("debt reminders: reminder %s failed", reminder.id)
                reminder._debt_write_rows(("state", "reason", "sent_time"), {reminder.id: (
                    "failed", _("The reminder could not be processed: %s", str(error) or type(error).__name__),
                    None)})
                reminder._debt_post_failure_notes()

    # --- the engine: sending -------------------------------------------------------------------------------------

    @api.model
    def _debt_credits(self, company, partner_ids):
        """``{partner id: unapplied credits}`` (open credit notes, unreconciled payments), one query."""
        if not partner_ids:
            return {}
        rows = self.env.execute_query(SQL(
            """
            SELECT cp.id, -SUM(aml.amount_residual)
              FROM account_move_line aml
              JOIN account_account acc ON acc.id = aml.account_id
              JOIN res_partner p ON p.id = aml.partner_id
              JOIN res_partner cp ON cp.id = p.commercial_partner_id
             WHERE aml.company_id = %s AND cp.id = ANY(%s)
               AND %s AND aml.amount_residual < 0
          GROUP BY cp.id
            """, company.id, list(partner_ids), open_items_sql("aml", "acc")))
        return dict(rows)

    def _debt_process(self, setup, now, force=False):
        """Send, postpone, skip or fail the planned reminders ``self`` (one company).

        :param force: "send now": ignore working hours and the frequency cap
        """
        company = setup["company"]
        self.env.flush_all()
        self._debt_fetch_items()
        pids = list(set(self.partner_id.ids))
        info = self._debt_partner_info(pids, company)
        paused = self._debt_paused_partners(company, pids, info)
        credits = self._debt_credits(company, pids)
        history = self._debt_history(company, pids, exclude_ids=self.ids)
        zones = {}
        to_send, tz_failed = [], []
        amounts = {}  # {reminder id: (amount, credit, amount due)} of the reminders to send now
        decided = {}  # {reminder id: (state, reason, planned time)} of the others (skipped, failed, postponed)
        currency = company.currency_id
        for reminder in self:
            pid = reminder.partner_id.id
            open_lines = reminder.line_ids.filtered(lambda line: not line.reconciled and line.amount_residual > 0)
            amount = sum(open_lines.mapped("amount_residual"))
            credit = credits.get(pid, 0.0)
            amount_due = max(currency.round(amount - credit), 0.0)
            skip_reason = False
            if pid in paused:
                skip_reason = paused[pid]
            elif not open_lines:
                skip_reason = _("The items were paid or settled before the reminder went out.")
            elif amount_due <= 0:
                skip_reason = _(
                    "The customer's unapplied payments and credit notes (%s) cover the items.",
                    tools.format_amount(self.env, credit, currency))
            elif currency.compare_amounts(amount_due, reminder.rule_id.min_amount) < 0:
                skip_reason = _(
                    "The customer owes %(amount)s under the rule, less than its minimum of %(minimum)s.",
                    amount=tools.format_amount(self.env, amount_due, currency),
                    minimum=tools.format_amount(self.env, reminder.rule_id.min_amount, currency))
            if skip_reason:
                decided[reminder.id] = ("skipped", skip_reason, reminder.planned_time)
                continue
            zone = self._debt_zone(setup, info.get(pid, {}).get("tz"), zones)
            if isinstance(zone, str) and not force:
                decided[reminder.id] = ("failed", zone, reminder.planned_time)
                tz_failed.append(reminder.id)
                continue
            if not force:
                planned_time, reason = reminder._debt_postponed_time(setup, now, zone, history.get(pid))
                if planned_time:
                    decided[reminder.id] = ("planned", reason, planned_time)
                    continue
            if open_lines != reminder.line_ids:
                reminder.line_ids = [Command.set(open_lines.ids)]
            amounts[reminder.id] = (currency.round(amount), currency.round(credit), amount_due)  # as Monetary does
            to_send.append(reminder.id)
        # sent_time: a reminder waiting, skipped or failed has not been sent (it is planned until now)
        self._debt_write_rows(("state", "reason", "planned_time", "sent_time"),
                              {rid: (*decision, None) for rid, decision in decided.items()})
        if tz_failed:
            tz_failed = self.browse(tz_failed)
            activities = {}
            for reminder in tz_failed:
                activities[reminder] = {
                    "summary": _("Fix the time zone of %s", reminder.partner_id.name), "note": reminder.reason}
            tz_failed._debt_followup_activities(activities)
            tz_failed._debt_post_failure_notes()
        if to_send:
            self.browse(to_send)._debt_deliver(setup, now, amounts)

    def _debt_postponed_time(self, setup, now, zone, history):
        """When a due reminder must wait (outside working hours, frequency cap), and why:
        ``(moment, reason)``, or ``(None, False)`` to send it now."""
        self.ensure_one()
        last_sent = history[0] if history else None
        not_before = now
        reason = False
        if last_sent:
            next_date = schedule.cap_next_date(schedule.local_date(last_sent, zone), setup["cap_days"])
            if next_date and schedule.local_date(now, zone) < next_date:
                not_before = schedule.to_utc(datetime.combine(next_date, time(0, 0)).replace(tzinfo=zone))
                reason = _("Postponed: at most one reminder every %(days)s days.", days=setup["cap_days"])
        if setup["calendar_error"]:
            return now + timedelta(hours=1), setup["calendar_error"]
        moment = setup["calendar"]._debt_next_work_moments(
            {self.id: not_before}, zone.key, setup["company"], setup["work_time"])[self.id]
        if not moment:
            return now + timedelta(days=1), _("No working hours in the company's calendar in the coming year.")
        if moment <= now:
            return None, False
        return moment, reason or _("Postponed to the next working hours of the customer.")

