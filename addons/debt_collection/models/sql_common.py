"""SQL fragments shared by the worklist, the partner figures and the aging report."""

from odoo.tools import SQL


def credit_limit_sql(env, partner_alias, company_alias):
    """Odoo's credit limit of a commercial partner in a company, in SQL.

    ``res.partner.credit_limit`` is company-dependent (a jsonb column keyed by company id); a
    partner without a value of its own uses the company's default (``ir.default``), as the ORM
    does. 0 means no limit.
    """
    field = env["ir.model.fields"]._get("res.partner", "credit_limit")
    partner = SQL.identifier(partner_alias)
    company = SQL.identifier(company_alias)
    return SQL(
        """COALESCE(
            CASE WHEN jsonb_typeof(%(partner)s.credit_limit -> %(company)s.id::text) = 'number'
                 THEN (%(partner)s.credit_limit ->> %(company)s.id::text)::numeric END,
            (SELECT CASE WHEN jsonb_typeof(d.json_value::jsonb) = 'number' THEN d.json_value::numeric END
               FROM ir_default d
              WHERE d.field_id = %(field)s AND d.company_id = %(company)s.id
                AND d.user_id IS NULL AND d.condition IS NULL
              LIMIT 1),
            0)""",
        partner=partner, company=company, field=field.id,
    )
