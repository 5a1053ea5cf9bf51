"""Benchmark: the daily evaluation of 10,000 open promises to pay (``debt.promise._cron_evaluate_promises``).

Run it with ``bash scripts/bench.sh bench/promises.py`` (the interpreter of the ``odoo`` command). It creates its
database (``--db``), installs debt_collection without demo data, seeds customers and open receivable items with
``_seed.seed`` and then, in bulk SQL, the open promises:

* one promise per customer with items, round-robin, until ``--promises`` (default 10,000);
* 60% linked to one open invoice of the customer, the others to none (the customer's payments count);
* a promise date 1-30 days ago and a promised date 0-20 days after it, 3 grace days: about half are due;
* 20% of them installment plans (2 or 3 installments);
* for a third of the linked ones, the baseline open amount is set above today's open amount, as if the
  customer had paid since the promise: those are kept (or partially kept) by the evaluation.

It then times the cron (all batches, chatter notes and activities included), runs it a second time the same
day (nothing should change: idempotence), times the customer figures that read the promises (the worklist and
``_debt_promised_partner_ids``), prints the figures and drops the database (``--keep`` keeps it). ``--profile FILE``
profiles the first run with cProfile. A run closes two thirds of the promises: to measure again on the same data,
``--seed-only`` into one database and ``createdb -T`` a copy of it for each ``--reuse`` run.
"""

import argparse
import cProfile
import pstats
import sys
import time

import _seed


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="database to create (dropped at the end)")
    parser.add_argument("--promises", type=int, default=10_000)
    parser.add_argument("--customers", type=int, default=8_000)
    parser.add_argument("--items", type=int, default=60_000)
    parser.add_argument("--reuse", action="store_true", help="reuse an existing database with the module")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--seed-only", action="store_true", help="seed, keep the database, measure nothing")
    parser.add_argument("--profile", metavar="FILE",
                        help="profile the first run with cProfile: stats written to FILE, the top functions printed "
                             "(the profiler slows the run: its time is not the figure)")
    return parser.parse_args(argv)


