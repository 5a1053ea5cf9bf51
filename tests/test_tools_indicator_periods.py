"""The periods of the collection indicators (``addons/debt_collection/tools/indicator_periods.py``), outside Odoo."""

import datetime as dt

from _tools import load_tool

periods_module = load_tool("indicator_periods")
D = dt.date


def test_add_months_across_years():
    assert periods_module.add_months(D(2026, 1, 31), -2) == D(2025, 11, 1)
    assert periods_module.add_months(D(2026, 11, 15), 2) == D(2027, 1, 1)
    assert periods_module.add_months(D(2026, 5, 1), 0) == D(2026, 5, 1)


def test_month_and_rolling_periods():
    days = [(1, 12, D(2026, 5, 31)), (1, 10, D(2026, 4, 30)), (1, 11, D(2026, 5, 15)), (1, 13, D(2026, 6, 3))]
    periods = {(p["period"], p["date_start"]): p for p in periods_module.indicator_periods(days)}
    assert sorted(periods) == [
        ("month", D(2026, 4, 1)), ("month", D(2026, 5, 1)), ("month", D(2026, 6, 1)),
        ("rolling_3", D(2026, 2, 1)), ("rolling_3", D(2026, 3, 1)), ("rolling_3", D(2026, 4, 1)),
    ]
    may = periods[("month", D(2026, 5, 1))]
    # May ends on its last day taken (31 May, not 15 May) and opens on 30 April
    assert (may["date_end"], may["end_day_id"], may["begin_date"], may["begin_day_id"]) == (D(2026, 5, 31), 12,
                                                                                            D(2026, 4, 30), 10)
    june = periods[("month", D(2026, 6, 1))]
    assert (june["date_end"], june["begin_date"], june["last_month"]) == (D(2026, 6, 3), D(2026, 5, 31),
                                                                          D(2026, 6, 1))
    # the 3 months to 3 June start on 1 April; nothing was taken before: no opening
    rolling = periods[("rolling_3", D(2026, 4, 1))]
    assert (rolling["date_end"], rolling["last_month"], rolling["begin_day_id"]) == (D(2026, 6, 3), D(2026, 6, 1),
                                                                                     None)
    assert periods[("month", D(2026, 4, 1))]["begin_day_id"] is None


def test_companies_apart():
    days = [(2, 21, D(2026, 5, 31)), (1, 11, D(2026, 5, 20))]
    ends = {(p["company_id"], p["period"]): p["date_end"] for p in periods_module.indicator_periods(days)}
    assert ends == {(1, "month"): D(2026, 5, 20), (1, "rolling_3"): D(2026, 5, 20),
                    (2, "month"): D(2026, 5, 31), (2, "rolling_3"): D(2026, 5, 31)}


def test_no_days_no_periods():
    assert periods_module.indicator_periods([]) == []
