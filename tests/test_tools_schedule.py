"""The reminder scheduling maths of ``addons/debt_collection/tools/schedule.py``, outside Odoo."""

import datetime as dt

import pytest
from _tools import load_tool

schedule = load_tool("schedule")

HCM = schedule.get_zone("Asia/Ho_Chi_Minh")  # UTC+7, no DST
TPE = schedule.get_zone("Asia/Taipei")  # UTC+8, no DST
PARIS = schedule.get_zone("Europe/Paris")  # DST
D = dt.date
T = dt.datetime


# --- time zones ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["Mars/Olympus_Mons", "", None, "../etc/passwd", "Asia"])
def test_unknown_time_zone(name):
    with pytest.raises(schedule.ScheduleError) as error:
        schedule.get_zone(name)
    assert error.value.code == "unknown_tz"


def test_local_date_is_the_customers_day():
    moment = T(2026, 6, 15, 16, 30)  # 23:30 in Ho Chi Minh City, 00:30 the next day in Taipei
    assert schedule.local_date(moment, HCM) == D(2026, 6, 15)
    assert schedule.local_date(moment, TPE) == D(2026, 6, 16)


# --- rule steps -----------------------------------------------------------------------------------------------------

def test_single_offsets():
    assert schedule.rule_offsets(-3) == [-3]
    assert schedule.rule_offsets(0) == [0]
    assert schedule.rule_offsets(30, 0, None) == [30]


def test_repetition_offsets():
    assert schedule.rule_offsets(7, 7, 28) == [7, 14, 21, 28]
    assert schedule.rule_offsets(7, 5, 30) == [7, 12, 17, 22, 27]
    assert schedule.rule_offsets(-9, 3, 0) == [-9, -6, -3, 0]


@pytest.mark.parametrize("offset, every, until, code", [
    (7, 7, None, "no_end"),
    (7, 7, False, "no_end"),
    (7, 7, 7, "end_before_start"),
    (7, 7, 3, "end_before_start"),
    (7, -1, 28, "bad_every"),
    (0, 1, 1000, "too_many_steps"),
])
def test_bad_repetitions(offset, every, until, code):
    with pytest.raises(schedule.ScheduleError) as error:
        schedule.rule_offsets(offset, every, until)
    assert error.value.code == code


DEFAULT_STEPS = [(-3, 1, "r-3"), (0, 2, "r0"), (7, 3, "r7"), (14, 4, "r14"), (21, 5, "r21"), (30, 6, "r30")]


@pytest.mark.parametrize("days, expected", [
    (-10, None), (-4, None), (-3, (-3, "r-3")), (-1, (-3, "r-3")), (0, (0, "r0")), (6, (0, "r0")),
    (7, (7, "r7")), (13, (7, "r7")), (29, (21, "r21")), (30, (30, "r30")), (400, (30, "r30")),
])
def test_current_step(days, expected):
    assert schedule.current_step(days, DEFAULT_STEPS) == expected


def test_current_step_ties_go_to_the_first_rule():
    steps = [(7, 20, "sms"), (7, 10, "email"), (0, 5, "due")]
    assert schedule.current_step(8, steps) == (7, "email")


def test_cycles_and_coverage():
    due = D(2026, 6, 10)
    assert schedule.cycle_start(due, -3) == D(2026, 6, 7)
    assert schedule.cycle_start(due, 14) == D(2026, 6, 24)
    assert not schedule.is_covered(due, 7, None)
    assert not schedule.is_covered(due, 7, D(2026, 6, 16))  # the reminder of an earlier step
    assert schedule.is_covered(due, 7, D(2026, 6, 17))
    assert schedule.is_covered(due, 7, D(2026, 6, 20))  # sent late (weekend, frequency cap)


def test_frequency_cap():
    assert schedule.cap_allows(D(2026, 6, 15), None, 5)
    assert not schedule.cap_allows(D(2026, 6, 14), D(2026, 6, 10), 5)
    assert schedule.cap_allows(D(2026, 6, 15), D(2026, 6, 10), 5)
    assert schedule.cap_allows(D(2026, 6, 11), D(2026, 6, 10), 0)  # 0: no cap
    assert schedule.cap_next_date(D(2026, 6, 10), 5) == D(2026, 6, 15)


# --- working time -------------------------------------------------------------------------------------------------
# Odoo computes the intervals (resource.calendar._work_intervals_batch, see the Odoo suite: test_reminder_calendar);
# the look-up of a moment in them is pure.

# Friday 19 June 2026 in Ho Chi Minh City (UTC+7), 8-12 and 13-17, then Saturday 20 June 8-12: in UTC
WORK = [(T(2026, 6, 19, 1), T(2026, 6, 19, 5)), (T(2026, 6, 19, 6), T(2026, 6, 19, 10)),
        (T(2026, 6, 20, 1), T(2026, 6, 20, 5))]
STARTS = [start for start, _end in WORK]
ENDS = [end for _start, end in WORK]


@pytest.mark.parametrize("moment, expected", [
    (T(2026, 6, 19, 0, 59), T(2026, 6, 19, 1)),  # 07:59 local: 08:00
    (T(2026, 6, 19, 1), T(2026, 6, 19, 1)),  # 08:00: the start belongs to the interval
    (T(2026, 6, 19, 3, 30), T(2026, 6, 19, 3, 30)),  # inside: at once
    (T(2026, 6, 19, 5), T(2026, 6, 19, 6)),  # 12:00, the end is excluded: after lunch
    (T(2026, 6, 19, 5, 30), T(2026, 6, 19, 6)),  # lunch break
    (T(2026, 6, 19, 9, 59), T(2026, 6, 19, 9, 59)),  # 16:59: still inside
    (T(2026, 6, 19, 10), T(2026, 6, 20, 1)),  # Friday 17:00: Saturday 08:00
    (T(2026, 6, 19, 13), T(2026, 6, 20, 1)),  # Friday 20:00: Saturday 08:00
    (T(2026, 6, 20, 5), None),  # after the last interval: nothing
])
def test_next_work_moment(moment, expected):
    assert schedule.next_work_moment(STARTS, ENDS, moment) == expected


def test_no_working_time():
    assert schedule.next_work_moment([], [], T(2026, 6, 15)) is None


def test_daylight_saving_does_not_move_the_day():
    # 23:30 UTC on Sunday 29 March 2026 is already Monday 01:30 in Paris (summer time)
    assert schedule.local_date(T(2026, 3, 29, 23, 30), PARIS) == D(2026, 3, 30)