def seed_promises(cr, count):
    """Insert ``count`` open promises (and their installments) in bulk; returns (promises, lines, linked)."""
    cr.execute("""
        CREATE TEMP TABLE bench_customer ON COMMIT DROP AS
        SELECT row_number() OVER (ORDER BY p.id) AS idx, p.id,
               COALESCE((SELECT col.value::int FROM jsonb_each_text(p.debt_collector_id) col LIMIT 1), p.user_id, 2)
                   AS user_id,
               (SELECT aml.move_id FROM account_move_line aml
                 WHERE aml.partner_id = p.id AND aml.amount_residual > 0 AND aml.display_type = 'payment_term'
              ORDER BY aml.id LIMIT 1) AS move_id
          FROM res_partner p
         WHERE p.ref LIKE %s
           AND EXISTS (SELECT 1 FROM account_move_line aml WHERE aml.partner_id = p.id AND aml.amount_residual > 0
                          AND aml.display_type = 'payment_term')
    """, [_seed.BENCH_PARTNER_REF + "%"])
    cr.execute("SELECT COUNT(*) FROM bench_customer")
    customers = cr.fetchone()[0]
    if not customers:
        raise SystemExit("bench: no seeded customer with open items")
    cr.execute("SELECT id, currency_id FROM res_company ORDER BY id LIMIT 1")
    company_id, currency_id = cr.fetchone()
    u = _seed._u
    cr.execute(f"""
        CREATE TEMP TABLE bench_promise ON COMMIT DROP AS
        SELECT g, nextval('debt_promise_id_seq')::int AS id, c.id AS partner_id, c.user_id,
               CASE WHEN {u('g', 31)} < 0.6 THEN c.move_id END AS move_id,
               CURRENT_DATE - (1 + floor({u('g', 32)} * 30)::int) AS date,
               floor({u('g', 33)} * 21)::int AS days_to_pay,
               {u('g', 34)} < 0.2 AS installments,
               {u('g', 35)} < 0.5 AS three_lines,
               {u('g', 36)} AS paid_share
          FROM generate_series(1, %(count)s) g
          JOIN bench_customer c ON c.idx = 1 + mod(g - 1, %(customers)s)
    """, {"count": count, "customers": customers})
    # the amount: the open amount of the linked invoice (or 100..5,000 without invoice); the baseline of a
    # third of the linked promises is above today's open amount: paid in full (kept) or in part (partial)
    cr.execute(f"""
        CREATE TEMP TABLE bench_promise_values ON COMMIT DROP AS
        SELECT b.*, v.amount,
               CASE WHEN b.move_id IS NULL THEN 0
                    WHEN b.paid_share < 0.22 THEN v.amount + v.amount
                    WHEN b.paid_share < 0.33 THEN v.amount + round(v.amount / 2, 2)
                    ELSE v.amount END AS open_amount_start
          FROM bench_promise b
          CROSS JOIN LATERAL (
                SELECT COALESCE((SELECT SUM(aml.amount_residual) FROM account_move_line aml
                                  WHERE aml.move_id = b.move_id AND aml.display_type = 'payment_term'),
                                round((100 + {u('b.g', 37)} * 4900)::numeric, 2)) AS amount) v
    """)
    cr.execute("""
        INSERT INTO debt_promise (
            id, partner_id, company_id, user_id, currency_id, amount, amount_company, date, promised_date,
            grace_days, state, open_amount_start, paid_amount, create_uid, write_uid, create_date, write_date)
        SELECT b.id, b.partner_id, %(company)s, b.user_id, %(currency)s, b.amount, b.amount, b.date,
               b.date + b.days_to_pay, 3, 'open', b.open_amount_start, 0, 1, 1,
               now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_promise_values b ORDER BY b.g
    """, {"company": company_id, "currency": currency_id})
    promises = cr.rowcount
    cr.execute("""
        INSERT INTO debt_promise_account_move_rel (promise_id, move_id)
        SELECT id, move_id FROM bench_promise_values WHERE move_id IS NOT NULL
    """)
    linked = cr.rowcount
    # installments: 2 or 3, the last one on the promised date, the amounts summing to the total
    cr.execute("""
        INSERT INTO debt_promise_line (promise_id, company_id, date, amount, state, create_uid, write_uid,
                                       create_date, write_date)
        SELECT b.id, %(company)s, b.date + b.days_to_pay - (n.k - 1) * 7,
               CASE WHEN n.k = 1 THEN b.amount - (n.total - 1) * round(b.amount / n.total, 2)
                    ELSE round(b.amount / n.total, 2) END,
               'open', 1, 1, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
          FROM bench_promise_values b
          CROSS JOIN LATERAL (SELECT CASE WHEN b.three_lines THEN 3 ELSE 2 END AS total) t
          CROSS JOIN LATERAL (SELECT k, t.total FROM generate_series(1, t.total) k) n
         WHERE b.installments
    """, {"company": company_id})
    lines = cr.rowcount
    # installment plans start at the promise date at the earliest
    cr.execute("""
        UPDATE debt_promise_line l SET date = p.date + (l.id % 3)
          FROM debt_promise p WHERE p.id = l.promise_id AND l.date < p.date
    """)
    cr.execute("""
        DELETE FROM debt_promise_line l USING debt_promise_line o
         WHERE o.promise_id = l.promise_id AND o.date = l.date AND o.id < l.id
    """)
    cr.execute("""
        UPDATE debt_promise p SET amount = s.total, amount_company = s.total,
                                  promised_date = s.last
          FROM (SELECT promise_id, SUM(amount) AS total, MAX(date) AS last FROM debt_promise_line
                 GROUP BY promise_id) s
         WHERE s.promise_id = p.id
    """)
    # followers: Odoo subscribes the collector of a promise created in the app (its tracked ``user_id``,
    # mail.thread's auto-subscription) with the default subtypes; seeded promises get them the same way
    cr.execute("""
        INSERT INTO mail_followers (res_model, res_id, partner_id)
        SELECT 'debt.promise', p.id, u.partner_id
          FROM debt_promise p JOIN res_users u ON u.id = p.user_id
    """)
    cr.execute("""
        INSERT INTO mail_followers_mail_message_subtype_rel (mail_followers_id, mail_message_subtype_id)
        SELECT f.id, st.id
          FROM mail_followers f
          JOIN mail_message_subtype st ON st."default"
                                      AND (st.res_model IS NULL OR st.res_model = 'debt.promise')
         WHERE f.res_model = 'debt.promise'
    """)
    cr.commit()
    cr.execute("ANALYZE debt_promise, debt_promise_line, debt_promise_account_move_rel, mail_followers")
    cr.commit()
    return promises, lines, linked


