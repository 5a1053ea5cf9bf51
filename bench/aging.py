"""Benchmark of the aging report (issue 3), against OCA's aged partner balance on the same data.

Seeds 1,000,000 open receivable items over 50,000 customers in bulk SQL, and payments received over the last
60 days (``_seed.seed_payments``: 50,000 more invoices paid in full, a fifth of the open ones paid in part), then
prints:
- the report's compute: ``debt.aging.report`` create + ``_compute_lines()``, default profile, grouped by
  salesperson, as a collection manager (aim: under 3 s); and with OCA's columns (30, 60, 90, 120 days);
- the compute as of 30 days ago (``--past-days``), which adds back what was paid since to the open amounts,
  and its total against the receivable account's balance on that day (they must agree);
- the floor: a bare ``SELECT partner, bucket, SUM(amount_residual) ... GROUP BY`` over the same rows;
- the XLSX of the report (``_render_xlsx()``, every customer): time (aim: under 15 s), the peak of the
  process's resident memory above what it was before (sampled every 5 ms) (aim: under 500 MB), and
  tracemalloc's peak of Python allocations over the XLSX of one salesperson's customers (tracemalloc slows
  Python down several times; ``--tracemalloc``: over the whole file);
- OCA ``account_financial_report``'s aged partner balance, computed the way its wizard does
  (``report.account_financial_report.aged_partner_balance._get_report_values``: same date, the receivable
  accounts, all partners, lines loaded into Python), its time and memory, and the ratio to ours (aim: ours
  10 times faster), today and as of the past date, with the totals of both. OCA's add-on is installed beside
  debt_collection in the bench database only when it can be found (``pip install --no-deps
  odoo-addon-account_financial_report==18.0.*`` and its OCA dependencies odoo-addon-date_range,
  odoo-addon-report_xlsx into Odoo's Python); otherwise "OCA comparison skipped".

Run it with ``bash scripts/bench.sh bench/aging.py`` (or ``make bench``). Options: ``--customers``,
``--items``, ``--paid``, ``--partly-paid``, ``--past-days``, ``--runs``, ``--no-oca``, ``--reuse``/``--keep``
(keep the database between runs).
"""

import argparse
import datetime
import json
import logging
import statistics
import threading
import time
import tracemalloc

import _seed

odoo = _seed.import_odoo()

OCA_MODULES = ("account_financial_report", "date_range", "report_xlsx")
OCA_BOUNDS = "30,60,90,120"  # OCA's columns: current, 1-30, 31-60, 61-90, 91-120, older
OCA_COLUMNS = ("current", "30_days", "60_days", "90_days", "120_days", "older")  # the same, as OCA names them


def oca_status():
    """(True, "") when OCA's account_financial_report and its dependencies can be installed, else (False, why)."""
    from odoo.modules.module import get_manifest

    odoo.tools.config.parse_config(["--addons-path", _seed.ADDONS_PATH, "--log-level", "warn"])
    missing = [name for name in OCA_MODULES if not get_manifest(name)]
    if missing:
        return False, (f"{', '.join(missing)} not found (pip install --no-deps "
                       f"{' '.join(f'odoo-addon-{name}==18.0.*' for name in OCA_MODULES)} in Odoo's Python)")
    version = get_manifest("account_financial_report").get("version", "")
    if not version.startswith("18.0"):
        return False, f"account_financial_report {version} is not an 18.0 version"
    return True, version


def rss_mb():
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def with_peak_rss(func):
    """Run ``func``; return (result, seconds, rss before in MB, peak rss above it in MB), rss sampled every 5 ms."""
    before = rss_mb()
    peak = [before]
    done = threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], rss_mb())

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    start = time.perf_counter()
    try:
        result = func()
    finally:
        elapsed = time.perf_counter() - start
        done.set()
        thread.join()
    peak[0] = max(peak[0], rss_mb())
    return result, elapsed, before, peak[0] - before


def with_tracemalloc(func):
    """Run ``func`` under tracemalloc; return its peak of Python allocations in MB."""
    tracemalloc.start()
    try:
        func()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def figures(label, times, extra=""):
    text = (f"{label}: min {min(times):.3f} s, median {statistics.median(times):.3f} s over {len(times)} runs"
            f"{extra}  [{_seed.load_text()}]")
    print(text)
    return {"min": min(times), "median": statistics.median(times)}


