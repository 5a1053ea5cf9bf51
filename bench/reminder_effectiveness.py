"""Benchmark: the reminder-effectiveness figures (``debt.reminder.effectiveness``) over 100,000 reminders sent.

Run it with ``bash scripts/bench.sh bench/reminder_effectiveness.py`` (the interpreter of the ``odoo`` command). It
creates its database (``--db``), installs debt_collection without demo data, seeds customers and open receivable
items with ``_seed.seed``, payments on them with ``_seed.seed_payments`` (a partial reconciliation each, dated the
day received, over the last 60 days), and then, in bulk SQL, the reminders:

* the invoices' receivable items of each customer, two by two: one reminder per pair (the last one alone), until
  ``--reminders`` (default 100,000);
* sent on a day of the last 70 days (never before the invoice), under one of the company's reminder rules, by
  e-mail and, for the rules with SMS, by SMS too: state ``sent``, as the reminder job leaves it.

It then times what the Reporting > Reminder Effectiveness pivot asks (Odoo's ``read_group``, as a manager: every
reminder of the company, by rule and channel: amount reminded, shares paid within 7 and 14 days, median days to
pay), the same for one collector (a filter), and as that collector (record rules); prints the figures and drops
the database (``--keep`` keeps it).
"""

import argparse
import sys
import time

import _seed

MEASURES = ["reminder_count:sum", "reminded_amount:sum", "paid_7_amount:sum", "paid_14_amount:sum",
            "paid_7_rate:sum", "paid_14_rate:sum", "days_to_pay:max"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="database to create (dropped at the end)")
    parser.add_argument("--reminders", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=220_000)
    parser.add_argument("--paid", type=int, default=70_000, help="invoices paid in full")
    parser.add_argument("--partly-paid", type=float, default=0.2, help="share of the others paid in part")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing database with the module")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    return parser.parse_args(argv)


