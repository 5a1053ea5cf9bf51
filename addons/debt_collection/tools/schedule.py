"""Reminder scheduling maths: rule steps, due-date cycles, working hours and holidays.

Pure Python (no Odoo import), unit-tested outside Odoo. The Odoo side turns :class:`ScheduleError`
into translated messages: each error carries a ``code`` and the values the message needs.

Conventions, as in Odoo: moments are *naive UTC* datetimes (what ``fields.Datetime`` holds); dates
are plain ``datetime.date``; a time zone is a name from the tz database ("Asia/Ho_Chi_Minh").

Vocabulary
- A rule fires at one or several *steps*, each an offset in days from an item's due date: ``-3``
  (three days before), ``0`` (on the due date), or a repetition "every 7 days from +7 to +28"
  (steps 7, 14, 21, 28).
- On a customer's local day ``today``, an open item whose due date is ``due`` is ``today - due``
  days overdue; the step *in force* for it is the step with the largest offset not after that
  (ties: the rule that comes first). The step's *cycle* starts on ``due + offset``: the item is
  covered for that step by any reminder of the same rule whose cycle date is on or after it.
- A reminder is sent only at an *allowed moment*: inside a working window of the company's
  calendar, read in the customer's time zone, never at the weekend or on a holiday.
"""

import datetime as dt
import math
from collections import namedtuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WEEKEND = (5, 6)  # Saturday, Sunday (Python's weekday(): Monday is 0)
HORIZON_DAYS = 400  # how far ahead to look for an allowed moment before giving up
MAX_REPEAT_STEPS = 100  # a repetition may not fire more often than this

Window = namedtuple("Window", "weekday hour_from hour_to week_type date_from date_to",
                    defaults=(None, None, None))
Window.__doc__ = """A working window of a calendar: weekday (0 = Monday), local hours as floats
(8.5 = 08:30; 24 = midnight at the end of the day), optionally the week parity (0 or 1, Odoo's
two-week calendars) and the first and last dates it applies to."""


class ScheduleError(ValueError):
    """Invalid schedule input. ``code`` names the problem; ``values`` completes the message."""

    def __init__(self, code, message, **values):
        super().__init__(message.format(**values) if values else message)
        self.code = code
        self.values = values


# --- time zones -------------------------------------------------------------------------------------------------

