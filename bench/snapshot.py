"""Benchmark of the daily aging snapshot and the collection indicators (issue 14).

Seeds (or reuses, ``--reuse``) the aging benchmark's database: 1,000,000 open receivable items over 50,000 customers
in bulk SQL, and payments received over the last 60 days (``_seed.seed`` and ``_seed.seed_payments``), then prints:
- the snapshot of today (``debt.aging.snapshot._take_snapshots``: one ``INSERT ... SELECT`` over the aging report's
  query of the open items), taken again ``--runs`` times (each run replaces the day) (aim: under 5 s);
- the snapshot of a past day (``--past-days`` ago), rebuilt from the reconciliations dated after it (a backfill);
- a year of daily snapshots (``--days``): the rows of today's snapshot copied to each of the past days in bulk SQL,
  their amounts varied by a hash of the day (the daily job's rows of a year, as many per day as today's);
- the indicators computed from that year of snapshots and the ledger's posted receivable items and stored
  (``debt.collection.indicator._refresh``: what the daily job does after its snapshot: the company's rows, then
  everyone's), the company's rows alone, and one collector's rows (that collector's *Refresh*) (aim: under 1 s
  each);
- the indicators the dashboard reads, of the company (every month and rolling period, ``dimension = company``) and
  of one collector (the one with the most rows; as a manager and as that collector, under their record rules)
  (aim: under 1 s each).

Run it with ``bash scripts/bench.sh bench/snapshot.py`` (or ``make bench``). Options: ``--customers``, ``--items``,
``--paid``, ``--partly-paid``, ``--days``, ``--past-days``, ``--runs``, ``--reuse`` (an existing seeded database:
the add-on is updated in it first, ``-u debt_collection``), ``--keep`` (keep the database; the year of snapshots
is rolled back either way).
"""

import argparse
import datetime
import subprocess

import _seed

odoo = _seed.import_odoo()

INDICATOR_FIELDS = ["period", "date_start", "date_end", "user_id", "dso", "dso_average", "best_dso", "days_delinquent",
                    "cei", "overdue_share", "collected"]


