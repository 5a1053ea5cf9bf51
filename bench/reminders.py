"""Benchmark: one run of the payment reminder job for 10,000 customers due (``_cron_send_reminders``).

Run it with ``bash scripts/bench.sh bench/reminders.py`` (the interpreter of the ``odoo`` command). It creates its
database (``--db``), installs debt_collection without demo data, seeds customers and open receivable items with
``_seed.seed``, then in bulk SQL gives every customer an e-mail address, a mobile number, a country and a
language (English, Vietnamese, Traditional Chinese); the company gets office hours in Ho Chi Minh City time, an
e-mail address and a bank account. No reminder exists yet: every customer with an item at a rule's step is due.

It runs the job once at 10:00 in Ho Chi Minh City on a working day (planning, rendering in three languages,
queueing the e-mails and SMS in Odoo's queues, chatter messages, final-notice activities; nothing is sent over
the network), prints the time, the queries per customer and per batch, runs it a second time (nothing may be
sent twice) and drops the database (``--keep`` keeps it).
"""

import argparse
import cProfile
import datetime
import pstats
import sys
import time

import _seed


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--db", required=True, help="database to create (dropped at the end)")
    # about 1% of the seeded customers are on hold (credit notes and payments covering their items) or
    # have no item at a step yet: 10,120 seeded customers give a little over 10,000 due
    parser.add_argument("--customers", type=int, default=10_120)
    parser.add_argument("--items", type=int, default=121_440)
    parser.add_argument("--batch", type=int, default=500, help="reminders sent per batch (one transaction)")
    parser.add_argument("--reuse", action="store_true", help="reuse an existing database with the module")
    parser.add_argument("--keep", action="store_true", help="do not drop the database at the end")
    parser.add_argument("--profile", action="store_true", help="profile the first run (cProfile, top 45)")
    parser.add_argument("--sort", default="cumulative", help="sort key of the profile (cumulative, tottime)")
    parser.add_argument("--filter", default="", help="only profile lines matching this regular expression")
    parser.add_argument("--log-slow-sql", type=int, default=0, metavar="MS",
                        help="log the run's queries slower than MS milliseconds in PostgreSQL's log")
    return parser.parse_args(argv)


def prepare(env, cr):
    """Contact data for the seeded customers, and the company's office hours, address and bank account."""
    company = env.company
    calendar = company.resource_calendar_id
    calendar.tz = "Asia/Ho_Chi_Minh"
    company.write({"email": "billing@bench.example.com", "phone": "+84 28 3822 0000",
                   "country_id": env.ref("base.vn").id})
    bank = env["res.partner.bank"].create({
        "acc_number": "0071000123456", "partner_id": company.partner_id.id,
        "bank_id": env["res.bank"].create({"name": "Vietcombank"}).id})
    env["account.journal"].search([("type", "=", "bank"), ("company_id", "=", company.id)], limit=1) \
        .bank_account_id = bank
    for code in ("vi_VN", "zh_TW"):
        env["res.lang"]._activate_lang(code)
    env.ref("base.module_debt_collection")._update_translations(["vi_VN", "zh_TW"])
    env.flush_all()
    cr.execute("""
        UPDATE res_partner p
           SET email = 'ap.' || p.id || '@customer.example.com',
               mobile = '09' || lpad((hashint4extended(p.id, 41) & 16777215)::text, 8, '0'),
               country_id = CASE WHEN p.tz = 'Asia/Taipei' THEN %(tw)s ELSE %(vn)s END,
               lang = CASE WHEN p.tz = 'Asia/Taipei' THEN 'zh_TW'
                           WHEN p.tz = 'Asia/Ho_Chi_Minh' THEN 'vi_VN' ELSE 'en_US' END
         WHERE p.ref LIKE %(ref)s
    """, {"tw": env.ref("base.tw").id, "vn": env.ref("base.vn").id, "ref": _seed.BENCH_PARTNER_REF + "%"})
    cr.commit()
    env.invalidate_all()


def run_moment():
    """10:00 in Ho Chi Minh City (03:00 UTC) today, or on the next Monday at the weekend."""
    day = datetime.date.today()
    while day.weekday() >= 5:
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time(3, 0))


