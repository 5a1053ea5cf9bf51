from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from odoo.tests import tagged

from .common_reminder import ReminderCommon, d

UTC = ZoneInfo("UTC")


@tagged("post_install", "-at_install")
class TestReminderSchedule(ReminderCommon):
    """The default rules (-3, 0, +7, +14, +21 and a +30 final notice, at most one reminder every 5
    days) over 40 days, with the job running every hour, for one customer in Ho Chi Minh City and one
    in Taipei, both with an invoice due on Wednesday 4 February 2026. The company works Monday to
    Friday, 8-12 and 13-17, and closes for Tết from Monday 16 to Friday 20 February 2026."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["resource.calendar.leaves"].create({
            "name": "Tết Nguyên Đán",
            "calendar_id": cls.calendar.id,
            "company_id": cls.company.id,
            # 16 Feb 00:00 to 20 Feb 23:59:59 in Ho Chi Minh City (UTC+7), stored in UTC
            "date_from": datetime(2026, 2, 15, 17, 0),
            "date_to": datetime(2026, 2, 20, 16, 59, 59),
        })
        cls.hcm = cls._reminder_customer("Minh Phat", tz="Asia/Ho_Chi_Minh", lang="vi_VN")
        cls.taipei = cls._reminder_customer("Dingxin", tz="Asia/Taipei", lang="zh_TW", country=cls.tw,
                                            mobile="0928 765 432")
        cls.invoice_hcm = cls._invoice_due(cls.hcm, 1000.0, d("2026-02-04"))
        cls.invoice_tpe = cls._invoice_due(cls.taipei, 2000.0, d("2026-02-04"))

    def test_default_schedule_over_40_days(self):
        start = datetime(2026, 1, 30)
        for hour in range(40 * 24):  # 30 January to 10 March 2026 included, every hour
            self.run_cron(start + timedelta(hours=hour))

        def sent(partner):
            return [(r.rule_id.offset_days, r.sent_time, r.cycle_date)
                    for r in self.reminders(partner).filtered(lambda r: r.state == "queued").sorted("sent_time")]

        # Sunday 1 Feb (-3) -> Monday 2 Feb 08:00; the due date (Wednesday 4) waits for the 5-day gap:
        # Saturday 7 -> Monday 9; +7 (Wednesday 11) waits until Saturday 14, then the weekend and Tết
        # -> Monday 23; +14 (18 Feb) was never sent alone: by the end of the gap (Saturday 28) the
        # item is at +21 -> Monday 2 March; +30 (Friday 6 March) waits until Saturday 7 -> Monday 9.
        # 08:00 in Ho Chi Minh City is 01:00 UTC, in Taipei 00:00 UTC.
        expected_days = [
            (-3, "2026-02-02", "2026-02-01"),
            (0, "2026-02-09", "2026-02-07"),
            (7, "2026-02-23", "2026-02-14"),
            (21, "2026-03-02", "2026-02-28"),
            (30, "2026-03-09", "2026-03-07"),
        ]
        self.assertEqual(sent(self.hcm), [
            (offset, datetime.fromisoformat(day).replace(hour=1), d(cycle)) for offset, day, cycle in expected_days])
        self.assertEqual(sent(self.taipei), [
            (offset, datetime.fromisoformat(day).replace(hour=0), d(cycle)) for offset, day, cycle in expected_days])

        for partner, zone in ((self.hcm, "Asia/Ho_Chi_Minh"), (self.taipei, "Asia/Taipei")):
            reminders = self.reminders(partner)
            self.assertEqual(set(reminders.mapped("state")), {"queued"}, "nothing failed, skipped or left planned")
            for reminder in reminders:
                local = reminder.sent_time.replace(tzinfo=UTC).astimezone(ZoneInfo(zone))
                self.assertLess(local.weekday(), 5, "never at the weekend")
                self.assertTrue(8 <= local.hour < 17, "only in working hours")
                self.assertFalse(d("2026-02-16") <= local.date() <= d("2026-02-20"), "never during Tết")
                items = (self.invoice_hcm | self.invoice_tpe).line_ids.filtered(
                    lambda line: line.display_type == "payment_term")
                self.assertEqual(reminder.line_ids, items.filtered_domain([("partner_id", "=", partner.id)]))
            # one row per cycle: the postponed reminders were planned once, not once an hour
            self.assertEqual(len(reminders), 5)
            self.assertTrue(partner.with_company(self.company).debt_final_notice)

        # the +7 reminder was planned on Saturday 14 February for Monday 23, across Tết
        planned_across_tet = self.reminders(self.hcm).filtered(lambda r: r.rule_id.offset_days == 7)
        self.assertEqual(planned_across_tet.planned_time, datetime(2026, 2, 23, 1, 0))
        # the final notice asks the collector to call
        activity = self.env["mail.activity"].search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.hcm.id)])
        self.assertEqual(activity.summary, "Call the customer after the final notice")
        self.assertEqual(activity.user_id, self.salesman_a)
