"""Benchmark: the escalation dossier (PDF + XLSX) of a customer with 5,000 open items (issue 15).

Run it with ``bash scripts/bench.sh bench/dossier.py`` (the interpreter of the ``odoo`` command). It creates its
database (``--db``), installs debt_collection without demo data, seeds one customer with ``--items`` open
receivable items (``_seed.seed``), gives it ``--calls`` calls, ``--notes`` collection notes and ``--promises``
promises to pay through the ORM, then, as the administrator (a collection manager):

* times the hand-over (``debt.escalation.create``: the dossier's data read once, the PDF rendered by
  wkhtmltopdf when it is installed, the XLSX, the attachments and the chatter notes), and prints the sizes;
* times "Rebuild the Dossier" on the same case ``--runs`` times;
* times the parts alone: the data, the QWeb HTML, the XLSX.

Aim (issue 15): the dossier of a customer with 5,000 items in under 10 s. The database is dropped at the end
(``--keep`` keeps it).
"""

import argparse
import time
from datetime import timedelta

import _seed

odoo = _seed.import_odoo()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="database to create (dropped at the end)")
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--notes", type=int, default=100)
    parser.add_argument("--promises", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing seeded database")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    return parser.parse_args()


def seed_history(env, partner, calls, notes, promises):
    """Calls, notes and promises of the customer, through the ORM (a few hundred records)."""
    user = env.ref("base.user_admin")
    now = odoo.fields.Datetime.now()
    env["debt.call"].create([{
        "partner_id": partner.id, "user_id": user.id, "outcome": ("no_answer", "refused", "callback")[i % 3],
        "date": now - timedelta(days=i + 1), "note": f"<p>Call {i}: the customer asked for time.</p>",
    } for i in range(calls)])
    env["debt.note"].create([{
        "partner_id": partner.id, "category": "late_payment", "note": f"Note {i}: cash flow problems.",
    } for i in range(notes)])
    today = odoo.fields.Date.context_today(env["res.partner"])
    env["debt.promise"].create([{
        "partner_id": partner.id, "amount": 100.0 + i, "date": today - timedelta(days=2 * i + 30),
        "promised_date": today - timedelta(days=2 * i + 20),
    } for i in range(promises)])


def main():
    args = parse_args()
    _seed.print_machine()
    _seed.ensure_database(args.db, reuse=args.reuse)
    registry = _seed.open_registry(args.db)
    try:
        with registry.cursor() as cr:
            seeded = _seed.seeded_counts(cr)
            if any(seeded):
                print(f"reused seed: {seeded[0]} customers, {seeded[1]} items")
            else:
                _seed.seed(cr, customers=1, items=args.items)
            admin = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})["res.users"].browse(odoo.SUPERUSER_ID)
            env = odoo.api.Environment(cr, admin.env.ref("base.user_admin").id, {"lang": "en_US", "tz": "UTC"})
            cr.execute("SELECT id FROM res_partner WHERE ref LIKE %s ORDER BY id LIMIT 1",
                       [_seed.BENCH_PARTNER_REF + "%"])
            partner = env["res.partner"].browse(cr.fetchone()[0])
            if not env["debt.call"].search_count([("partner_id", "=", partner.id)]):
                seed_history(env, partner, args.calls, args.notes, args.promises)
                cr.commit()
            agency = env["res.partner"].create({"name": "Bench Collection Agency", "is_company": True})
            env["debt.escalation"].search([("partner_id", "=", partner.id), ("state", "=", "active")]) \
                .action_debt_return("bench: previous run")
            cr.commit()

            env.invalidate_all()
            start = time.perf_counter()
            case = env["debt.escalation"].create({
                "partner_id": partner.id, "stage": "legal", "party_id": agency.id, "reason": "bench"})
            env.flush_all()
            handover = time.perf_counter() - start
            data = env["report.debt_collection.report_debt_dossier"]._debt_dossier_data(case)
            sizes = ", ".join(f"{att.name}: {att.file_size / 1024:.0f} KiB ({att.mimetype})"
                              for att in case.dossier_ids)
            print(f"dossier: {len(data['items'])} open items, {len(data['calls'])} calls, {len(data['notes'])} notes, "
                  f"{len(data['promises'])} promises, {len(data['reminders'])} reminders; {sizes}")
            print(f"hand-over (create + dossier PDF and XLSX): {handover:.3f} s  [{_seed.load_text()}]")
            rebuild = _seed.timeit(cr, case.action_debt_rebuild_dossier, runs=args.runs, warmup=0,
                                   label="rebuild the dossier (PDF + XLSX)")
            Report = env["report.debt_collection.report_debt_dossier"]
            _seed.timeit(cr, lambda: Report._debt_dossier_data(case), runs=args.runs, label="  the data alone")
            _seed.timeit(cr, lambda: env["ir.actions.report"]._render_qweb_html(
                "debt_collection.action_report_debt_dossier", case.ids), runs=args.runs, label="  the HTML alone")
            _seed.timeit(cr, lambda: case._debt_dossier_xlsx(Report._debt_dossier_data(case)), runs=args.runs,
                         label="  the XLSX alone (with its data)")
            worst = max(handover, rebuild["median"])
            print(f"dossier of {len(data['items'])} items: {worst:.3f} s worst (aim: under 10 s) -> "
                  f"{'OK' if worst < 10 else 'SLOW'}")
            cr.rollback()
    finally:
        _seed.close_registry(args.db)
        if not args.keep:
            _seed.drop_database(args.db)
            print(f"dropped database {args.db}")


if __name__ == "__main__":
    main()