def counts(cr):
    cr.execute("SELECT state, COUNT(*) FROM debt_reminder GROUP BY state ORDER BY state")
    states = dict(cr.fetchall())
    cr.execute("SELECT COUNT(*) FROM mail_mail")
    mails = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM sms_sms")
    sms = cr.fetchone()[0]
    cr.execute("SELECT COUNT(*) FROM mail_message WHERE model = 'res.partner'")
    messages = cr.fetchone()[0]
    return states, mails, sms, messages


def main(argv):
    args = parse_args(argv)
    odoo = _seed.import_odoo()
    db = args.db
    _seed.ensure_database(db, reuse=args.reuse)
    registry = _seed.open_registry(db)
    try:
        with registry.cursor() as cr:
            env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
            if not any(_seed.seeded_counts(cr)):
                _seed.seed(cr, customers=args.customers, items=args.items)
                t = time.perf_counter()
                prepare(env, cr)
                print(f"contacts, languages, office hours and bank account set in {time.perf_counter() - t:.1f} s")
            now = run_moment()
            Reminder = env["debt.reminder"]

            # what is due: the candidates of the run (read only)
            setup = Reminder._debt_setup(env.company, now)
            candidates = Reminder._debt_candidates(setup, now)
            due = [c for c in candidates if c["status"] in ("plan", "fail")]
            by_rule = {}
            for candidate in due:
                by_rule[candidate["rule"].name] = by_rule.get(candidate["rule"].name, 0) + 1
            print(f"run at {now} UTC: {len(candidates)} customers with an item at a step, {len(due)} due "
                  f"({len(candidates) - len(due)} on hold), by rule: {by_rule}")
            env.invalidate_all()
            cr.rollback()

            # count the queries of each batch sent
            batches = []
            process = type(Reminder)._debt_process

            def counted_process(records, *a, **kw):
                start = cr.sql_log_count
                result = process(records, *a, **kw)
                records.env.flush_all()
                batches.append((len(records), cr.sql_log_count - start))
                return result

            type(Reminder)._debt_process = counted_process
            before = counts(cr)
            queries_before = cr.sql_log_count
            if args.log_slow_sql:
                cr.execute("SET log_min_duration_statement = %s", [args.log_slow_sql])
            profiler = cProfile.Profile() if args.profile else None
            start = time.perf_counter()
            if profiler:
                profiler.enable()
            # as the scheduled action runs it: committed batch by batch (models/common.py job_commits)
            job = Reminder.with_context(cron_id=env.ref("debt_collection.ir_cron_debt_send_reminders").id)
            job._cron_send_reminders(now=now, send_batch_size=args.batch)
            env.flush_all()
            cr.commit()
            elapsed = time.perf_counter() - start
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.filter or "", 45)
            queries = cr.sql_log_count - queries_before
            states, mails, sms, messages = counts(cr)
            sent = states.get("queued", 0) + states.get("sent", 0)  # queued: in Odoo's queues, nothing goes out
            print(f"first run: {elapsed:.1f} s, {queries} queries; reminders {states}; queued: "
                  f"{mails - before[1]} e-mails, {sms - before[2]} SMS; {messages - before[3]} chatter messages")
            sizes = sorted({size for size, _q in batches})
            per_size = {size: sorted({q for s, q in batches if s == size}) for size in sizes}
            print(f"batches: {len(batches)}; queries per batch by batch size: {per_size}")
            customers = sum(states.values())
            if customers:
                print(f"queries per customer: {queries / customers:.2f} "
                      f"(per batch of {args.batch}: {per_size.get(args.batch, ['-'])})")

            env.invalidate_all()
            batches.clear()
            start = time.perf_counter()
            job._cron_send_reminders(now=now + datetime.timedelta(minutes=30), send_batch_size=args.batch)
            env.flush_all()
            cr.commit()
            second = time.perf_counter() - start
            states_again, mails_again, sms_again, _messages = counts(cr)
            same = (states_again, mails_again, sms_again) == (states, mails, sms)
            print(f"second run, 30 minutes later: {second:.1f} s; "
                  f"sent twice: {'nothing' if same else 'SOMETHING (bug)'}")
            type(Reminder)._debt_process = process
            print(f"RESULT: {sent} customers reminded in one run in {elapsed:.1f} s "
                  f"({queries / max(customers, 1):.2f} queries per customer), second run {second:.1f} s")
    finally:
        _seed.close_registry(db)
        if not args.keep:
            _seed.drop_database(db)
            print(f"dropped {db}")


if __name__ == "__main__":
    main(sys.argv[1:])