def get_zone(name):
    """The ``ZoneInfo`` of a tz database name; :class:`ScheduleError` ``unknown_tz`` otherwise."""
    if not name or not isinstance(name, str):
        raise ScheduleError("unknown_tz", "Unknown time zone {tz!r}", tz=name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError("unknown_tz", "Unknown time zone {tz!r}", tz=name) from None


def to_local(moment, zone):
    """A naive UTC moment as an aware local datetime."""
    return moment.replace(tzinfo=dt.timezone.utc).astimezone(zone)


def to_utc(local):
    """An aware (or naive local, with its ``tzinfo`` set) datetime as a naive UTC moment."""
    return local.astimezone(dt.timezone.utc).replace(tzinfo=None)


def local_date(moment, zone):
    """The calendar date in ``zone`` at the naive UTC ``moment``: the customer's "today"."""
    return to_local(moment, zone).date()


# --- rule steps and cycles --------------------------------------------------------------------------------------

def rule_offsets(offset, every=0, until=None):
    """The offsets (days from the due date) at which a rule fires.

    A single rule fires once at ``offset``. A repetition (``every`` > 0) fires at ``offset``,
    ``offset + every``, ... up to ``until`` included; it must have an end after its start.
    """
    if not every:
        return [offset]
    if every < 0:
        raise ScheduleError("bad_every", "A repetition must be every 1 day or more, not {every}", every=every)
    if until is None or until is False:
        raise ScheduleError("no_end", "A repetition needs an end (repeat until)")
    if until <= offset:
        raise ScheduleError("end_before_start", "A repetition from {start} must end after it, not at {end}",
                            start=offset, end=until)
    count = (until - offset) // every + 1
    if count > MAX_REPEAT_STEPS:
        raise ScheduleError("too_many_steps", "A repetition may fire at most {max} times, not {count}",
                            max=MAX_REPEAT_STEPS, count=count)
    return list(range(offset, until + 1, every))


def current_step(days_from_due, steps):
    """The step in force for an item ``days_from_due`` days after its due date (negative: before).

    :param steps: iterable of ``(offset, order, key)``; ``order`` breaks ties between steps of
        the same offset (lowest first)
    :returns: ``(offset, key)`` of the step with the largest offset not after ``days_from_due``,
        or None when the item has not reached any step yet
    """
    best = None
    for offset, order, key in steps:
        if offset > days_from_due:
            continue
        if best is None or offset > best[0] or (offset == best[0] and order < best[1]):
            best = (offset, order, key)
    return None if best is None else (best[0], best[2])


def cycle_start(due_date, offset):
    """The first day of the step ``offset`` of an item due on ``due_date``."""
    return due_date + dt.timedelta(days=offset)


def is_covered(due_date, offset, last_cycle_date):
    """Whether a reminder of cycle date ``last_cycle_date`` (or None) already covers the step."""
    return last_cycle_date is not None and last_cycle_date >= cycle_start(due_date, offset)


def cap_next_date(last_sent_date, cap_days):
    """The first local date a customer reminded on ``last_sent_date`` may be reminded again."""
    if last_sent_date is None or not cap_days or cap_days <= 0:
        return None
    return last_sent_date + dt.timedelta(days=cap_days)


def cap_allows(today, last_sent_date, cap_days):
    """Whether the frequency cap (one reminder per ``cap_days`` days) allows a reminder ``today``."""
    next_date = cap_next_date(last_sent_date, cap_days)
    return next_date is None or today >= next_date


# --- working hours and holidays ---------------------------------------------------------------------------------

def week_type(day):
    """Odoo's week parity (0 or 1) of a date, for two-week calendars."""
    return int(math.floor((day.toordinal() - 1) / 7) % 2)


def holiday_dates(intervals, zone):
    """The local dates in ``zone`` touched by holiday intervals.

    :param intervals: iterable of ``(start, end)`` naive UTC moments, as Odoo stores public holidays
        (``resource.calendar.leaves`` without resource); ``end`` is inclusive (Odoo ends a day at
        23:59:59), an ``end`` exactly at local midnight does not touch the next day
    """
    dates = set()
    for start, end in intervals:
        if end < start:
            continue
        first = local_date(start, zone)
        last_local = to_local(end, zone)
        last = last_local.date()
        if last > first and last_local.time() == dt.time(0, 0):
            last -= dt.timedelta(days=1)
        day = first
        while day <= last:
            dates.add(day)
            day += dt.timedelta(days=1)
    return dates


def _windows_of_day(day, windows):
    result = []
    for window in windows:
        if window.weekday != day.weekday():
            continue
        if window.week_type is not None and window.week_type != week_type(day):
            continue
        if window.date_from and day < window.date_from:
            continue
        if window.date_to and day > window.date_to:
            continue
        if window.hour_to <= window.hour_from:
            continue
        result.append(window)
    return sorted(result, key=lambda w: w.hour_from)


def _local_moment(day, hours, zone):
    """Aware local datetime of ``day`` at ``hours`` (a float, 24 being the next midnight)."""
    minutes = round(hours * 60)
    naive = dt.datetime.combine(day, dt.time(0, 0)) + dt.timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone)


def is_allowed_day(day, holidays=(), weekend=WEEKEND):
    return day.weekday() not in weekend and day not in holidays


def next_allowed_moment(now, zone, windows, holidays=(), weekend=WEEKEND, horizon_days=HORIZON_DAYS):
    """The first moment at or after ``now`` when a reminder may be sent.

    :param now: naive UTC moment
    :param zone: the customer's ``ZoneInfo`` (see :func:`get_zone`); windows are read in it
    :param windows: the calendar's working :class:`Window` list
    :param holidays: local dates when nothing is sent (see :func:`holiday_dates`)
    :param weekend: weekdays when nothing is sent, whatever the calendar says
    :returns: a naive UTC moment: ``now`` itself when it is allowed, otherwise the start of the
        next working window on an allowed day
    :raises ScheduleError: ``no_working_time`` when no window opens within ``horizon_days``
    """
    local_now = to_local(now, zone)
    today = local_now.date()
    for delta in range(horizon_days + 1):
        day = today + dt.timedelta(days=delta)
        if not is_allowed_day(day, holidays, weekend):
            continue
        for window in _windows_of_day(day, windows):
            start = _local_moment(day, window.hour_from, zone)
            end = _local_moment(day, window.hour_to, zone)
            if delta == 0:
                if local_now >= end:
                    continue
                if local_now >= start:
                    return now
            return to_utc(start)
    raise ScheduleError("no_working_time", "No working hours in the next {days} days", days=horizon_days)


def is_allowed_moment(now, zone, windows, holidays=(), weekend=WEEKEND):
    """Whether a reminder may be sent at the naive UTC moment ``now``."""
    try:
        return next_allowed_moment(now, zone, windows, holidays, weekend, horizon_days=0) == now
    except ScheduleError:
        return False
