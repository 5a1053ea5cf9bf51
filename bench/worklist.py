"""Benchmark of the collection worklist and the partner's debt figures (issue 2).

Seeds 10,000 customers and 200,000 open receivable items in bulk SQL, then prints:
- the worklist's first page as the list view loads it (``debt.worklist.web_search_read``: the action's
  default filter "Overdue", the first 80 rows sorted by overdue amount, descending, and the record count),
  as a collection manager and as a salesperson (record rules: own customers only);
- the partner form's debt figures (``res.partner._compute_debt_figures``) for 1 and for 80 customers.
Each figure is the min and median of several runs after one warm-up run, with the SQL query count and the
machine's load average. Aim (issue 2): first page under 1 s.

Run it with ``bash scripts/bench.sh bench/worklist.py`` (or ``make bench``). Options: ``--customers``,
``--items``, ``--runs``, ``--explain`` (EXPLAIN ANALYZE of the first page's query), ``--reuse``/``--keep``
(keep the database between runs while working on the SQL).
"""

import argparse

import _seed

odoo = _seed.import_odoo()

LIST_SPEC = {  # the fields of view_debt_worklist_list, as the web client asks for them
    "currency_id": {"fields": {}},
    "partner_id": {"fields": {"display_name": {}}},
    "salesperson_id": {"fields": {"display_name": {}}},
    "collector_id": {"fields": {"display_name": {}}},
    "total_receivable": {},
    "not_due_amount": {},
    "overdue_amount": {},
    "overdue_invoice_count": {},
    "oldest_overdue_date": {},
    "oldest_overdue_days": {},
    "credit_limit": {},
    "credit_exposure": {},
    "credit_used_percent": {},
    "on_credit_hold": {},
}
LIST_DOMAIN = [("overdue_amount", ">", 0)]  # the action's default filter (search_default_overdue)
PARTNER_FIELDS = [
    "debt_total_receivable", "debt_not_due_amount", "overdue_amount", "overdue_invoice_count",
    "oldest_overdue_days", "debt_credit_limit", "debt_sale_to_invoice", "credit_exposure",
    "credit_used_percent", "last_payment_date", "on_credit_hold", "credit_hold_message",
]


def first_page(env):
    return env["debt.worklist"].web_search_read(
        LIST_DOMAIN, LIST_SPEC, offset=0, limit=80, order="overdue_amount desc", count_limit=10001)


def partner_figures(env, partner_ids):
    return env["res.partner"].browse(partner_ids).read(PARTNER_FIELDS)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the first page's query")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    _seed.print_machine()
    _seed.ensure_database(args.db, reuse=args.reuse)
    registry = _seed.open_registry(args.db)
    try:
        with registry.cursor() as cr:
            seeded = _seed.seeded_counts(cr)
            if any(seeded):
                print(f"reused seed: {seeded[0]} customers, {seeded[1]} items")
            else:
                _seed.seed(cr, customers=args.customers, items=args.items)
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            manager = env.ref("base.user_admin")
            salesperson = _seed.ensure_salespeople(env, 20)[0]
            cr.commit()
            cr.execute("SELECT COUNT(*) FROM res_partner WHERE user_id = %s OR EXISTS ("
                       "SELECT 1 FROM jsonb_each_text(debt_collector_id) col WHERE col.value::int = %s)",
                       [salesperson.id, salesperson.id])
            own = cr.fetchone()[0]

            results = {}
            for label, user in (("manager", manager), (f"salesperson ({own} own customers)", salesperson)):
                uenv = odoo.api.Environment(cr, user.id, {"lang": "en_US", "tz": "UTC"})
                out = {}
                res = _seed.timeit(cr, lambda uenv=uenv, out=out: out.update(first_page(uenv)), runs=args.runs,
                                   label=f"worklist first page, {label}")
                res["rows"], res["length"] = len(out["records"]), out["length"]
                results[label] = res
                print(f"  -> {res['rows']} rows on the page, {res['length']} customers in the list (count)")

            # partner form: the largest customer, then the 80 customers of the first page
            menv = odoo.api.Environment(cr, manager.id, {"lang": "en_US", "tz": "UTC"})
            page = first_page(menv)
            ids = [rec["partner_id"]["id"] for rec in page["records"]]
            cr.execute("""SELECT partner_id FROM account_move_line WHERE partner_id IS NOT NULL
                          GROUP BY partner_id ORDER BY COUNT(*) DESC LIMIT 1""")
            biggest = cr.fetchone()[0]
            cr.execute("SELECT COUNT(*) FROM account_move_line WHERE partner_id = %s AND reconciled IS NOT TRUE "
                       "AND amount_residual != 0", [biggest])
            biggest_items = cr.fetchone()[0]
            _seed.timeit(cr, lambda: partner_figures(menv, [biggest]), runs=args.runs,
                         label=f"partner form figures, 1 customer ({biggest_items} open items)")
            _seed.timeit(cr, lambda: partner_figures(menv, ids), runs=args.runs,
                         label=f"partner form figures, {len(ids)} customers")
            # the same as a salesperson: the access checks (which customers it may see) are in
            senv = odoo.api.Environment(cr, salesperson.id, {"lang": "en_US", "tz": "UTC"})
            own = [rec["partner_id"]["id"] for rec in first_page(senv)["records"]]
            _seed.timeit(cr, lambda: partner_figures(senv, own[:1]), runs=args.runs,
                         label="partner form figures, salesperson, 1 own customer")
            mixed = own[:40] + [pid for pid in ids if pid not in own][:40]
            _seed.timeit(cr, lambda: partner_figures(senv, mixed), runs=args.runs,
                         label=f"partner form figures, salesperson, {len(own[:40])} own customers and "
                               f"{len(mixed) - len(own[:40])} of others (empty)")

            if args.explain:
                query = menv["debt.worklist"]._search(LIST_DOMAIN, limit=80, order="overdue_amount desc")
                sql = query.select("debt_worklist.id")
                cr.execute(odoo.tools.SQL("EXPLAIN (ANALYZE, BUFFERS) %s", sql))
                print("\n".join(row[0] for row in cr.fetchall()))
            cr.rollback()
    finally:
        _seed.close_registry(args.db)
        if not args.keep:
            _seed.drop_database(args.db)
            print(f"dropped database {args.db}")
    worst = max(r["median"] for r in results.values())
    print(f"first page median, worst case: {worst:.3f} s (aim: under 1 s) -> {'OK' if worst < 1 else 'SLOW'}")


if __name__ == "__main__":
    main()
