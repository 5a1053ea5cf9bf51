"""Reminder scheduling maths: rule steps, due-date cycles, the frequency cap, working time look-up.

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
- A reminder is sent only inside working time: the company's ``resource.calendar`` (any weekday it
  has hours on, minus its public holidays), read in the customer's time zone. Odoo computes the
  intervals (``models/resource_calendar.py``); :func:`next_work_moment` looks a moment up in them.
"""

import bisect
import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

HORIZON_DAYS = 400  # how far ahead to look for working time before giving up
LOOKAHEAD_DAYS = 31  # the working time computed first; the whole horizon only when nothing is found in it
MAX_REPEAT_STEPS = 100  # a repetition may not fire more often than this


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


# --- working time ------------------------------------------------------------------------------------------------

def next_work_moment(starts, ends, moment):
    """The first moment at or after ``moment`` inside working time.

    :param starts: the starts of the working intervals, naive UTC, sorted
    :param ends: their ends (excluded), in the same order; the intervals do not overlap (as
        ``resource.calendar._work_intervals_batch`` returns them)
    :returns: ``moment`` itself when it falls inside an interval, the start of the next interval
        otherwise, or None when no interval ends after ``moment``
    """
    index = bisect.bisect_right(ends, moment)  # the first interval ending after the moment
    if index == len(ends):
        return None
    return max(moment, starts[index])
