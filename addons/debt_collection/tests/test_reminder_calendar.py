from datetime import datetime, timedelta

from odoo import Command
from odoo.tests import tagged

from .common_reminder import ReminderCommon, d

FRIDAY_EVENING = "2026-06-19 13:00:00"  # Friday 19 June 2026, 20:00 in Ho Chi Minh City, 21:00 in Taipei
SATURDAY_8_HCM = datetime(2026, 6, 20, 1, 0)  # Saturday 08:00 in Ho Chi Minh City (UTC+7)
SATURDAY_8_TPE = datetime(2026, 6, 20, 0, 0)  # Saturday 08:00 in Taipei (UTC+8)


@tagged("post_install", "-at_install")
class TestReminderCalendar(ReminderCommon):
    """Working time comes from the company's calendar (Odoo's ``_work_intervals_batch``), read in each
    customer's time zone: Saturday hours count, public holidays do not. Two customers, one in Ho Chi
    Minh City and one in Taipei, have an invoice due on Friday 12 June 2026: the +7 reminder fires on
    Friday 19 June, and the job runs that evening."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.hcm = cls._reminder_customer("Saigon Steel", tz="Asia/Ho_Chi_Minh")
        cls.taipei = cls._reminder_customer("Taipei Trading", tz="Asia/Taipei", country=cls.tw,
                                            mobile="0928 765 432")
        for partner in cls.hcm | cls.taipei:
            cls._invoice_due(partner, 1000.0, d("2026-06-12"))

    def _saturday_mornings(self):
        self.calendar.attendance_ids = [Command.create({
            "name": "Saturday morning", "dayofweek": "5", "hour_from": 8, "hour_to": 12, "day_period": "morning"})]

    def _public_holiday(self, first, last, company=None, **values):
        """A public holiday (time off without employee) from ``first`` 00:00 to ``last`` 23:59:59 in Ho Chi Minh
        City, stored in UTC as Odoo does (its company: the calendar's, else the current one)."""
        leaves = self.env["resource.calendar.leaves"]
        if company:
            leaves = leaves.sudo().with_company(company)  # sudo: a company the test user is not in
        return leaves.create({
            "name": "Tết Nguyên Đán", "calendar_id": self.calendar.id,
            "date_from": datetime.fromisoformat(first) - timedelta(hours=7),
            "date_to": datetime.fromisoformat(last) + timedelta(hours=17, minutes=-1, seconds=59),
            **values,
        })

    def test_saturday_hours_send_on_saturday_morning(self):
        self._saturday_mornings()
        with self.gateways():
            self.run_cron(FRIDAY_EVENING)
            hcm, tpe = self.reminders(self.hcm), self.reminders(self.taipei)
            self.assertEqual((hcm.state, tpe.state), ("planned", "planned"))
            self.assertEqual(hcm.rule_id, self.rule[7])
            # each customer gets its own 08:00
            self.assertEqual(hcm.planned_time, SATURDAY_8_HCM)
            self.assertEqual(tpe.planned_time, SATURDAY_8_TPE)
            self.run_cron(SATURDAY_8_TPE)  # 07:00 in Ho Chi Minh City: only Taipei is in working hours
            self.assertEqual((hcm.state, tpe.state), ("planned", "queued"))
            self.assertEqual(tpe.sent_time, SATURDAY_8_TPE)
            self.run_cron(SATURDAY_8_HCM)
            self.assertEqual(hcm.state, "queued")
            self.assertEqual(hcm.sent_time, SATURDAY_8_HCM)

    def test_monday_to_friday_waits_for_monday(self):
        with self.gateways():
            self.run_cron(FRIDAY_EVENING)
            self.run_cron(SATURDAY_8_HCM)  # Saturday: no working hours
            hcm, tpe = self.reminders(self.hcm), self.reminders(self.taipei)
            self.assertEqual((hcm.state, tpe.state), ("planned", "planned"))
            self.assertEqual(hcm.planned_time, datetime(2026, 6, 22, 1, 0), "Monday 08:00 in Ho Chi Minh City")
            self.assertEqual(tpe.planned_time, datetime(2026, 6, 22, 0, 0), "Monday 08:00 in Taipei")
            self.assertFalse(self._new_mails)
            self.run_cron("2026-06-22 01:00:00")
            self.assertEqual((hcm.state, tpe.state), ("queued", "queued"))

    def test_public_holidays_are_skipped(self):
        self._saturday_mornings()
        # closed from Saturday 20 to Tuesday 23 June, Saturday included
        self._public_holiday("2026-06-20", "2026-06-23")
        # an employee's time off is no public holiday: it does not stop the reminders on Wednesday
        # sudo: no group of these add-ons creates resources (HR does)
        employee = self.env["resource.resource"].sudo().create({"name": "Lan", "calendar_id": self.calendar.id})
        self._public_holiday("2026-06-24", "2026-06-24", name="Lan's day off", resource_id=employee.id)
        # nor does another company's public holiday on every calendar
        self._public_holiday("2026-06-24", "2026-06-24", name="Elsewhere", calendar_id=False,
                             company=self.env["res.company"].sudo().create({"name": "Elsewhere Ltd"}))
        with self.gateways():
            self.run_cron(FRIDAY_EVENING)
            hcm, tpe = self.reminders(self.hcm), self.reminders(self.taipei)
            self.assertEqual(hcm.planned_time, datetime(2026, 6, 24, 1, 0), "Wednesday 08:00 in Ho Chi Minh City")
            self.assertEqual(tpe.planned_time, datetime(2026, 6, 24, 0, 0), "Wednesday 08:00 in Taipei")
            self.run_cron("2026-06-23 03:00:00")  # Tuesday 10:00, a holiday: nothing goes out
            self.assertEqual((hcm.state, tpe.state), ("planned", "planned"))
            self.assertFalse(self._new_mails)
            self.run_cron("2026-06-24 01:00:00")
            self.assertEqual((hcm.state, tpe.state), ("queued", "queued"))

    def test_tet_spanning_days(self):
        """Tết 2026 closes Monday 16 to Friday 20 February: a reminder due on Friday 13 February in the evening
        waits for Monday 23 February, in each customer's time zone."""
        self._public_holiday("2026-02-16", "2026-02-20")
        late = self._reminder_customer("Late Before Tet")
        self._invoice_due(late, 500.0, d("2026-02-06"))  # +7 on Friday 13 February
        self.run_cron("2026-02-13 13:00:00")
        self.assertEqual(self.reminders(late).planned_time, datetime(2026, 2, 23, 1, 0))

    def test_two_week_calendar(self):
        """Odoo's two-week calendars: the week of 22 June works on Tuesday only, the week before on Monday only."""
        monday = self.env["resource.calendar.attendance"]
        week_type = monday.get_week_type(d("2026-06-22"))
        self.calendar.write({"two_weeks_calendar": True, "attendance_ids": [Command.clear()] + [
            Command.create({"name": name, "dayofweek": day, "hour_from": 8, "hour_to": 12, "day_period": "morning",
                            "week_type": str(kind)})
            for name, day, kind in (("Monday", "0", 1 - week_type), ("Tuesday", "1", week_type))]})
        self.run_cron(FRIDAY_EVENING)
        self.assertEqual(self.reminders(self.hcm).planned_time, datetime(2026, 6, 23, 1, 0), "Tuesday 08:00")

    def test_daylight_saving_in_the_customers_zone(self):
        """Paris switches to summer time on Sunday 29 March 2026: Monday 08:00 in Paris is 06:00 UTC, not 07:00."""
        paris = self._reminder_customer("Rive Gauche", tz="Europe/Paris")
        self._invoice_due(paris, 300.0, d("2026-03-20"))  # +7 on Friday 27 March
        self.run_cron("2026-03-27 19:00:00")  # Friday 20:00 in Paris (winter time)
        self.assertEqual(self.reminders(paris).planned_time, datetime(2026, 3, 30, 6, 0))