def compute(env, values, runs):
    """Create and compute reports ``runs`` (+1 warm-up) times; keep the last one. Returns (report, figures)."""
    times = []
    report = None
    for i in range(runs + 1):
        if report is not None:
            env.cr.rollback()  # forget the previous run's report and lines
            env.invalidate_all()
        start = time.perf_counter()
        report = env["debt.aging.report"].create(dict(values))
        report._compute_lines()
        env.flush_all()
        if i:
            times.append(time.perf_counter() - start)
    return report, times


def report_summary(report):
    report.env.cr.execute("""SELECT COUNT(*), COUNT(DISTINCT partner_id), COALESCE(SUM(amount), 0), SUM(item_count)
                               FROM debt_aging_report_line WHERE report_id = %s""", [report.id])
    return report.env.cr.fetchone()


def report_cells(report):
    """{(customer name, column number): amount} of a report's lines."""
    report.env.cr.execute("""SELECT p.name, l.bucket_index, l.amount FROM debt_aging_report_line l
                               JOIN res_partner p ON p.id = l.partner_id WHERE l.report_id = %s""", [report.id])
    cells = {}
    for name, index, amount in report.env.cr.fetchall():
        cells[name, index] = cells.get((name, index), 0.0) + float(amount)
    return cells


def oca_cells(result):
    """{(customer name, column number): amount} of OCA's aged partner balance (its columns are OCA_BOUNDS')."""
    cells = {}
    for account in result:
        for partner in account["partners"]:
            for index, key in enumerate(OCA_COLUMNS):
                if partner[key]:
                    cells[partner["name"], index] = cells.get((partner["name"], index), 0.0) + partner[key]
    return cells


def compare_cells(ours, theirs):
    """Print how many customer-and-column cells the two reports have, and those that differ by a cent or more."""
    keys = set(ours) | set(theirs)
    differ = sorted(key for key in keys if abs(ours.get(key, 0.0) - theirs.get(key, 0.0)) >= 0.005)
    print(f"  cells (customer x column, OCA's columns): {len(keys)} compared, "
          f"{'all agree to the cent' if not differ else f'{len(differ)} DIFFER'}")
    for key in differ[:5]:
        print(f"    {key}: ours {ours.get(key, 0.0):,.2f}, OCA {theirs.get(key, 0.0):,.2f}")


def receivable_balance(cr, date_at):
    """The receivable accounts' balance on ``date_at`` (posted lines dated up to it): what an aging report as of that
    day must total, whatever was reconciled since (a reconciliation moves no money between the two lines' totals)."""
    cr.execute("""
        SELECT COALESCE(SUM(aml.balance), 0)
          FROM account_move_line aml
          JOIN account_account acc ON acc.id = aml.account_id
         WHERE aml.parent_state = 'posted' AND acc.account_type = 'asset_receivable' AND aml.date <= %s
    """, [date_at])
    return cr.fetchone()[0]


def floor_query(cr, thresholds, runs):
    """The bare aggregation over the same rows: open receivable items as of today, per customer and column."""
    sql = """
        SELECT p.commercial_partner_id, width_bucket(CURRENT_DATE - COALESCE(aml.date_maturity, aml.date),
                                                     %(thresholds)s::int[]),
               SUM(aml.amount_residual)
          FROM account_move_line aml
          JOIN account_account acc ON acc.id = aml.account_id
          JOIN res_partner p ON p.id = aml.partner_id
         WHERE aml.parent_state = 'posted' AND aml.reconciled IS NOT TRUE AND aml.amount_residual != 0
           AND acc.account_type = 'asset_receivable' AND aml.date <= CURRENT_DATE
      GROUP BY 1, 2
    """
    times = []
    for i in range(runs + 1):
        start = time.perf_counter()
        cr.execute(sql, {"thresholds": thresholds})
        rows = cr.fetchall()
        if i:
            times.append(time.perf_counter() - start)
    return rows, times


def oca_aged_balance(env, date_at):
    """OCA's aged partner balance as its wizard computes it (the QWeb/XLSX rendering aside)."""
    company = env.company
    accounts = env["account.account"].search([
        ("account_type", "=", "asset_receivable"), ("company_ids", "in", company.ids)])
    wizard = env["aged.partner.balance.report.wizard"].create({
        "company_id": company.id,
        "date_at": date_at,
        "target_move": "posted",
        "receivable_accounts_only": True,
        "account_ids": [(6, 0, accounts.ids)],
        "show_move_line_details": False,
    })
    # the wizard's data goes to the web client and comes back as JSON (dates as text), as in report_action()
    data = json.loads(json.dumps(wizard._prepare_report_data(), default=str))
    values = env["report.account_financial_report.aged_partner_balance"]._get_report_values(wizard.ids, data)
    return values["aged_partner_balance"]


