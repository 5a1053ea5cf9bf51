"""Benchmark of the customer statements (issue 15).

Seeds 1,000 customers and 200,000 posted open receivable items in bulk SQL (200 per customer on average, unevenly
spread as ``_seed.seed`` does), then renders the statements of every customer with items, as HTML (the QWeb report
``debt_collection.report_debt_statement`` through ``ir.actions.report._render_qweb_html``, as a collection manager),
for a period holding all their items: one run after a warm-up run, the median of ``--runs`` runs, the query count
and the machine's load average. Aim (issue 15): under 60 s. The pay-now column follows Odoo's settings of the
seeded database ("online payment" on: a portal link per open invoice; pass ``--no-online`` to switch it off).

Run it with ``bash scripts/bench.sh bench/statements.py``. Options: ``--customers``, ``--items``, ``--runs``,
``--warmup``, ``--limit``, ``--no-online``, ``--reuse``/``--keep``.
"""

import argparse
import datetime

import _seed

odoo = _seed.import_odoo()


def render(env, partner_ids, date_from, date_to):
    html, _type = env["ir.actions.report"]._render_qweb_html(
        "debt_collection.action_report_debt_statement", partner_ids,
        data={"date_from": str(date_from), "date_to": str(date_to)})
    return html


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=1_000)
    parser.add_argument("--items", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0, help="only the first N customers (by id)")
    parser.add_argument("--no-online", action="store_true", help="switch Odoo's online payment off first")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    _seed.print_machine()
    _seed.ensure_database(args.db, reuse=args.reuse)
    registry = _seed.open_registry(args.db)
    result = None
    try:
        with registry.cursor() as cr:
            seeded = _seed.seeded_counts(cr)
            if any(seeded):
                print(f"reused seed: {seeded[0]} customers, {seeded[1]} items")
            else:
                _seed.seed(cr, customers=args.customers, items=args.items)
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if args.no_online:
                env["ir.config_parameter"].set_param("account_payment.enable_portal_payment", False)
            online = env["ir.config_parameter"].get_param("account_payment.enable_portal_payment")
            cr.commit()
            manager = env.ref("base.user_admin")
            menv = odoo.api.Environment(cr, manager.id, {"lang": "en_US", "tz": "UTC"})
            cr.execute("""SELECT p.commercial_partner_id, COUNT(*), MIN(aml.date)
                            FROM account_move_line aml
                            JOIN account_account acc ON acc.id = aml.account_id
                            JOIN res_partner p ON p.id = aml.partner_id
                           WHERE acc.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
                        GROUP BY 1""")
            rows = cr.fetchall()
            rows = sorted(rows)[:args.limit] if args.limit else rows
            partner_ids = [row[0] for row in rows]
            lines = sum(row[1] for row in rows)
            date_from = min(row[2] for row in rows)
            date_to = datetime.date.today()
            counts = sorted(row[1] for row in rows)
            print(f"{len(partner_ids)} customers with items, {lines} statement lines "
                  f"(per customer: min {counts[0]}, median {counts[len(counts) // 2]}, max {counts[-1]}); "
                  f"period {date_from} - {date_to}; online payment: {online}")
            out = {}
            result = _seed.timeit(cr, lambda: out.update(html=render(menv, partner_ids, date_from, date_to)),
                                  runs=args.runs, warmup=args.warmup,
                                  label=f"statements of {len(partner_ids)} customers (HTML)")
            print(f"  -> {len(out['html']) / 1e6:.1f} MB of HTML, {out['html'].count(b'<tr')} table rows")
            cr.rollback()
    finally:
        _seed.close_registry(args.db)
        if not args.keep:
            _seed.drop_database(args.db)
            print(f"dropped database {args.db}")
    if result:
        verdict = "OK" if result["median"] < 60 else "SLOW"
        print(f"statements median: {result['median']:.3f} s (aim: under 60 s) -> {verdict}")


if __name__ == "__main__":
    main()