def seed_reminders(cr, count):
    """Insert ``count`` sent reminders (and their items) in bulk; returns (reminders, items)."""
    cr.execute("SELECT id, currency_id FROM res_company ORDER BY id LIMIT 1")
    company_id, _currency_id = cr.fetchone()
    cr.execute("""SELECT array_agg(id ORDER BY sequence, offset_days, id), array_agg(offset_days ORDER BY sequence,
                         offset_days, id), array_agg(channel ORDER BY sequence, offset_days, id)
                    FROM debt_reminder_rule WHERE company_id = %s AND active""", [company_id])
    rule_ids, offsets, channels = cr.fetchone()
    if not rule_ids:
        raise SystemExit("bench: the company has no reminder rule")
    u = _seed._u
    cr.execute("""
        CREATE TEMP TABLE bench_rem ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY g.partner_id, g.pair)::int AS idx, g.*
          FROM (SELECT l.partner_id, (l.rn + 1) / 2 AS pair, array_agg(l.id) AS line_ids, MAX(l.date) AS inv_date,
                       SUM(l.balance) AS amount
                  FROM (SELECT aml.id, aml.partner_id, aml.date, aml.balance,
                               row_number() OVER (PARTITION BY aml.partner_id ORDER BY aml.id) AS rn
                          FROM account_move_line aml
                          JOIN account_move m ON m.id = aml.move_id
                         WHERE m.name LIKE %(invoices)s AND m.move_type = 'out_invoice'
                           AND aml.display_type = 'payment_term') l
              GROUP BY l.partner_id, (l.rn + 1) / 2) g
         ORDER BY g.partner_id, g.pair
         LIMIT %(candidates)s
    """, {"invoices": _seed.BENCH_MOVE_PREFIX + "%", "candidates": count + count // 20})
    cr.execute(f"""
        ALTER TABLE bench_rem ADD COLUMN rule_idx int, ADD COLUMN sent_date date;
        UPDATE bench_rem
           SET rule_idx = 1 + floor({u('idx', 31)} * %(rules)s)::int,
               sent_date = LEAST(CURRENT_DATE, GREATEST(inv_date, CURRENT_DATE - floor({u('idx', 32)} * 70)::int))
    """, {"rules": len(rule_ids)})
    # one reminder per customer, rule and day (the job's unique key): the first candidate of each, then ``count``
    cr.execute("""
        DELETE FROM bench_rem b USING bench_rem o
         WHERE o.partner_id = b.partner_id AND o.rule_idx = b.rule_idx AND o.sent_date = b.sent_date AND o.idx < b.idx
    """)
    cr.execute("""
        DELETE FROM bench_rem WHERE idx NOT IN (SELECT idx FROM bench_rem ORDER BY idx LIMIT %s)
    """, [count])
    cr.execute("""
        INSERT INTO debt_reminder (partner_id, company_id, rule_id, cycle_date, step_offset, amount, credit_amount,
                                   amount_due, planned_time, sent_time, send_date, state, mail_state, sms_state,
                                   create_uid, write_uid, create_date, write_date)
        SELECT b.partner_id, %(company)s, (%(rule_ids)s::int[])[b.rule_idx], b.sent_date,
               (%(offsets)s::int[])[b.rule_idx], b.amount, 0, b.amount,
               b.sent_date + time '03:00', b.sent_date + time '03:00', b.sent_date, 'sent', 'sent',
               CASE WHEN (%(channels)s::varchar[])[b.rule_idx] IN ('sms', 'both') THEN 'sent' END,
               1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_rem b
      ORDER BY b.idx
            ON CONFLICT (partner_id, rule_id, cycle_date) DO NOTHING
    """, {"company": company_id, "rule_ids": rule_ids, "offsets": offsets, "channels": channels})
    cr.execute("""
        INSERT INTO debt_reminder_move_line_rel (reminder_id, move_line_id)
        SELECT r.id, unnest(b.line_ids)
          FROM bench_rem b
          JOIN debt_reminder r ON r.partner_id = b.partner_id AND r.rule_id = (%(rule_ids)s::int[])[b.rule_idx]
                              AND r.cycle_date = b.sent_date AND r.amount = b.amount
    """, {"rule_ids": rule_ids})
    cr.execute("SELECT COUNT(*), COUNT(DISTINCT reminder_id) FROM debt_reminder_move_line_rel")
    items, reminders = cr.fetchone()
    cr.commit()
    cr.execute("ANALYZE debt_reminder, debt_reminder_move_line_rel")
    cr.commit()
    return reminders, items


def print_groups(groups, label):
    print(f"{label}:")
    print(f"  {'rule':<24} {'channel':<7} {'reminders':>9} {'reminded':>16} {'paid 7 d':>16} {'paid 14 d':>16} "
          f"{'7 d %':>6} {'14 d %':>6} {'median days':>11}")
    for g in groups:
        median = g["days_to_pay"] if g["days_to_pay"] is not False else "-"
        print(f"  {g['rule_id'][1][:24]:<24} {g['channel']:<7} {g['reminder_count']:>9} {g['reminded_amount']:>16,.2f} "
              f"{g['paid_7_amount']:>16,.2f} {g['paid_14_amount']:>16,.2f} {g['paid_7_rate']:>6} "
              f"{g['paid_14_rate']:>6} {median!s:>11}")


def main(argv):
    args = parse_args(argv)
    odoo = _seed.import_odoo()
    db = args.db
    _seed.print_machine()
    _seed.ensure_database(db, reuse=args.reuse)
    registry = _seed.open_registry(db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            cr.execute("SELECT COUNT(*) FROM debt_reminder")
            if not cr.fetchone()[0]:
                if not any(_seed.seeded_counts(cr)):
                    _seed.seed(cr, customers=args.customers, items=args.items)
                if not any(_seed.seeded_payments(cr)):
                    _seed.seed_payments(cr, paid=args.paid, share=args.partly_paid)
                t = time.perf_counter()
                reminders, items = seed_reminders(cr, args.reminders)
                print(f"seeded {reminders} sent reminders ({items} items) in {time.perf_counter() - t:.1f} s")
            cr.execute("SELECT COUNT(*) FROM debt_reminder WHERE state = 'sent'")
            sent = cr.fetchone()[0]
            cr.execute("SELECT COUNT(*) FROM account_partial_reconcile")
            print(f"{sent} sent reminders; {cr.fetchone()[0]} partial reconciliations in the database")
            Effect = env["debt.reminder.effectiveness"]
            Effect.init()  # the view as this code defines it (a reused database may hold an older one)
            cr.commit()
            result = {}

            def company_figures():
                result["company"] = Effect.read_group([], MEASURES, ["rule_id", "channel"], lazy=False)

            company = _seed.timeit(cr, company_figures, runs=args.runs,
                                   label=f"company: {sent} reminders by rule and channel (manager)")
            print_groups(result["company"], "figures of the company")
            total = Effect.read_group([], MEASURES, [], lazy=False)[0]
            print(f"  all: {total['reminder_count']} reminders, {total['reminded_amount']:,.2f} reminded, "
                  f"{total['paid_7_rate']} % paid within 7 days, {total['paid_14_rate']} % within 14, median days "
                  f"{total['days_to_pay']}")

            # the floor: a bare pass over the same rows (reminders, their items, the items' reconciliations)
            def floor():
                cr.execute("""
                    SELECT r.rule_id, COUNT(DISTINCT r.id), SUM(aml.balance), SUM(apr.amount)
                      FROM debt_reminder r
                      JOIN debt_reminder_move_line_rel rel ON rel.reminder_id = r.id
                      JOIN account_move_line aml ON aml.id = rel.move_line_id
                 LEFT JOIN account_partial_reconcile apr ON apr.debit_move_id = aml.id
                  GROUP BY r.rule_id
                """)
                cr.fetchall()

            bare = _seed.timeit(cr, floor, runs=args.runs,
                                label="floor: bare GROUP BY over reminders, items, reconciliations")
            print(f"  ours / floor: {company['median'] / bare['median']:.1f}x")

            cr.execute("""SELECT u.id, COUNT(*) FROM debt_reminder r JOIN res_partner p ON p.id = r.partner_id
                            JOIN res_users u ON u.id = p.user_id GROUP BY u.id ORDER BY COUNT(*) DESC LIMIT 1""")
            collector_id, count = cr.fetchone()
            collector = env["res.users"].browse(collector_id)

            def collector_filter():
                result["filter"] = Effect.read_group(
                    [("collector_id", "=", collector_id)], MEASURES, ["rule_id", "channel"], lazy=False)

            one = _seed.timeit(cr, collector_filter, runs=args.runs,
                               label=f"one collector ({collector.name}, salesperson of {count} reminders' customers), "
                                     "filter (manager)")
            as_user = Effect.with_user(collector)

            def collector_own():
                result["own"] = as_user.read_group([], MEASURES, ["rule_id", "channel"], lazy=False)

            own = _seed.timeit(cr, collector_own, runs=args.runs,
                               label="the same collector's own figures (record rules)")
            print_groups(result["own"], f"figures of {collector.name}")
            print(f"RESULT: reminder effectiveness over {sent} reminders: company {company['median']:.3f} s, "
                  f"one collector {one['median']:.3f} s (filter) / {own['median']:.3f} s (as the user)  "
                  f"[{company['load']}]")
    finally:
        _seed.close_registry(db)
        if not args.keep:
            _seed.drop_database(db)
            print(f"dropped {db}")


if __name__ == "__main__":
    main(sys.argv[1:])
