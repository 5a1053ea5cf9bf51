"""The reminder scheduling maths of ``addons/debt_collection/tools/schedule.py``, outside Odoo."""

import datetime as dt
import importlib.util
import pathlib

import pytest

ADDON = pathlib.Path(__file__).resolve().parent.parent / "addons" / "debt_collection"
_spec = importlib.util.spec_from_file_location("dc_schedule", ADDON / "tools" / "schedule.py")
schedule = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(schedule)

W = schedule.Window
HCM = schedule.get_zone("Asia/Ho_Chi_Minh")  # UTC+7, no DST
TPE = schedule.get_zone("Asia/Taipei")  # UTC+8, no DST
PARIS = schedule.get_zone("Europe/Paris")  # DST
# Odoo's default "Standard 40 hours/week": Monday to Friday, 8-12 and 13-17
STANDARD = [W(day, h_from, h_to) for day in range(5) for h_from, h_to in ((8, 12), (13, 17))]
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


# --- holidays -------------------------------------------------------------------------------------------------------

def test_holiday_dates_read_in_the_calendar_zone():
    # Tết 2026 entered in Ho Chi Minh City: 16 Feb 00:00 to 20 Feb 23:59:59 local, stored in UTC
    tet = (T(2026, 2, 15, 17, 0), T(2026, 2, 20, 16, 59, 59))
    assert schedule.holiday_dates([tet], HCM) == {D(2026, 2, day) for day in range(16, 21)}
    # an end exactly at local midnight does not touch the next day
    assert schedule.holiday_dates([(T(2026, 4, 29, 17), T(2026, 4, 30, 17))], HCM) == {D(2026, 4, 30)}
    assert schedule.holiday_dates([(T(2026, 5, 2), T(2026, 5, 1))], HCM) == set()


# --- next allowed moment --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("now, zone, expected", [
    # Monday 15 June 2026, 10:00 UTC = 17:00 in Ho Chi Minh City: the day is over -> Tuesday 08:00 (01:00 UTC)
    (T(2026, 6, 15, 10, 0), HCM, T(2026, 6, 16, 1, 0)),
    # 09:59 UTC = 16:59 local: still inside the afternoon window -> now
    (T(2026, 6, 15, 9, 59), HCM, T(2026, 6, 15, 9, 59)),
    # 05:30 UTC = 12:30 local, lunch break -> 13:00 local
    (T(2026, 6, 15, 5, 30), HCM, T(2026, 6, 15, 6, 0)),
    # 23:00 UTC Sunday = 06:00 Monday local -> 08:00 local = 01:00 UTC
    (T(2026, 6, 14, 23, 0), HCM, T(2026, 6, 15, 1, 0)),
    # Taipei is one hour ahead: 08:00 local = 00:00 UTC
    (T(2026, 6, 14, 23, 0), TPE, T(2026, 6, 15, 0, 0)),
    # Friday 19 June 2026 18:00 local -> Monday 22 June 08:00 local
    (T(2026, 6, 19, 11, 0), HCM, T(2026, 6, 22, 1, 0)),
    # Saturday -> Monday
    (T(2026, 6, 20, 3, 0), TPE, T(2026, 6, 22, 0, 0)),
])
def test_next_allowed_moment(now, zone, expected):
    assert schedule.next_allowed_moment(now, zone, STANDARD) == expected
    assert schedule.is_allowed_moment(now, zone, STANDARD) == (now == expected)


def test_holidays_postpone_to_the_next_working_day():
    tet = schedule.holiday_dates([(T(2026, 2, 15, 17, 0), T(2026, 2, 20, 16, 59, 59))], HCM)
    # Friday 13 Feb 2026 after hours -> Mon 16 .. Fri 20 are Tết -> Monday 23 Feb 08:00
    assert schedule.next_allowed_moment(T(2026, 2, 13, 11, 0), HCM, STANDARD, tet) == T(2026, 2, 23, 1, 0)
    # the same holidays read by a customer in Taipei: Monday 23 Feb 08:00 Taipei
    assert schedule.next_allowed_moment(T(2026, 2, 13, 11, 0), TPE, STANDARD, tet) == T(2026, 2, 23, 0, 0)


def test_weekend_is_never_allowed_even_if_the_calendar_works():
    saturday_morning = STANDARD + [W(5, 8, 12)]
    # Saturday 20 June 2026 09:00 local
    assert schedule.next_allowed_moment(T(2026, 6, 20, 2, 0), HCM, saturday_morning) == T(2026, 6, 22, 1, 0)
    # unless the caller's weekend says otherwise
    assert schedule.next_allowed_moment(T(2026, 6, 20, 2, 0), HCM, saturday_morning, weekend=(6,)) == \
        T(2026, 6, 20, 2, 0)


def test_two_week_calendar_and_dated_windows():
    day = D(2026, 6, 15)  # a Monday
    parity = schedule.week_type(day)
    windows = [W(0, 8, 12, week_type=1 - parity), W(2, 8, 12, week_type=parity)]
    # this week only Wednesday works
    assert schedule.next_allowed_moment(T(2026, 6, 14, 23, 0), HCM, windows) == T(2026, 6, 17, 1, 0)
    dated = [W(0, 8, 12, date_from=D(2026, 6, 29))]
    assert schedule.next_allowed_moment(T(2026, 6, 14, 23, 0), HCM, dated) == T(2026, 6, 29, 1, 0)


def test_daylight_saving_does_not_move_the_day():
    # Paris switches to summer time on Sunday 29 March 2026; Monday 08:00 is 06:00 UTC (UTC+2)
    assert schedule.next_allowed_moment(T(2026, 3, 28, 12, 0), PARIS, STANDARD) == T(2026, 3, 30, 6, 0)
    # and back to winter time on Sunday 25 October 2026: Monday 08:00 is 07:00 UTC
    assert schedule.next_allowed_moment(T(2026, 10, 24, 12, 0), PARIS, STANDARD) == T(2026, 10, 26, 7, 0)
    # 23:30 UTC on Sunday 29 March is already Monday 01:30 in Paris
    assert schedule.local_date(T(2026, 3, 29, 23, 30), PARIS) == D(2026, 3, 30)


def test_no_working_time():
    with pytest.raises(schedule.ScheduleError) as error:
        schedule.next_allowed_moment(T(2026, 6, 15), HCM, [])
    assert error.value.code == "no_working_time"
    assert not schedule.is_allowed_moment(T(2026, 6, 15), HCM, [])
    # a window ending at midnight (24:00)
    late = [W(day, 20, 24) for day in range(5)]
    assert schedule.next_allowed_moment(T(2026, 6, 15, 16, 30), HCM, late) == T(2026, 6, 15, 16, 30)
