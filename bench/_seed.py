"""Shared helpers of the bench scripts: create a database with debt_collection, seed customers and open
receivable items in bulk SQL, open an Odoo environment on it, drop it.

Not a benchmark itself (scripts/bench.sh runs every bench/*.py: run directly, this file only says so).
Usage from a bench script (run with the interpreter of the ``odoo`` command)::

    import _seed
    odoo = _seed.import_odoo()
    installed = _seed.ensure_database(db, reuse=args.reuse)   # True: installed now, False: reused
    registry = _seed.open_registry(db)
    with registry.cursor() as cr:
        stats = _seed.seed(cr, customers=10_000, items=200_000)  # or _seed.seeded_counts(cr) when reused
    ...
    _seed.close_registry(db); _seed.drop_database(db)

The data is reproducible: every "random" choice is a hash of the row number (``hashint4extended``), so two
runs with the same sizes seed the same customers, amounts and dates (relative to the day of the run).
"""

import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ADDONS_PATH = str(REPO_ROOT / "addons")
# filestores of the bench databases (Odoo's default, ~/.local/share/Odoo, would keep them after dropdb)
DATA_DIR = os.path.join(tempfile.gettempdir(), "dc_bench_data")

BENCH_LOGIN_PREFIX = "bench_salesperson_"
BENCH_PARTNER_REF = "BENCH-C"  # res_partner.ref prefix of the seeded customers
BENCH_MOVE_PREFIX = "BENCH/"  # account_move.name prefix of the seeded invoices / credit notes
BENCH_PAYMENT_PREFIX = "BENCHPAY/"  # account_move.name prefix of the seeded payments (seed_payments)