def oca_compared(env, date_at, our_total, our_cells, tolerance):
    """Run OCA's aged partner balance as of ``date_at`` (from a clean transaction), print its time, memory and total
    against ours, compare it with our report cell by cell; return its time in seconds."""
    env.cr.rollback()
    env.invalidate_all()
    result, elapsed, before, peak = with_peak_rss(lambda: oca_aged_balance(env, date_at))
    oca_total = sum(account["residual"] for account in result)
    oca_partners = sum(len(account["partners"]) for account in result)
    print(f"OCA aged partner balance as of {date_at} ({oca_partners} partners): {elapsed:.3f} s, "
          f"peak RSS +{peak:.0f} MB over {before:.0f} MB, total {oca_total:,.2f}  [{_seed.load_text()}]")
    agree = abs(oca_total - float(our_total)) < tolerance
    print(f"  totals {'agree' if agree else 'DIFFER'}: ours {our_total:,.2f}, OCA {oca_total:,.2f}")
    compare_cells(our_cells, oca_cells(result))
    return elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--paid", type=int, default=50_000,
                        help="invoices paid in full over the last 60 days (seeded on top of --items)")
    parser.add_argument("--partly-paid", type=float, default=0.2,
                        help="share of the open invoices paid in part over the last 60 days")
    parser.add_argument("--past-days", type=int, default=30, help="the past report is as of this many days ago")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-oca", action="store_true", help="skip OCA's aged partner balance")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="trace Python allocations over the whole XLSX (slow), not one salesperson's")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    args = parser.parse_args()

    _seed.print_machine()
    logging.getLogger("odoo").setLevel(logging.WARNING)
    if args.no_oca:
        oca, why = False, "--no-oca"
    else:
        oca, why = oca_status()
    modules = ("debt_collection",) + (("account_financial_report",) if oca else ())
    _seed.ensure_database(args.db, reuse=args.reuse, modules=modules)
    registry = _seed.open_registry(args.db)
    summary = {}
    try:
        with registry.cursor() as cr:
            seeded = _seed.seeded_counts(cr)
            if any(seeded):
                payments, full = _seed.seeded_payments(cr)
                print(f"reused seed: {seeded[0]} customers, {seeded[1]} invoices and credit notes, {payments} "
                      f"payments ({full} invoices paid in full)")
            else:
                # the invoices paid in full come on top of the items that stay open
                _seed.seed(cr, customers=args.customers, items=args.items + args.paid)
                _seed.seed_payments(cr, paid=args.paid, share=args.partly_paid)
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            manager = env.ref("base.user_admin")
            env = odoo.api.Environment(cr, manager.id, {"lang": "en_US", "tz": "UTC"})
            today = datetime.date.today()  # the process runs in UTC, like Odoo; so does the floor query

            # 1. our compute, default profile, grouped by salesperson
            report, times = compute(env, {"date_at": today, "groupby": "salesperson"}, args.runs)
            lines, customers, total, items = report_summary(report)
            summary["ours"] = figures(
                f"aging compute (profile {report.profile_id.name!r}: {report.bounds_used}, by salesperson)", times,
                f"; {lines} lines, {customers} customers, {items} items, total {total:,.2f}")

            # 1b. as of a day in the past: the open amounts of that day, rebuilt from the reconciliations since
            past_date = today - datetime.timedelta(days=args.past_days)
            past, times = compute(env, {"date_at": past_date, "groupby": "salesperson"}, args.runs)
            past_lines, past_customers, past_total, past_items = report_summary(past)
            summary["past"] = figures(
                f"aging compute as of {past_date} ({args.past_days} days ago, paid amounts added back)", times,
                f"; {past_lines} lines, {past_customers} customers, {past_items} items, total {past_total:,.2f}")
            balance = receivable_balance(cr, past_date)
            print(f"  receivable balance on {past_date}: {balance:,.2f} -> "
                  f"{'agrees' if abs(balance - past_total) < 0.005 else 'DIFFERS'} with the report's total")

            # 2. the same with OCA's columns
            report, times = compute(env, {"date_at": today, "groupby": "salesperson", "interval_mode": "list",
                                          "interval_list": OCA_BOUNDS}, args.runs)
            lines30, customers30, total30, _items30 = report_summary(report)
            cells_today = report_cells(report) if oca else None
            summary["ours_oca_columns"] = figures(
                f"aging compute (columns {report.bounds_used}, by salesperson)", times,
                f"; {lines30} lines, {customers30} customers")

            if oca:  # the past report with OCA's columns, to compare with OCA's cell by cell (not timed)
                past_oca_columns, _times = compute(env, {"date_at": past_date, "groupby": "salesperson",
                                                         "interval_mode": "list", "interval_list": OCA_BOUNDS}, 0)
                cells_past = report_cells(past_oca_columns)

            # 3. the floor
            from odoo.addons.debt_collection.tools import aging as aging_tools

            rows, times = floor_query(cr, aging_tools.sql_thresholds(aging_tools.parse_bounds(OCA_BOUNDS)),
                                      args.runs)
            floor_total = sum(row[2] for row in rows)
            summary["floor"] = figures("floor: bare SELECT partner, bucket, SUM(amount_residual) GROUP BY", times,
                                       f"; {len(rows)} groups, total {floor_total:,.2f}")
            print(f"  ours / floor: {summary['ours_oca_columns']['median'] / summary['floor']['median']:.1f}x")

            # 4. XLSX of the default report (every customer)
            cr.rollback()
            default_report, _times = compute(env, {"date_at": today, "groupby": "salesperson"}, 0)
            try:
                content, elapsed, before, peak = with_peak_rss(default_report._render_xlsx)
            except NotImplementedError:
                print("XLSX skipped: _render_xlsx() is not implemented on this branch")
            else:
                summary["xlsx"] = {"median": elapsed}
                print(f"XLSX ({customers} customers, {items} items): {elapsed:.3f} s, {len(content) / 2**20:.1f} MB "
                      f"file, peak RSS +{peak:.0f} MB over {before:.0f} MB  [{_seed.load_text()}]")
                print(f"  aim: under 15 s -> {'OK' if elapsed < 15 else 'SLOW'}; under 500 MB -> "
                      f"{'OK' if peak < 500 else 'TOO MUCH'}")
                del content
                if "xlsx_detail" in default_report._fields:  # the open-items sheet is optional
                    default_report.xlsx_detail = False
                    content, elapsed, before, peak = with_peak_rss(default_report._render_xlsx)
                    print(f"XLSX without the open-items sheet ({customers} customers): {elapsed:.3f} s, "
                          f"{len(content) / 2**20:.1f} MB file, peak RSS +{peak:.0f} MB  [{_seed.load_text()}]")
                    default_report.xlsx_detail = True
                    del content
                # tracemalloc slows Python down several times: over the whole file only with --tracemalloc,
                # else over the report of one salesperson's customers
                if args.tracemalloc:
                    env.invalidate_all()
                    traced = with_tracemalloc(default_report._render_xlsx)
                    print(f"XLSX under tracemalloc: peak of Python allocations {traced:.0f} MB")
                else:
                    salesperson = _seed.ensure_salespeople(env(su=True), 1)
                    part = env["debt.aging.report"].create({"date_at": today, "groupby": "salesperson",
                                                             "salesperson_ids": [(6, 0, salesperson.ids)]})
                    part._compute_lines()
                    part_lines, part_customers, _total, part_items = report_summary(part)
                    start = time.perf_counter()
                    traced = with_tracemalloc(part._render_xlsx)
                    print(f"XLSX of one salesperson ({part_customers} customers, {part_items} items) under "
                          f"tracemalloc: peak of Python allocations {traced:.1f} MB "
                          f"({time.perf_counter() - start:.1f} s with tracemalloc)")

            # 5. OCA, today and as of the past date
            if oca:
                tolerance = 0.01 * max(1, len(rows))
                elapsed = oca_compared(env, today, total, cells_today, tolerance)
                summary["oca"] = {"median": elapsed}
                for key, label in (("ours_oca_columns", "same columns"), ("ours", "default profile")):
                    print(f"  OCA / ours ({label}): {elapsed / summary[key]['median']:.1f}x "
                          f"(aim: at least 10x)")
                elapsed = oca_compared(env, past_date, past_total, cells_past, tolerance)
                print(f"  OCA / ours (as of {past_date}): {elapsed / summary['past']['median']:.1f}x")
            else:
                print(f"OCA comparison skipped: {why}")
            cr.rollback()
    finally:
        _seed.close_registry(args.db)
        if not args.keep:
            _seed.drop_database(args.db)
            print(f"dropped database {args.db}")
    print(f"aging compute median {summary['ours']['median']:.3f} s (aim: under 3 s) -> "
          f"{'OK' if summary['ours']['median'] < 3 else 'SLOW'}")


if __name__ == "__main__":
    main()
