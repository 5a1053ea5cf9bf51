"""Python helpers shared by the module's models and jobs (their SQL counterparts are in ``sql_common.py``)."""

import threading

from odoo import fields


def open_items_domain():
    """The open receivable items as a domain on ``account.move.line``: ``sql_common.open_items_sql``'s condition,
    for the screens that list them through the ORM (the customer's open items)."""
    return [
        ("parent_state", "=", "posted"),
        ("reconciled", "=", False),
        ("amount_residual", "!=", 0),
        ("account_id.account_type", "=", "asset_receivable"),
    ]


def customer_today(partner, company, now=None):
    """The customer's "today": the date at ``now`` (UTC, default now) in the commercial partner's time zone,
    else in the company's (``res.company._debt_timezone``). The same day as ``sql_common.customer_today_sql``:
    an invoice is as many days overdue on every screen, in every job."""
    tz = partner.commercial_partner_id.tz or company._debt_timezone()
    return fields.Datetime.context_timestamp(partner.with_context(tz=tz), now or fields.Datetime.now()).date()


def job_commits(env):
    """Whether a batch job commits after each batch: when it runs as a scheduled action (Odoo's cron runner puts
    ``cron_id``, a manual *Run Manually* ``ir_cron_progress_id``, in the context), so that a run killed halfway
    keeps what it did; never inside a test, whose transaction must stay whole, nor from a user's button."""
    if getattr(threading.current_thread(), "testing", False):
        return False
    return bool(env.context.get("cron_id") or env.context.get("ir_cron_progress_id"))
