from datetime import timedelta

import pytz

from odoo import models

from ..tools import schedule


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _debt_work_time(self, start, end, tz_name, company=None):
        """The calendar's working time between the naive UTC moments ``start`` and ``end``.

        Odoo computes it (``_work_intervals_batch``): the attendances of any weekday the calendar
        has (Saturday mornings included; two-week calendars, dated attendances), read in ``tz_name``
        (the customer's zone: its "8:00" is the customer's 8:00), minus the public holidays (time
        off without a resource, of this calendar or of all, of ``company`` or of none).

        :returns: ``(starts, ends)``: two lists of naive UTC moments, sorted (see
            :func:`..tools.schedule.next_work_moment`)
        """
        self.ensure_one()
        domain = [("time_type", "=", "leave")]
        if company:
            # without a resource Odoo does not filter on the company: another company's holidays are not ours
            domain.append(("company_id", "in", [company.id, False]))
        # sudo: working hours and public holidays are company set-up, read only here, also for a salesperson's
        # "Send Now" or a preview
        intervals = self.sudo()._work_intervals_batch(
            pytz.utc.localize(start), pytz.utc.localize(end), domain=domain, tz=pytz.timezone(tz_name))[False]
        pairs = sorted(
            (begin.astimezone(pytz.utc).replace(tzinfo=None), stop.astimezone(pytz.utc).replace(tzinfo=None))
            for begin, stop, _meta in intervals)
        return [begin for begin, _stop in pairs], [stop for _begin, stop in pairs]

    def _debt_next_work_moments(self, moments_by_key, tz_name, company=None, cache=None):
        """For each wanted moment, the first moment at or after it inside working time (see
        :meth:`_debt_work_time`), read in ``tz_name``.

        :param moments_by_key: ``{key: naive UTC moment}``
        :param cache: a dict kept for a whole run: the working time is then computed once per
            (calendar, time zone), not once per customer
        :returns: ``{key: naive UTC moment}``, None for a moment with no working time in the
            following ``schedule.HORIZON_DAYS`` days
        """
        self.ensure_one()
        if not moments_by_key:
            return {}
        cache = {} if cache is None else cache
        cache_key = (self.id, tz_name, company and company.id)
        first = min(moments_by_key.values())
        result = {}
        todo = dict(moments_by_key)
        # a month is computed first (it nearly always holds the answer), and reused while it reaches a week
        # beyond the moments; the whole horizon only for the moments that found nothing in it (an answer found
        # is exact whatever the span: the intervals are only cut at its ends)
        for days, room in ((schedule.LOOKAHEAD_DAYS, 7), (schedule.HORIZON_DAYS, schedule.HORIZON_DAYS)):
            last = max(todo.values())
            span = cache.get(cache_key)
            if not span or span[0] > first or span[1] < last + timedelta(days=room):
                start = min(first, span[0]) if span else first
                end = max(last + timedelta(days=days), span[1]) if span else last + timedelta(days=days)
                span = cache[cache_key] = (start, end, *self._debt_work_time(start, end, tz_name, company))
            for key, moment in todo.items():
                result[key] = schedule.next_work_moment(span[2], span[3], moment)
            todo = {key: moments_by_key[key] for key, moment in result.items() if moment is None}
            if not todo:
                break
        return result