def update_module(db):
    """``-u debt_collection`` in a reused database, so that it has this branch's models."""
    cmd = [_seed.odoo_command(), "-d", db, f"--addons-path={_seed.ADDONS_PATH}", "-u", "debt_collection",
           "--stop-after-init", "--http-interface=127.0.0.1", f"--http-port={_seed.free_port()}",
           f"--data-dir={_seed.DATA_DIR}", "--log-level=warn", "--max-cron-threads=0"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench: updating debt_collection in {db} failed:\n{proc.stderr[-3000:]}")


def seed_year(cr, day_id, days):
    """Copy the rows of the snapshot ``day_id`` to each of the ``days`` days before it (replacing those days), in bulk
    SQL."""
    cr.execute("""
        DELETE FROM debt_aging_snapshot_day d USING debt_aging_snapshot_day today
         WHERE today.id = %s AND d.company_id = today.company_id
           AND d.snapshot_date BETWEEN today.snapshot_date - %s AND today.snapshot_date - 1
    """, [day_id, days])
    cr.execute("""
        INSERT INTO debt_aging_snapshot_day (company_id, snapshot_date, bounds, amount, item_count, backfilled,
                                             is_month_end, create_uid, write_uid, create_date, write_date)
        SELECT d.company_id, d.snapshot_date - g, d.bounds, d.amount, d.item_count, TRUE, FALSE,
               1, 1, NOW(), NOW()
          FROM debt_aging_snapshot_day d, generate_series(1, %s) g
         WHERE d.id = %s
        ON CONFLICT (company_id, snapshot_date) DO NOTHING
    """, [days, day_id])
    factor = _seed._u("s.id + (today.snapshot_date - nd.snapshot_date) * 7919", 14)
    cr.execute(f"""
        INSERT INTO debt_aging_snapshot (day_id, snapshot_date, company_id, currency_id, salesperson_id, collector_id,
                                         column_id, bucket_index, overdue, category_key, amount, item_count,
                                         is_month_end, create_uid, write_uid, create_date, write_date)
        SELECT nd.id, nd.snapshot_date, s.company_id, s.currency_id, s.salesperson_id, s.collector_id, s.column_id,
               s.bucket_index, s.overdue, s.category_key,
               round((s.amount * (0.7 + 0.6 * {factor}))::numeric, 2),
               s.item_count, FALSE, 1, 1, NOW(), NOW()
          FROM debt_aging_snapshot s
          JOIN debt_aging_snapshot_day today ON today.id = s.day_id
          JOIN debt_aging_snapshot_day nd ON nd.company_id = today.company_id
               AND nd.snapshot_date BETWEEN today.snapshot_date - %s AND today.snapshot_date - 1
         WHERE s.day_id = %s
    """, [days, day_id])
    return cr.rowcount


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--paid", type=int, default=50_000)
    parser.add_argument("--partly-paid", type=float, default=0.2)
    parser.add_argument("--days", type=int, default=365, help="days of snapshots before today to seed")
    parser.add_argument("--past-days", type=int, default=30, help="the backfilled day is this many days ago")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--keep-snapshots", action="store_true",
                        help="commit the year of snapshots (with --keep: to study the queries afterwards)")
    parser.add_argument("--no-indicators", action="store_true", help="stop after seeding the snapshots")
    args = parser.parse_args()

    _seed.print_machine()
    installed = _seed.ensure_database(args.db, reuse=args.reuse)
    if not installed:
        update_module(args.db)
    registry = _seed.open_registry(args.db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if installed:
                _seed.seed(cr, customers=args.customers, items=args.items + args.paid)
                _seed.seed_payments(cr, paid=args.paid, share=args.partly_paid)
                cr.commit()
            customers, items = _seed.seeded_counts(cr)
            cr.execute("""SELECT COUNT(*) FROM account_move_line aml JOIN account_account acc ON acc.id = aml.account_id
                           WHERE acc.account_type = 'asset_receivable' AND aml.parent_state = 'posted'
                             AND NOT aml.reconciled AND aml.amount_residual != 0""")
            open_items = cr.fetchone()[0]
            print(f"database: {customers:,} customers, {items:,} invoices and credit notes, {open_items:,} open items")
            company = env.company
            today = datetime.date.today()
            Snapshot = env["debt.aging.snapshot"]
            _seed.timeit(cr, lambda: Snapshot._take_snapshots(today, company), runs=args.runs,
                         label=f"snapshot of today ({open_items:,} open items)")
            day = env["debt.aging.snapshot.day"].search([
                ("company_id", "=", company.id), ("snapshot_date", "=", today)])
            print(f"  -> {len(day.snapshot_ids):,} rows, {day.item_count:,} items, total {day.amount:,.2f}")
            past = today - datetime.timedelta(days=args.past_days)
            _seed.timeit(cr, lambda: Snapshot._take_snapshots(past, company, backfilled=True), runs=args.runs,
                         label=f"snapshot of {args.past_days} days ago (rebuilt from the reconciliations)")

            rows = seed_year(cr, day.id, args.days)
            env["debt.aging.snapshot.day"]._mark_month_ends(
                company.ids, [today - datetime.timedelta(days=n) for n in range(args.days + 1)])
            cr.execute("ANALYZE debt_aging_snapshot")
            cr.execute("ANALYZE debt_aging_snapshot_day")
            cr.execute("SELECT COUNT(*) FROM debt_aging_snapshot")
            print(f"a year of snapshots: {args.days} days seeded ({rows:,} rows), {cr.fetchone()[0]:,} rows in all")

            if args.keep_snapshots:
                cr.commit()
            if args.no_indicators:
                return
            Indicator = env["debt.collection.indicator"]
            result = {}
            _seed.timeit(cr, lambda: Indicator._refresh(company), runs=args.runs,
                         label="indicators computed and stored: the company's and everyone's (the daily job's refresh)")
            cr.execute("SELECT dimension, COUNT(*) FROM debt_collection_indicator GROUP BY 1 ORDER BY 1")
            print("  -> indicator rows: " + ", ".join(f"{dim} {count:,}" for dim, count in cr.fetchall()))
            _seed.timeit(cr, lambda: Indicator._refresh_scope(tuple(company.ids), "company"), runs=args.runs,
                         label="  of which the company's rows alone (their own pass over the items)")
            cr.execute("""SELECT collector_id FROM debt_aging_snapshot WHERE collector_id IS NOT NULL
                        GROUP BY 1 ORDER BY COUNT(*) DESC LIMIT 1""")
            collector = env["res.users"].browse(cr.fetchone()[0])
            cr.execute("""SELECT COUNT(*) FROM res_partner
                           WHERE user_id = %s OR (debt_collector_id ->> %s)::int = %s""",
                       [collector.id, str(company.id), collector.id])
            customers_of_collector = cr.fetchone()[0]
            print(f"  collector {collector.login}: {customers_of_collector:,} customers as salesperson or collector")
            _seed.timeit(cr, lambda: Indicator.with_user(collector).action_refresh(), runs=args.runs,
                         label=f"indicators of one collector ({collector.login}) computed and stored, by that "
                               "collector's Refresh (their rows only)")

            def company_figures():
                result["company"] = Indicator.search_read(
                    [("company_id", "=", company.id), ("dimension", "=", "company")], INDICATOR_FIELDS)

            _seed.timeit(cr, company_figures, runs=args.runs, label="indicators of the company")
            latest = max(result["company"], key=lambda row: (row["date_start"], row["period"] == "month"))
            print(f"  -> {len(result['company'])} rows; latest month: " + ", ".join(
                f"{key} {value:,.1f}" for key, value in latest.items() if isinstance(value, float)))
            def collector_figures(model):
                result["collector"] = model.search_read(
                    [("dimension", "=", "collector"), ("user_id", "=", collector.id)], INDICATOR_FIELDS)

            _seed.timeit(cr, lambda: collector_figures(Indicator), runs=args.runs,
                         label=f"indicators of one collector ({collector.login}), as a manager")
            _seed.timeit(cr, lambda: collector_figures(Indicator.with_user(collector)), runs=args.runs,
                         label=f"indicators of one collector ({collector.login}), as that collector")
            print(f"  -> {len(result['collector'])} rows")
            cr.rollback()  # the snapshots seeded here are not kept
    finally:
        _seed.close_registry(args.db)
        if not args.keep:
            _seed.drop_database(args.db)


if __name__ == "__main__":
    main()
