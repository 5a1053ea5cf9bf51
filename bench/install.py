"""Benchmark of installing debt_collection on a big existing database (issue 16).

Creates the database with only the module's dependencies (account, sale, sms, resource; no demo data), seeds
50,000 customers and 1,000,000 posted open receivable items in bulk SQL (bench/_seed.py, before the module
exists: no collector, no manual hold), then installs debt_collection with ``odoo -i`` as an administrator would,
and prints:
- the install's wall time (the whole ``odoo -i`` process: registry, schema, data files, the pre-init hook, the
  open-items index) and Odoo's own figure for the module ("Module debt_collection loaded in ... s, N queries");
- the open-items index build alone: the same ``CREATE INDEX`` run again on the installed database, and its size;
- checks: the module installed, every seeded customer's collector equal to its salesperson (filled in SQL by the
  pre-init hook), the index present.
With the machine's load average next to each figure. Aim (issue 16): install under 2 minutes.

Run it with ``bash scripts/bench.sh bench/install.py``. Options: ``--customers``, ``--items``, ``--keep``.
"""

import argparse
import os
import re
import subprocess
import tempfile
import time
from pathlib import Path

import _seed

odoo = _seed.import_odoo()

DEPENDENCIES = ("account", "sale", "sms", "resource")
INDEX = "account_move_line__debt_open_items_v2_index"


def install_module(db):
    """``odoo -i debt_collection`` on ``db``; returns (seconds, Odoo's "loaded in" line or '', log file)."""
    log_file = os.path.join(tempfile.gettempdir(), f"{db}_debt_collection_install.log")
    cmd = [
        _seed.odoo_command(), "-d", db, f"--addons-path={_seed.ADDONS_PATH}", "-i", "debt_collection",
        "--stop-after-init", "--without-demo=all", "--no-http", f"--data-dir={_seed.DATA_DIR}",
        "--log-level=info", f"--logfile={log_file}", "--max-cron-threads=0",
    ]
    if os.path.exists(log_file):  # Odoo appends to its log file
        os.remove(log_file)
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    text = Path(log_file).read_text(errors="replace") if os.path.exists(log_file) else ""
    if proc.returncode != 0 or not _seed.module_installed(db):
        raise SystemExit(f"bench: installing debt_collection in {db} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr[-2000:]}\n{text[-4000:]}")
    match = re.search(r"Module debt_collection loaded in [^\n]*", text)
    return elapsed, match.group(0) if match else "", log_file


def rebuild_index(cr):
    """Drop the open-items index and build it again with its own definition; returns (seconds, size)."""
    cr.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [INDEX])
    row = cr.fetchone()
    if not row:
        raise SystemExit(f"bench: index {INDEX} missing after the install")
    cr.execute(f"DROP INDEX {INDEX}")
    start = time.perf_counter()
    cr.execute(row[0])
    elapsed = time.perf_counter() - start
    cr.execute("SELECT pg_size_pretty(pg_relation_size(%s::regclass))", [INDEX])
    size = cr.fetchone()[0]
    cr.commit()
    return elapsed, size


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    _seed.print_machine()
    _seed.ensure_database(args.db, modules=DEPENDENCIES)
    try:
        registry = _seed.open_registry(args.db)
        try:
            with registry.cursor() as cr:
                _seed.seed(cr, customers=args.customers, items=args.items)
                cr.execute("SELECT COUNT(*), pg_size_pretty(pg_total_relation_size('account_move_line')) "
                           "FROM account_move_line")
                lines, size = cr.fetchone()
                print(f"account_move_line: {lines} rows, {size} with its indexes")
        finally:
            _seed.close_registry(args.db)

        load_before = _seed.load_text()
        elapsed, loaded, log_file = install_module(args.db)
        print(f"install of debt_collection: {elapsed:.1f} s wall time (odoo -i, whole process)  "
              f"[before: {load_before}; after: {_seed.load_text()}]")
        if loaded:
            print(f"  Odoo: {loaded}")
        print(f"  log: {log_file}")

        # a plain cursor: Odoo's configuration is parsed once per process (open_registry above)
        db = odoo.sql_db.db_connect(args.db)
        try:
            with db.cursor() as cr:
                cr.execute("""SELECT COUNT(*), COUNT(*) FILTER (WHERE collector_id IS NOT DISTINCT FROM user_id)
                                FROM res_partner WHERE ref LIKE %s""", [_seed.BENCH_PARTNER_REF + "%"])
                customers, same = cr.fetchone()
                print(f"  check: {same} of {customers} seeded customers have their salesperson as collector "
                      f"(pre-init hook) -> {'OK' if same == customers else 'WRONG'}")
                cr.execute("""SELECT COUNT(*) FROM account_move_line
                               WHERE reconciled IS NOT TRUE AND parent_state = 'posted' AND amount_residual != 0""")
                open_items = cr.fetchone()[0]
                load_before = _seed.load_text()
                index_time, index_size = rebuild_index(cr)
                print(f"open-items index build alone: {index_time:.1f} s for {open_items} open items, {index_size}  "
                      f"[before: {load_before}]")
        finally:
            odoo.sql_db.close_db(args.db)
        print(f"install under 2 minutes: {'OK' if elapsed < 120 else 'SLOW'} ({elapsed:.1f} s)")
    finally:
        if not args.keep:
            _seed.drop_database(args.db)
            print(f"dropped database {args.db}")


if __name__ == "__main__":
    main()
