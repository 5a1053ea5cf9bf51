"""SQL fragments shared by the worklist, the partner figures and the aging report."""

import json

from odoo.tools import SQL


def default_credit_limit_sql(env, company_alias):
    """The company's default credit limit (``ir.default`` of ``res.partner.credit_limit``), or NULL."""
    field = env["ir.model.fields"]._get("res.partner", "credit_limit")
    return SQL(
        """(SELECT CASE WHEN jsonb_typeof(d.json_value::jsonb) = 'number' THEN d.json_value::numeric END
               FROM ir_default d
              WHERE d.field_id = %(field)s AND d.company_id = %(company)s.id
                AND d.user_id IS NULL AND d.condition IS NULL
              LIMIT 1)""",
        field=field.id, company=SQL.identifier(company_alias),
    )


def credit_limit_sql(env, partner_alias, company_alias, default=None):
    """Odoo's credit limit of a commercial partner in a company, in SQL.

    ``res.partner.credit_limit`` is company-dependent (a jsonb column keyed by company id); a
    partner without a value of its own uses the company's default (``ir.default``), as the ORM
    does. 0 means no limit. ``default``: an SQL expression of that default already computed once
    per company (see :func:`default_credit_limit_sql`), rather than a sub-query per row.
    """
    partner = SQL.identifier(partner_alias)
    company = SQL.identifier(company_alias)
    return SQL(
        """COALESCE(
            CASE WHEN jsonb_typeof(%(partner)s.credit_limit -> %(company)s.id::text) = 'number'
                 THEN (%(partner)s.credit_limit ->> %(company)s.id::text)::numeric END,
            %(default)s,
            0)""",
        partner=partner, company=company,
        default=default if default is not None else default_credit_limit_sql(env, company_alias),
    )


def default_credit_limits_json(env, company_ids):
    """The companies' default credit limits as a JSON object ``{"company id": limit}`` (one small query),
    for :func:`credit_limit_sql`'s ``default`` as ``(%s::jsonb ->> comp.id::text)::numeric``."""
    env.cr.execute(SQL(
        "SELECT comp.id, %s FROM res_company comp WHERE comp.id IN %s",
        default_credit_limit_sql(env, "comp"), tuple(company_ids) or (None,),
    ))
    return json.dumps({str(company_id): float(limit) for company_id, limit in env.cr.fetchall() if limit is not None})


def company_value_sql(partner_alias, fname, company_sql, cast):
    """The value of a company-dependent column (jsonb keyed by company id) of ``partner_alias`` in the
    company ``company_sql`` (an SQL expression of its id), cast to ``cast`` (e.g. ``int``, ``boolean``)."""
    return SQL(
        "(%(column)s ->> (%(company)s)::text)::%(cast)s",
        column=SQL.identifier(partner_alias, fname), company=company_sql, cast=SQL(cast),
    )


def collector_sql(partner_alias, company_sql):
    """The collector of a commercial partner in a company: the one set explicitly (``debt_collector_id``,
    company-dependent), else the current salesperson (``user_id``)."""
    return SQL(
        "COALESCE(%s, %s)",
        company_value_sql(partner_alias, "debt_collector_id", company_sql, "int"),
        SQL.identifier(partner_alias, "user_id"),
    )


def open_items_sql(line_alias="aml", account_alias="acc"):
    """The open receivable items, the one definition every screen and job uses: journal items of posted moves,
    not fully reconciled, with an open amount, on a receivable account (``account_alias``: the joined
    ``account_account``; None when the caller filters the accounts itself). The first three conditions are the
    predicate of the module's partial index of open items (``account_move_line.py``), so that PostgreSQL can
    read the items from it."""
    line = SQL.identifier(line_alias)
    condition = SQL(
        "%(line)s.parent_state = 'posted' AND %(line)s.reconciled IS NOT TRUE AND %(line)s.amount_residual != 0",
        line=line,
    )
    if account_alias:
        condition = SQL("%s AND %s.account_type = 'asset_receivable'", condition, SQL.identifier(account_alias))
    return condition


def company_tz_sql(calendar_alias, company_partner_alias):
    """A company's time zone in SQL, as ``res.company._debt_timezone()`` in Python: its working calendar's,
    else its partner's, else UTC (``calendar_alias``: its ``resource_calendar``, LEFT JOINed)."""
    return SQL(
        "COALESCE(NULLIF(%s.tz, ''), NULLIF(%s.tz, ''), 'UTC')",
        SQL.identifier(calendar_alias), SQL.identifier(company_partner_alias),
    )


def local_date_sql(now, tz_sql):
    """The date in the time zone ``tz_sql`` (an SQL expression; NULL gives NULL) at the moment ``now`` (a naive
    UTC datetime, as Odoo stores them)."""
    return SQL("(%s::timestamp AT TIME ZONE 'UTC' AT TIME ZONE %s)::date", now, tz_sql)


def customer_today_sql(now, partner_alias, company_tz):
    """The customer's "today": the date in the commercial partner ``partner_alias``'s own time zone, else in its
    company's (``company_tz``: an SQL expression, see :func:`company_tz_sql`). Python: ``common.customer_today``."""
    partner_tz = SQL("NULLIF(%s.tz, '')", SQL.identifier(partner_alias))
    return SQL("COALESCE(%s, %s)", local_date_sql(now, partner_tz), local_date_sql(now, company_tz))
