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


def credit_to_invoice_json(env, company_ids, partner_ids=None):
    """Odoo's ``res.partner.credit_to_invoice`` (``sale``) of the customers that have some, per company, as a JSON
    object ``{"company id": {"partner id": amount}}`` for :func:`credit_figures_sql`.

    Computed by Odoo itself rather than in SQL: an order line's amount to invoice is not stored (it depends on
    the posted invoices' quantities in the order's units), and Odoo converts each customer's orders of one
    currency at today's rate (the user's today) and rounds in the company currency. Only the customers with
    confirmed orders left to invoice are computed (one search per company, as Odoo's own compute does); none
    in a company that does not use credit limits (``account_use_credit_limit``: Odoo counts none there).
    """
    result = {}
    # sudo: the exposure counts every order of the customer, whoever sold it (salespeople see their own orders
    # only), and credit_to_invoice is restricted to invoicing groups; the caller decides who sees the figures
    companies = env["res.company"].sudo().browse(company_ids)
    for company in companies.filtered("account_use_credit_limit"):
        if partner_ids is not None:
            partners = env["res.partner"].sudo().with_company(company).browse(partner_ids)
        else:  # the customers with orders left to invoice (Odoo's own condition), the only ones with an amount
            partners = env["sale.order"].sudo().with_company(company).search([
                ("company_id", "=", company.id), ("state", "=", "sale"),
                ("order_line", "any", [("untaxed_amount_to_invoice", ">", 0)]),
            ]).partner_id
            # Odoo counts the orders placed on the customer itself, not on its contacts, in its figure
            partners &= partners.commercial_partner_id
        # no field it depends on (Odoo declares none): a value cached before an order changed would stay
        partners.invalidate_recordset(["credit_to_invoice"])
        result[str(company.id)] = {
            str(partner.id): partner.credit_to_invoice for partner in partners if partner.credit_to_invoice}
    return json.dumps(result)


def credit_figures_sql(env, company_ids, partner_ids=None, limited_only=False, own_credit=None, with_orders=True):
    """Odoo's credit figures of each customer in each company, the one definition of the form, the worklist, the
    aging report and the credit hold: a query of ``partner_id, company_id, credit, credit_to_invoice,
    credit_exposure, credit_limit, credit_used_percent, over_credit_limit``.

    - ``credit``: Odoo's *Total Receivable* (``account``'s ``res.partner.credit``): the open receivable items of
      posted entries booked on the partner itself, in every company of the company's tree (branches included:
      ``child_of`` its root, as Odoo reads it), in company currency;
    - ``credit_to_invoice``: Odoo's (``sale``), see :func:`credit_to_invoice_json`;
    - ``credit_exposure``: their sum, the amount Odoo compares with the credit limit (``account.move.
      _build_credit_warning_message``);
    - ``credit_limit``: Odoo's credit limit of the partner (its own, else the company's default, see
      :func:`credit_limit_sql`), 0 (none) when the company does not use credit limits;
    - ``credit_used_percent``: exposure / limit x 100 (0 without a limit), not rounded, so that "over 100 %" is
      exactly "exposure over the limit" (``over_credit_limit``).

    ``partner_ids``: the commercial partners to compute (None: every customer with items or orders to invoice).
    ``limited_only``: only the customers with a credit limit (their own, else a company default), in the
    companies that use credit limits: for a screen that shows only the limit and the % used (the aging
    report), which are 0 for the others; that spares reading the others' items.
    ``own_credit``: the SQL of the open receivable items' sum per partner (``partner_id``, the items' own) and
    company (``company_id``), when the caller has it already from its own pass over the items (the worklist), for
    every company of the trees of ``company_ids``; by default read here.
    ``with_orders``: False for a caller that reads none of these figures (no order counted: spares Odoo's search of
    the orders).
    """
    partner_filter = SQL()
    if partner_ids is not None:
        partner_filter = SQL("AND aml.partner_id IN %s", tuple(partner_ids) or (None,))
    if limited_only:
        # sudo: the companies' settings decide which figures are computed, whoever asks
        companies = env["res.company"].sudo().browse(company_ids).filtered("account_use_credit_limit")
        company_ids = companies.ids
        defaults = json.loads(default_credit_limits_json(env, company_ids)) if company_ids else {}
        if not any(defaults.values()):  # no company default: the customers with a limit of their own
            partner_filter = SQL("%s AND aml.partner_id IN (SELECT id FROM res_partner WHERE credit_limit IS NOT NULL)",
                                 partner_filter)
    companies = tuple(company_ids) or (None,)
    return SQL(
        """
        WITH credit_companies AS (
            SELECT c.id, c.account_use_credit_limit AS use_limit, %(default_limit)s AS default_credit_limit,
                   split_part(c.parent_path, '/', 1)::int AS root_id
              FROM res_company c
             WHERE c.id IN %(companies)s
        ), credit_tree AS (
            SELECT cc.id AS company_id, lc.id AS line_company_id
              FROM credit_companies cc
              JOIN res_company lc ON split_part(lc.parent_path, '/', 1)::int = cc.root_id
        ), credit AS (
            -- summed per partner and company of the items first, then per company tree (a few rows, not an item each)
            SELECT own.partner_id, tree.company_id, SUM(own.credit) AS credit
              FROM (%(own_credit)s) own
              JOIN credit_tree tree ON tree.line_company_id = own.company_id
          GROUP BY own.partner_id, tree.company_id
        ), to_invoice AS (
            SELECT p.key::int AS partner_id, c.key::int AS company_id, p.value::numeric AS amount
              FROM jsonb_each(%(to_invoice)s::jsonb) c, jsonb_each_text(c.value) p
        ), exposure AS (
            SELECT COALESCE(cr.partner_id, ti.partner_id) AS partner_id,
                   COALESCE(cr.company_id, ti.company_id) AS company_id,
                   COALESCE(cr.credit, 0) AS credit, COALESCE(ti.amount, 0) AS credit_to_invoice,
                   COALESCE(cr.credit, 0) + COALESCE(ti.amount, 0) AS credit_exposure
              FROM credit cr
   FULL OUTER JOIN to_invoice ti ON ti.partner_id = cr.partner_id AND ti.company_id = cr.company_id
        )
        SELECT e.*, lim.credit_limit,
               %(used_percent)s AS credit_used_percent,
               %(over_limit)s AS over_credit_limit
          FROM exposure e
          JOIN res_partner cp ON cp.id = e.partner_id
          JOIN credit_companies comp ON comp.id = e.company_id
         CROSS JOIN LATERAL (SELECT %(credit_limit)s AS credit_limit) lim
        """,
        companies=companies,
        default_limit=default_credit_limit_sql(env, "c"),
        own_credit=own_credit or SQL(
            """SELECT aml.partner_id, aml.company_id, SUM(aml.amount_residual) AS credit
                 FROM account_move_line aml
                 JOIN account_account acc ON acc.id = aml.account_id
                WHERE %s %s
             GROUP BY aml.partner_id, aml.company_id""", open_items_sql("aml", "acc"), partner_filter),
        to_invoice=credit_to_invoice_json(env, company_ids, partner_ids) if with_orders else "{}",
        credit_limit=used_credit_limit_sql(env, "cp", "comp", SQL("comp.use_limit"), SQL("comp.default_credit_limit")),
        used_percent=credit_used_percent_sql(SQL("e.credit_exposure"), SQL("lim.credit_limit")),
        over_limit=over_credit_limit_sql(SQL("e.credit_exposure"), SQL("lim.credit_limit")),
    )


