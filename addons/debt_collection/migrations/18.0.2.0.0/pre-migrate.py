"""18.0.1.0.0 -> 18.0.2.0.0, before the new code loads: the collector, "no reminders" and the attention flag
become per company; the open-items index of before v2 is dropped.

- ``res_partner.collector_id`` (int4, a stored copy of the salesperson made once, then kept) is replaced by
  ``debt_collector_id`` (company-dependent, jsonb ``{"company id": user id}``): a collector that differed from
  the salesperson was set on purpose and is kept, in every company; one equal to the salesperson was the copy
  and is dropped, so that the collector now follows the salesperson. ``collector_id`` becomes a computed
  field (the explicit collector, else the salesperson): its column is dropped.
- ``no_reminder``, ``debt_attention`` and ``debt_attention_reason`` (plain columns) become company-dependent
  (jsonb) with their value in every company.

Done in SQL before the ORM loads the new field definitions, so that the ORM finds jsonb columns and does
not rename the old ones aside.
"""

from odoo.tools import SQL

# column -> SQL type of the jsonb values
TO_COMPANY_DEPENDENT = {
    "no_reminder": "boolean",
    "debt_attention": "boolean",
    "debt_attention_reason": "varchar",
}


def _column_type(cr, column):
    cr.execute(SQL(
        "SELECT udt_name FROM information_schema.columns WHERE table_name = 'res_partner' AND column_name = %s",
        column))
    row = cr.fetchone()
    return row and row[0]


def _every_company(value_sql):
    """A jsonb object giving ``value_sql`` (an expression on the row ``p``) in every company."""
    return SQL("(SELECT jsonb_object_agg(c.id::text, to_jsonb(%s)) FROM res_company c)", value_sql)


def drop_old_open_items_index(cr):
    """The open-items index before its v2 (without the columns the aging report reads since): ``init()`` dropped
    it on every update of the module until 18.0.1.0.0; an upgrade is the place to drop it, once."""
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier("account_move_line__debt_open_items_index")))


def migrate(cr, version):
    if not version:  # a new install, nothing to migrate
        return
    drop_old_open_items_index(cr)
    per_company_collector(cr)
    per_company_flags(cr)


def per_company_collector(cr):
    if _column_type(cr, "collector_id") == "int4":
        if not _column_type(cr, "debt_collector_id"):
            cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN debt_collector_id jsonb"))
        cr.execute(SQL(
            """UPDATE res_partner p SET debt_collector_id = %s
                WHERE p.collector_id IS NOT NULL AND p.collector_id IS DISTINCT FROM p.user_id""",
            _every_company(SQL("p.collector_id"))))
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN collector_id"))


def per_company_flags(cr):
    for column in TO_COMPANY_DEPENDENT:
        if _column_type(cr, column) in (None, "jsonb"):
            continue
        old = f"{column}_v1"
        cr.execute(SQL("ALTER TABLE res_partner RENAME COLUMN %s TO %s", SQL.identifier(column), SQL.identifier(old)))
        cr.execute(SQL("ALTER TABLE res_partner ADD COLUMN %s jsonb", SQL.identifier(column)))
        cr.execute(SQL(
            "UPDATE res_partner p SET %(column)s = %(value)s WHERE p.%(old)s IS NOT NULL AND p.%(old)s::text != 'false'",
            column=SQL.identifier(column), old=SQL.identifier(old),
            value=_every_company(SQL("p.%s", SQL.identifier(old)))))
        cr.execute(SQL("ALTER TABLE res_partner DROP COLUMN %s", SQL.identifier(old)))