def load_text():
    """The machine's load average (1, 5, 15 min) and core count, as printed next to every figure."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def print_machine():
    print(f"machine: {os.cpu_count()} cores, {load_text()}, {time.strftime('%Y-%m-%d %H:%M')}")


def timeit(cr, func, runs=5, label="", warmup=1, log=print):
    """Run ``func`` ``warmup`` times, then ``runs`` times with an empty ORM cache each time; print and return
    ``{"min", "median", "queries", "load"}`` (seconds; SQL queries of the last run)."""
    odoo = import_odoo()
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    times = []
    queries = 0
    for i in range(warmup + runs):
        env.invalidate_all()
        before = cr.sql_log_count
        start = time.perf_counter()
        func()
        elapsed = time.perf_counter() - start
        queries = cr.sql_log_count - before
        if i >= warmup:
            times.append(elapsed)
    result = {"min": min(times), "median": statistics.median(times), "queries": queries, "load": load_text()}
    if label:
        log(f"{label}: min {result['min']:.3f} s, median {result['median']:.3f} s over {runs} runs, "
            f"{queries} queries  [{result['load']}]")
    return result


def odoo_command():
    path = os.environ.get("ODOO_BIN") or shutil.which("odoo")
    if not path:
        raise SystemExit("bench: no 'odoo' command on PATH")
    return path


def import_odoo():
    """Import odoo the way the ``odoo`` command does (it puts its source tree on sys.path)."""
    try:
        import odoo
    except ImportError:
        odoo = None
    # Add-ons installed from wheels (odoo-addon-*) leave an ``odoo/addons`` folder without ``__init__.py`` in
    # site-packages: ``import odoo`` then gives an empty namespace package, not Odoo.
    if odoo is None or getattr(odoo, "__file__", None) is None:
        sys.modules.pop("odoo", None)
        text = Path(odoo_command()).read_text(errors="replace")
        match = re.search(r"sys\.path\.insert\(\s*0\s*,\s*['\"]([^'\"]+)['\"]", text)
        sys.path.insert(0, match.group(1) if match else "/opt/odoo18")
        import odoo
    return odoo


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _psql(db, sql):
    out = subprocess.run(["psql", "-X", "-At", "-d", db, "-c", sql], capture_output=True, text=True, check=False)
    return out.stdout.strip() if out.returncode == 0 else None


def database_exists(db):
    return _psql("postgres", f"SELECT 1 FROM pg_database WHERE datname = '{db}'") == "1"


def module_installed(db, module="debt_collection"):
    return _psql(db, f"SELECT state FROM ir_module_module WHERE name = '{module}'") == "installed"


def drop_database(db):
    subprocess.run(["dropdb", "--if-exists", "--force", db], check=True)
    shutil.rmtree(os.path.join(DATA_DIR, "filestore", db), ignore_errors=True)


def ensure_database(db, reuse=False, addons_path=ADDONS_PATH, modules=("debt_collection",), log=print):
    """Create ``db`` with ``modules`` (debt_collection, and for instance a module to compare with) installed,
    without demo data.

    Returns False when an existing database with the modules was reused (``reuse``), True when (re)installed.
    """
    if reuse and database_exists(db) and all(module_installed(db, module) for module in modules):
        log(f"reusing database {db}")
        return False
    if database_exists(db):
        drop_database(db)
    log_file = os.path.join(tempfile.gettempdir(), f"{db}_install.log")
    cmd = [
        odoo_command(), "-d", db, f"--addons-path={addons_path}", "-i", ",".join(modules),
        "--stop-after-init", "--without-demo=all", "--http-interface=127.0.0.1", f"--http-port={free_port()}",
        f"--data-dir={DATA_DIR}", "--log-level=warn", f"--logfile={log_file}", "--max-cron-threads=0",
    ]
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not all(module_installed(db, module) for module in modules):
        tail = Path(log_file).read_text(errors="replace")[-4000:] if os.path.exists(log_file) else ""
        raise SystemExit(f"bench: installing {', '.join(modules)} in {db} failed (exit {proc.returncode}):\n"
                         f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}\n{tail}")
    log(f"installed {', '.join(modules)} in {db} in {time.perf_counter() - start:.1f} s (log: {log_file})")
    return True


def vacuum_analyze(db, tables):
    """VACUUM ANALYZE (outside any transaction): statistics and the visibility map that index-only scans use,
    as autovacuum leaves them on a live database after a while."""
    subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", f"VACUUM ANALYZE {', '.join(tables)}"],
                   check=True)


def open_registry(db, addons_path=ADDONS_PATH):
    odoo = import_odoo()
    odoo.tools.config.parse_config([
        "-d", db, "--addons-path", addons_path, "--data-dir", DATA_DIR, "--log-level", "warn",
        "--max-cron-threads", "0",
    ])
    from odoo.modules.registry import Registry
    return Registry(db)


def close_registry(db):
    odoo = import_odoo()
    from odoo.modules.registry import Registry
    Registry.delete(db)
    odoo.sql_db.close_db(db)


def seeded_counts(cr):
    """(customers, items) already seeded in this database."""
    cr.execute("SELECT COUNT(*) FROM res_partner WHERE ref LIKE %s", [BENCH_PARTNER_REF + "%"])
    customers = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM account_move WHERE name LIKE %s", [BENCH_MOVE_PREFIX + "%"])
    return customers, cr.fetchone()[0]


def _u(expr, salt):
    """SQL: a reproducible pseudo-random float in [0, 1) from an integer expression and a salt."""
    return f"((hashint4extended(({expr})::int, {int(salt)}) & 2147483647)::float8 / 2147483648.0)"


def ensure_salespeople(env, count=20):
    """``count`` internal users (salespeople, hence collection users), created through the ORM once."""
    users = env["res.users"].with_context(active_test=False).search(
        [("login", "=like", BENCH_LOGIN_PREFIX + "%")], order="id")
    group = env.ref("sales_team.group_sale_salesman")
    Users = env["res.users"].with_context(no_reset_password=True, mail_create_nosubscribe=True, tracking_disable=True)
    for i in range(len(users), count):
        users |= Users.create({
            "name": f"Bench Salesperson {i + 1:02d}",
            "login": f"{BENCH_LOGIN_PREFIX}{i + 1:02d}",
            "groups_id": [(6, 0, [env.ref("base.group_user").id, group.id])],
            "company_id": env.company.id,
            "company_ids": [(6, 0, [env.company.id])],
        })
    return users[:count]


def _start_bulk_load(cr, tables):
    """Foreign-key triggers off for this transaction (the rows to come are consistent by construction) and the
    secondary indexes of ``tables`` dropped (building them again once the rows are in is much faster than updating
    them row by row); returns what :func:`_end_bulk_load` needs."""
    cr.execute("SET LOCAL session_replication_role = replica")
    return _drop_secondary_indexes(cr, tables)


def _end_bulk_load(cr, indexes):
    """The indexes dropped by :func:`_start_bulk_load` built again, the foreign-key triggers back on."""
    for definition in indexes:
        cr.execute(definition)
    cr.execute("SET LOCAL session_replication_role = DEFAULT")


def _drop_secondary_indexes(cr, tables):
    """Drop the indexes of ``tables`` that back no constraint; return the statements that create them again."""
    cr.execute("""
        SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
          FROM pg_index i
         WHERE i.indrelid = ANY(%s::regclass[])
           AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    """, [list(tables)])
    rows = cr.fetchall()
    for name, _definition in rows:
        cr.execute(f"DROP INDEX {name}")
    return [definition for _name, definition in rows]


def seed(cr, customers, items, salespeople=20, refund_ratio=0.03, log=print):
    """Seed ``customers`` companies and ``items`` posted, open receivable items spread over them.

    Each item is one posted move in the company's sale journal (an ``out_invoice``, or about ``refund_ratio``
    of them an ``out_refund``) with one receivable line (``payment_term``, on the company's default receivable
    account, fully open) and one income line balancing it. Invoice dates spread over the past 230 days (up to
    today, so that every item is open as of today), payment terms 0/15/30/60 days, amounts 50..10,000 (skewed
    small); customers get items unevenly (a few big customers, a long tail, some with none). About 40% of
    customers have a credit limit, 1% a manual credit hold (if debt_collection is installed); time zones
    Asia/Ho_Chi_Minh, Asia/Taipei or none; salespeople: one of ``salespeople`` users, 1 in 8 none; the
    collector is the salesperson, 1 in 10 another user.

    Commits, then VACUUM ANALYZEs the tables. Returns a dict of counts and timings (seconds).
    """
    odoo = import_odoo()
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    existing = seeded_counts(cr)
    if any(existing):
        raise RuntimeError(f"database already seeded ({existing[0]} customers, {existing[1]} items)")
    timings = {}
    start = time.perf_counter()

    company = env.company
    # 40 % of the customers get a credit limit below: in use (Odoo's setting, off by default: no limit counts)
    company.account_use_credit_limit = True
    users = ensure_salespeople(env, salespeople)
    journal = env["account.journal"].search(
        [("type", "=", "sale"), ("company_id", "=", company.id)], order="sequence, id", limit=1)
    receivable = env["ir.default"]._get("res.partner", "property_account_receivable_id", company_id=company.id)
    receivable = env["account.account"].browse(receivable) if receivable else \
        company.partner_id.property_account_receivable_id
    income = journal.default_account_id
    if not (journal and receivable and income):
        raise RuntimeError("no chart of accounts: sale journal, receivable or income account missing")
    env.flush_all()
    cr.commit()
    timings["users"] = time.perf_counter() - start

    params = {
        "n": customers, "m": items, "users": users.ids, "nusers": len(users), "company": company.id,
        "company_key": str(company.id), "currency": company.currency_id.id, "journal": journal.id,
        "receivable": receivable.id, "income": income.id, "refund_ratio": refund_ratio,
        "ref": BENCH_PARTNER_REF, "prefix": BENCH_MOVE_PREFIX,
    }

    # --- customers ------------------------------------------------------------------------------------------
    t = time.perf_counter()
    cr.execute(f"""
        CREATE TEMP TABLE bench_partner ON COMMIT DROP AS
        SELECT g AS idx, nextval('res_partner_id_seq')::int AS id,
               'Bench Customer ' || lpad(g::text, 6, '0') AS name,
               CASE WHEN mod(g, 8) = 0 THEN NULL ELSE (%(users)s::int[])[1 + mod(g, %(nusers)s)] END AS user_id,
               CASE WHEN {_u('g', 11)} < 0.1
                    THEN (%(users)s::int[])[1 + mod(g * 7 + 3, %(nusers)s)] END AS other_collector,
               CASE WHEN {_u('g', 12)} < 0.45 THEN 'Asia/Ho_Chi_Minh'
                    WHEN {_u('g', 12)} < 0.75 THEN 'Asia/Taipei' END AS tz,
               CASE WHEN {_u('g', 13)} < 0.40
                    THEN jsonb_build_object(%(company_key)s,
                             (ARRAY[5000, 10000, 20000, 50000, 100000])[1 + floor({_u('g', 14)} * 5)::int]) END
                   AS credit_limit,
               CASE WHEN {_u('g', 15)} < 0.01 THEN jsonb_build_object(%(company_key)s, true) END AS manual_hold
          FROM generate_series(1, %(n)s) g
    """, params)
    # Before debt_collection is installed (bench/install.py) its columns do not exist yet: customers as any
    # database has them, without collector nor manual hold.
    cr.execute("SELECT 1 FROM information_schema.columns "
               "WHERE table_name = 'res_partner' AND column_name = 'debt_collector_id'")
    debt_columns, debt_values = ("", "")
    if cr.fetchone():
        debt_columns = "debt_collector_id, debt_manual_hold,"
        debt_values = ("CASE WHEN other_collector IS NOT NULL"
                       " THEN jsonb_build_object(%(company_key)s, other_collector) END, manual_hold,")
    cr.execute(f"""
        INSERT INTO res_partner (
            id, name, complete_name, commercial_company_name, commercial_partner_id, ref, type, active, is_company,
            lang, tz, user_id, {debt_columns} credit_limit, color, partner_share, message_bounce,
            customer_rank, supplier_rank, invoice_warn, sale_warn, autopost_bills,
            create_uid, write_uid, create_date, write_date)
        SELECT id, name, name, name, id, %(ref)s || lpad(idx::text, 6, '0'), 'contact', true, true,
               'en_US', tz, user_id, {debt_values} credit_limit, 0, true, 0,
               1, 0, 'no-message', 'no-message', 'ask',
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_partner ORDER BY idx
    """, params)
    timings["customers"] = time.perf_counter() - t

    # --- items: one temp row per move -----------------------------------------------------------------------
    t = time.perf_counter()
    cr.execute(f"""
        CREATE TEMP TABLE bench_item ON COMMIT DROP AS
        SELECT s.g, nextval('account_move_id_seq')::int AS move_id, p.id AS partner_id, p.user_id,
               p.name AS partner_name,
               s.is_refund, s.amount, s.invoice_date,
               s.invoice_date + (ARRAY[0, 15, 30, 60])[1 + floor({_u('s.g', 4)} * 4)::int] AS due_date,
               %(prefix)s || lpad(s.g::text, 7, '0') AS name
          FROM (SELECT g,
                       1 + LEAST(floor(%(n)s * power({_u('g', 1)}, 1.5))::int, %(n)s - 1) AS idx,
                       CURRENT_DATE - 230 + floor({_u('g', 2)} * 231)::int AS invoice_date,
                       round((50 + power({_u('g', 3)}, 2) * 9950)::numeric, 2) AS amount,
                       {_u('g', 5)} < %(refund_ratio)s AS is_refund
                  FROM generate_series(1, %(m)s) g) s
          JOIN bench_partner p ON p.idx = s.idx
      ORDER BY s.g
    """, params)
    timings["item plan"] = time.perf_counter() - t

    # Bulk load (see _start_bulk_load)
    t = time.perf_counter()
    indexes = _start_bulk_load(cr, ["account_move", "account_move_line"])
    timings["drop indexes"] = time.perf_counter() - t

    t = time.perf_counter()
    cr.execute("""
        INSERT INTO account_move (
            id, journal_id, company_id, partner_id, commercial_partner_id, partner_shipping_id, currency_id,
            invoice_user_id, sequence_prefix, sequence_number, name, state, move_type, auto_post,
            payment_reference, payment_state, invoice_partner_display_name, date, invoice_date, invoice_date_due,
            invoice_currency_rate, amount_untaxed, amount_tax, amount_total, amount_residual,
            amount_untaxed_signed, amount_untaxed_in_currency_signed, amount_tax_signed, amount_total_signed,
            amount_total_in_currency_signed, amount_residual_signed, is_storno, always_tax_exigible, checked,
            posted_before, made_sequence_gap, is_manually_modified,
            create_uid, write_uid, create_date, write_date)
        SELECT i.move_id, %(journal)s, %(company)s, i.partner_id, i.partner_id, i.partner_id, %(currency)s,
               i.user_id, %(prefix)s, i.g, i.name, 'posted',
               CASE WHEN i.is_refund THEN 'out_refund' ELSE 'out_invoice' END,
               'no', i.name, 'not_paid', i.partner_name, i.invoice_date, i.invoice_date, i.due_date,
               1.0, i.amount, 0, i.amount, i.amount,
               i.sgn * i.amount, i.sgn * i.amount, 0, i.sgn * i.amount,
               i.sgn * i.amount, i.sgn * i.amount, false, false, true,
               true, false, false,
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM (SELECT *, CASE WHEN is_refund THEN -1 ELSE 1 END AS sgn FROM bench_item) i
      ORDER BY i.g
    """, params)
    timings["moves"] = time.perf_counter() - t

    # kind 1: income line (product), kind 2: receivable line (payment_term); balance = sign * amount
    t = time.perf_counter()
    cr.execute("""
        INSERT INTO account_move_line (
            move_id, journal_id, company_id, company_currency_id, sequence, account_id, currency_id, partner_id,
            move_name, parent_state, name, display_type, date, invoice_date, date_maturity,
            debit, credit, balance, amount_currency, amount_residual, amount_residual_currency,
            quantity, price_unit, price_subtotal, price_total, discount, discount_amount_currency, discount_balance,
            tax_tag_invert, reconciled, create_uid, write_uid, create_date, write_date)
        SELECT i.move_id, %(journal)s, %(company)s, %(currency)s, i.sequence,
               CASE WHEN i.kind = 1 THEN %(income)s ELSE %(receivable)s END, %(currency)s, i.partner_id,
               i.name, 'posted', CASE WHEN i.kind = 1 THEN 'Bench sale' ELSE i.name END,
               CASE WHEN i.kind = 1 THEN 'product' ELSE 'payment_term' END,
               i.invoice_date, i.invoice_date, CASE WHEN i.kind = 2 THEN i.due_date END,
               GREATEST(i.bal, 0), GREATEST(-i.bal, 0), i.bal, i.bal,
               CASE WHEN i.kind = 2 THEN i.bal ELSE 0 END, CASE WHEN i.kind = 2 THEN i.bal ELSE 0 END,
               CASE WHEN i.kind = 1 THEN 1 ELSE 0 END, CASE WHEN i.kind = 1 THEN i.amount ELSE 0 END,
               CASE WHEN i.kind = 1 THEN i.amount ELSE 0 END, CASE WHEN i.kind = 1 THEN i.amount ELSE 0 END,
               0, CASE WHEN i.kind = 2 THEN 0 END, CASE WHEN i.kind = 2 THEN 0 END,
               false, false, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM (SELECT i.*, k.kind, k.sequence, CASE WHEN k.kind = 2 THEN i.rec ELSE -i.rec END AS bal
                  FROM (SELECT *, CASE WHEN is_refund THEN -amount ELSE amount END AS rec FROM bench_item) i
                 CROSS JOIN (VALUES (1, 100), (2, 12000)) k(kind, sequence)) i
      ORDER BY i.g, i.kind
    """, params)
    timings["move lines"] = time.perf_counter() - t

    t = time.perf_counter()
    _end_bulk_load(cr, indexes)
    timings["indexes"] = time.perf_counter() - t

    cr.commit()  # drops the temp tables
    t = time.perf_counter()
    vacuum_analyze(cr.dbname, ["res_partner", "account_move", "account_move_line"])
    timings["vacuum analyze"] = time.perf_counter() - t
    env.invalidate_all()
    timings["total"] = time.perf_counter() - start
    got = seeded_counts(cr)
    cr.execute("SELECT COUNT(*) FROM account_move WHERE name LIKE %s AND move_type = 'out_refund'",
               [BENCH_MOVE_PREFIX + "%"])
    refunds = cr.fetchone()[0]
    cr.execute("""SELECT COUNT(DISTINCT partner_id) FROM account_move WHERE name LIKE %s""", [BENCH_MOVE_PREFIX + "%"])
    with_items = cr.fetchone()[0]
    stats = {"customers": got[0], "items": got[1], "refunds": refunds, "customers_with_items": with_items,
             "salespeople": len(users), "timings": timings}
    log("seeded {customers} customers ({customers_with_items} with items), {items} items ({refunds} negative) "
        "in {t:.1f} s ({parts})".format(
            t=timings["total"], parts=", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total"),
            **stats))
    return stats


def seeded_payments(cr):
    """(payments, invoices paid in full) already seeded by :func:`seed_payments` in this database."""
    cr.execute("""SELECT COUNT(*), COUNT(*) FILTER (WHERE p.full_reconcile_id IS NOT NULL)
                    FROM account_move m
                    JOIN account_move_line aml ON aml.move_id = m.id AND aml.credit > 0
                    JOIN account_partial_reconcile p ON p.credit_move_id = aml.id
                   WHERE m.name LIKE %s""", [BENCH_PAYMENT_PREFIX + "%"])
    return cr.fetchone()


def seed_payments(cr, paid, share, days=60, log=print):
    """Customer payments in bulk SQL, received over the last ``days`` days, on the invoices :func:`seed` made:
    ``paid`` invoices paid in full (reconciled: no longer open today, open before their payment), and about
    ``share`` of the other invoices paid in part (30 to 70 % of them: still open today, for more before the
    payment). Credit notes stay unpaid.

    Each payment is a posted entry of the company's bank journal dated the day it was received (never before its
    invoice), its receivable line reconciled with the invoice's by an ``account_partial_reconcile`` of that day
    (``max_date``), and, for the invoices paid in full, an ``account_full_reconcile``; the invoices' open amounts,
    reconciled flags, matching numbers and payment states are updated as Odoo's reconciliation leaves them. So
    an aging report as of a day in the past must add back what was paid since (the partial reconciliations dated
    after it), as Odoo's and OCA's reports do.

    Commits, then VACUUM ANALYZEs the tables. Returns a dict of counts and timings (seconds).
    """
    odoo = import_odoo()
    env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
    if any(seeded_payments(cr)):
        raise RuntimeError("payments already seeded")
    start = time.perf_counter()
    timings = {}
    company = env.company
    bank = env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1)
    if not (bank and bank.default_account_id):
        raise RuntimeError("no bank journal with a default account")
    params = {
        "paid": paid, "share": share, "days": days, "company": company.id, "currency": company.currency_id.id,
        "journal": bank.id, "bank_account": bank.default_account_id.id, "invoices": BENCH_MOVE_PREFIX + "%",
        "prefix": BENCH_PAYMENT_PREFIX,
    }
    t = time.perf_counter()
    cr.execute(f"""
        CREATE TEMP TABLE bench_pay ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY i.line_id)::int AS g, i.*,
               nextval('account_move_id_seq')::int AS move_id,
               nextval('account_partial_reconcile_id_seq')::int AS partial_id,
               CASE WHEN i.in_full THEN nextval('account_full_reconcile_id_seq')::int END AS full_id
          FROM (SELECT inv.line_id, inv.inv_move_id, inv.partner_id, inv.account_id, inv.rank <= %(paid)s AS in_full,
                       CASE WHEN inv.rank <= %(paid)s THEN inv.residual
                            ELSE round(inv.residual * (0.3 + 0.4 * {_u('inv.line_id', 23)})::numeric, 2) END AS amount,
                       GREATEST(inv.inv_date, CURRENT_DATE - floor({_u('inv.line_id', 24)} * %(days)s)::int) AS pay_date
                  FROM (SELECT aml.id AS line_id, aml.move_id AS inv_move_id, aml.partner_id, aml.account_id,
                               aml.date AS inv_date, aml.amount_residual AS residual,
                               row_number() OVER (ORDER BY hashint4extended(aml.id, 21), aml.id) AS rank
                          FROM account_move_line aml
                          JOIN account_move m ON m.id = aml.move_id
                         WHERE m.name LIKE %(invoices)s AND m.move_type = 'out_invoice'
                           AND aml.display_type = 'payment_term' AND aml.amount_residual > 0) inv
                 WHERE inv.rank <= %(paid)s OR {_u('inv.line_id', 22)} < %(share)s) i
    """, params)
    timings["plan"] = time.perf_counter() - t

    t = time.perf_counter()
    indexes = _start_bulk_load(cr, ["account_move", "account_move_line", "account_partial_reconcile"])
    cr.execute("""
        INSERT INTO account_move (
            id, journal_id, company_id, partner_id, commercial_partner_id, currency_id, sequence_prefix,
            sequence_number, name, ref, state, move_type, auto_post, payment_state, date, invoice_currency_rate,
            amount_untaxed, amount_tax, amount_total, amount_residual, amount_untaxed_signed,
            amount_untaxed_in_currency_signed, amount_tax_signed, amount_total_signed, amount_total_in_currency_signed,
            amount_residual_signed, is_storno, always_tax_exigible, checked, posted_before, made_sequence_gap,
            is_manually_modified, create_uid, write_uid, create_date, write_date)
        SELECT move_id, %(journal)s, %(company)s, partner_id, partner_id, %(currency)s, %(prefix)s,
               g, %(prefix)s || lpad(g::text, 7, '0'), 'Bench payment', 'posted', 'entry', 'no', 'not_paid', pay_date,
               1.0, 0, 0, amount, 0, 0, 0, 0, amount, amount, 0, false, true, true, true, false, false,
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_pay ORDER BY g
    """, params)
    # kind 1: the bank line (debit), kind 2: the receivable line (credit), reconciled with the invoice's
    cr.execute("""
        INSERT INTO account_move_line (
            move_id, journal_id, company_id, company_currency_id, sequence, account_id, currency_id, partner_id,
            move_name, parent_state, name, display_type, date, date_maturity, debit, credit, balance, amount_currency,
            amount_residual, amount_residual_currency, reconciled, full_reconcile_id, matching_number,
            quantity, price_unit, price_subtotal, price_total, discount, tax_tag_invert,
            create_uid, write_uid, create_date, write_date)
        SELECT p.move_id, %(journal)s, %(company)s, %(currency)s, k.kind * 10,
               CASE WHEN k.kind = 1 THEN %(bank_account)s ELSE p.account_id END, %(currency)s, p.partner_id,
               %(prefix)s || lpad(p.g::text, 7, '0'), 'posted', 'Bench payment', 'product', p.pay_date, p.pay_date,
               CASE WHEN k.kind = 1 THEN p.amount ELSE 0 END, CASE WHEN k.kind = 2 THEN p.amount ELSE 0 END,
               CASE WHEN k.kind = 1 THEN p.amount ELSE -p.amount END,
               CASE WHEN k.kind = 1 THEN p.amount ELSE -p.amount END,
               CASE WHEN k.kind = 1 THEN p.amount ELSE 0 END, CASE WHEN k.kind = 1 THEN p.amount ELSE 0 END,
               k.kind = 2, CASE WHEN k.kind = 2 THEN p.full_id END,
               CASE WHEN k.kind = 2 THEN COALESCE(p.full_id::text, 'P' || p.partial_id) END,
               0, 0, 0, 0, 0, false, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_pay p CROSS JOIN (VALUES (1), (2)) k(kind)
      ORDER BY p.g, k.kind
    """, params)
    cr.execute("""
        INSERT INTO account_full_reconcile (id, create_uid, write_uid, create_date, write_date)
        SELECT full_id, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM bench_pay WHERE in_full ORDER BY g
    """)
    cr.execute("""
        INSERT INTO account_partial_reconcile (
            id, debit_move_id, credit_move_id, full_reconcile_id, debit_currency_id, credit_currency_id, company_id,
            max_date, amount, debit_amount_currency, credit_amount_currency, create_uid, write_uid, create_date,
            write_date)
        SELECT p.partial_id, p.line_id, aml.id, p.full_id, %(currency)s, %(currency)s, %(company)s,
               p.pay_date, p.amount, p.amount, p.amount, 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_pay p
          JOIN account_move_line aml ON aml.move_id = p.move_id AND aml.credit > 0
      ORDER BY p.g
    """, params)
    # the invoices: what is left to pay, as Odoo's reconciliation leaves it
    cr.execute("""
        UPDATE account_move_line aml
           SET amount_residual = aml.amount_residual - p.amount,
               amount_residual_currency = aml.amount_residual_currency - p.amount,
               reconciled = p.in_full, full_reconcile_id = p.full_id,
               matching_number = COALESCE(p.full_id::text, 'P' || p.partial_id)
          FROM bench_pay p
         WHERE aml.id = p.line_id
    """)
    cr.execute("""
        UPDATE account_move m
           SET amount_residual = m.amount_residual - p.amount,
               amount_residual_signed = m.amount_residual_signed - p.amount,
               payment_state = CASE WHEN p.in_full THEN 'paid' ELSE 'partial' END
          FROM bench_pay p
         WHERE m.id = p.inv_move_id
    """)
    timings["rows"] = time.perf_counter() - t
    t = time.perf_counter()
    _end_bulk_load(cr, indexes)
    timings["indexes"] = time.perf_counter() - t
    cr.commit()
    t = time.perf_counter()
    vacuum_analyze(cr.dbname, ["account_move", "account_move_line", "account_partial_reconcile",
                               "account_full_reconcile"])
    timings["vacuum analyze"] = time.perf_counter() - t
    env.invalidate_all()
    payments, full = seeded_payments(cr)
    timings["total"] = time.perf_counter() - start
    parts = ", ".join(f"{k} {v:.1f} s" for k, v in timings.items() if k != "total")
    log(f"seeded {payments} payments over the last {days} days ({full} invoices paid in full, {payments - full} in "
        f"part) in {timings['total']:.1f} s ({parts})")
    return {"payments": payments, "paid_in_full": full, "timings": timings}


if __name__ == "__main__":
    print("bench/_seed.py: helpers for the bench scripts, nothing to measure")