def state_counts(cr):
    cr.execute("SELECT state, COUNT(*) FROM debt_promise GROUP BY state ORDER BY state")
    return dict(cr.fetchall())


def main(argv):
    args = parse_args(argv)
    odoo = _seed.import_odoo()
    db = args.db
    _seed.ensure_database(db, reuse=args.reuse)
    registry = _seed.open_registry(db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            cr.execute("SELECT COUNT(*) FROM debt_promise")
            if not cr.fetchone()[0]:
                if not any(_seed.seeded_counts(cr)):
                    _seed.seed(cr, customers=args.customers, items=args.items)
                t = time.perf_counter()
                promises, lines, linked = seed_promises(cr, args.promises)
                print(f"seeded {promises} open promises ({linked} with an invoice, {lines} installments) "
                      f"in {time.perf_counter() - t:.1f} s")
            if args.seed_only:
                args.keep = True
                return
            env.invalidate_all()
            cr.execute("SELECT COUNT(*) FROM mail_message WHERE model = 'debt.promise'")
            messages_before = cr.fetchone()[0]
            print("before:", state_counts(cr))

            profiler = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            evaluated = env["debt.promise"]._cron_evaluate_promises()
            env.flush_all()
            cr.commit()
            if profiler:
                profiler.disable()
            first = time.perf_counter() - start
            if profiler:
                profiler.dump_stats(args.profile)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            after = state_counts(cr)
            cr.execute("SELECT COUNT(*) FROM mail_message WHERE model = 'debt.promise'")
            messages = cr.fetchone()[0] - messages_before
            cr.execute("SELECT COUNT(*) FROM mail_activity WHERE res_model = 'debt.promise'")
            activities = cr.fetchone()[0]
            print(f"cron, first run: {evaluated} open promises evaluated in {first:.2f} s -> {after}; "
                  f"{messages} chatter notes on promises, {activities} activities")

            env.invalidate_all()
            start = time.perf_counter()
            evaluated_again = env["debt.promise"]._cron_evaluate_promises()
            env.flush_all()
            cr.commit()
            second = time.perf_counter() - start
            again = state_counts(cr)
            cr.execute("SELECT COUNT(*) FROM mail_message WHERE model = 'debt.promise'")
            messages_again = cr.fetchone()[0] - messages_before - messages
            print(f"cron, second run the same day: {evaluated_again} open promises evaluated in {second:.2f} s; "
                  f"changed: {'nothing' if again == after and not messages_again else 'SOMETHING (bug)'}")

            env.invalidate_all()
            start = time.perf_counter()
            rows = env["debt.worklist"].search_read([], ["promise_amount", "promised", "last_contact_date"])
            worklist = time.perf_counter() - start
            cr.execute("SELECT DISTINCT partner_id FROM debt_promise")
            partner_ids = [r[0] for r in cr.fetchall()]
            start = time.perf_counter()
            promised = env["res.partner"]._debt_promised_partner_ids(partner_ids, env.company)
            promised_time = time.perf_counter() - start
            print(f"worklist with promise columns: {len(rows)} rows in {worklist:.2f} s; "
                  f"_debt_promised_partner_ids on {len(partner_ids)} customers: {len(promised)} promised "
                  f"in {promised_time:.2f} s")
            print(f"RESULT: {evaluated} open promises evaluated by the cron in {first:.2f} s "
                  f"(second run {second:.2f} s)")
    finally:
        _seed.close_registry(db)
        if not args.keep:
            _seed.drop_database(db)
            print(f"dropped {db}")


if __name__ == "__main__":
    main(sys.argv[1:])