def used_credit_limit_sql(env, partner_alias, company_alias, use_limit, default=None):
    """Odoo's credit limit (:func:`credit_limit_sql`) where the company uses credit limits (``use_limit``: an SQL
    boolean, its ``account_use_credit_limit``), else 0: Odoo then shows no limit and warns of none."""
    return SQL("CASE WHEN %s THEN %s ELSE 0 END", use_limit,
               credit_limit_sql(env, partner_alias, company_alias, default=default))


def credit_used_percent_sql(exposure, limit):
    """"Credit Used (%)": the credit exposure (Odoo's credit + credit to invoice) over the credit limit, x 100; 0
    without a limit. Not rounded: over 100 is exactly "exposure over the limit" (:func:`over_credit_limit_sql`)."""
    return SQL("CASE WHEN %(limit)s > 0 THEN %(exposure)s * 100 / %(limit)s ELSE 0 END", exposure=exposure, limit=limit)


def over_credit_limit_sql(exposure, limit):
    """Whether the exposure is over the limit (none: never), as Odoo's credit warning compares them."""
    return SQL("(%(limit)s > 0 AND %(exposure)s > %(limit)s)", exposure=exposure, limit=limit)


def company_tree_sql(company_ids):
    """The ids of the companies of the trees (a company, its branches, their parent...) of ``company_ids``, as an SQL
    sub-query: those whose items make Odoo's ``credit`` of a customer in one of them (``child_of`` its root)."""
    return SQL(
        """SELECT tree.id FROM res_company tree
            WHERE split_part(tree.parent_path, '/', 1) IN (
                  SELECT split_part(c.parent_path, '/', 1) FROM res_company c WHERE c.id IN %s)""",
        tuple(company_ids) or (None,))


def credit_limit_value(partner, company):
    """Odoo's credit limit of ``partner`` in ``company`` (0: none, also when the company does not use credit
    limits), for a customer that :func:`credit_figures_sql` gives no row (no items, no orders)."""
    if not company.sudo().account_use_credit_limit:
        return 0.0
    # sudo: credit_limit is restricted to invoicing groups; the caller decides who sees the figures
    return partner.sudo().with_company(company).credit_limit
