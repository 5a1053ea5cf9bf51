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
