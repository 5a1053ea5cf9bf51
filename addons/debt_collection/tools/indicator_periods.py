"""The periods of the collection indicators, from the days the aging snapshots were taken (pure Python).

A month's period ends on the last day taken in that month (a month still running ends on the latest snapshot) and
opens on the last day taken before it; the rolling period of a month is the three months to that end."""

import datetime as dt

PERIOD_MONTHS = {"month": 1, "rolling_3": 3}


def add_months(day, months):
    """The first day of the month ``months`` months after (before, when negative) the month of ``day``."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def indicator_periods(days):
    """``days``: (company id, day id, date) of the snapshots taken, in any order. Returns a list of dicts, one per
    company, month with a snapshot and period kind: ``company_id``, ``period``, ``date_start`` (the period's first
    day), ``last_month`` (first day of its last month), ``date_end`` and ``end_day_id`` (the last day taken in that
    month), ``begin_date`` and ``begin_day_id`` (the last day taken before ``date_start``, else None)."""
    by_company = {}
    for company_id, day_id, date in days:
        by_company.setdefault(company_id, []).append((date, day_id))
    periods = []
    for company_id, company_days in sorted(by_company.items()):
        company_days.sort()
        month_ends = {}
        for date, day_id in company_days:  # in date order: the last one of each month wins
            month_ends[date.replace(day=1)] = (date, day_id)
        for month, (date_end, end_day_id) in sorted(month_ends.items()):
            for period, months in PERIOD_MONTHS.items():
                date_start = add_months(month, 1 - months)
                before = [(date, day_id) for date, day_id in company_days if date < date_start]
                begin_date, begin_day_id = before[-1] if before else (None, None)
                periods.append({
                    "company_id": company_id, "period": period, "date_start": date_start, "last_month": month,
                    "date_end": date_end, "end_day_id": end_day_id,
                    "begin_date": begin_date, "begin_day_id": begin_day_id,
                })
    return periods
