from contextlib import contextmanager
from datetime import date, datetime

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command

from odoo.addons.mail.tests.common import MailCase
from odoo.addons.sms.tests.common import SMSCase

from .common import TODAY, DebtCollectionCommon, load_shipped_translations


class ReminderCommon(DebtCollectionCommon, MailCase, SMSCase):
    """A company in Vietnam with office hours Monday to Friday 8-12 and 13-17 (Ho Chi Minh City time),
    its default reminder rules, a bank account to pay to, and helpers to run the reminder job at a
    given moment. The reminders of other companies (demo data) are switched off."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.vn = env.ref("base.vn")
        cls.tw = env.ref("base.tw")
        env["debt.reminder.rule"].search([("company_id", "!=", cls.company.id)]).active = False
        cls.rules = env["debt.reminder.rule"].search([("company_id", "=", cls.company.id)])
        cls.rule = {rule.offset_days: rule for rule in cls.rules}
        cls.calendar = env["resource.calendar"].create({
            "name": "Office hours (test)",
            "tz": "Asia/Ho_Chi_Minh",
            "company_id": cls.company.id,
            "attendance_ids": [
                Command.create({"name": f"Day {day} {period}", "dayofweek": str(day), "hour_from": start,
                                "hour_to": end, "day_period": period})
                for day in range(5) for start, end, period in ((8, 12, "morning"), (13, 17, "afternoon"))
            ],
        })
        cls.company.write({
            "resource_calendar_id": cls.calendar.id,
            "email": "billing@company.example.com",
            "phone": "+84 28 3822 0000",
            "country_id": cls.vn.id,
            # the texts with their diacritics (the default strips them: see test_screens)
            "debt_reminder_sms_plain": False,
        })
        cls.bank_account = env["res.partner.bank"].create({
            "acc_number": "0071000123456",
            "partner_id": cls.company.partner_id.id,
            "bank_id": env["res.bank"].create({"name": "Vietcombank"}).id,
        })
        cls.company_data["default_journal_bank"].bank_account_id = cls.bank_account
        cls.salesman_a.partner_id.write({"email": "lan.tran@example.com", "mobile": "+84 903 000 111"})
        load_shipped_translations(env)
        cls.Reminder = env["debt.reminder"]

    @classmethod
    def _reminder_customer(cls, name, tz="Asia/Ho_Chi_Minh", lang="en_US", country=None, **values):
        return cls._customer(name, **{
            "tz": tz, "lang": lang, "country_id": (country or cls.vn).id, "user_id": cls.salesman_a.id,
            "email": f"{name.lower().replace(' ', '.')}@customer.example.com", "mobile": "0912 345 678",
            **values,
        })

    @classmethod
    def _invoice_due(cls, partner, amount, due, **kwargs):
        """A posted invoice due (immediate payment term) on ``due``."""
        return cls._invoice(partner, amount, (TODAY - due).days, **kwargs)

    def run_cron(self, moment, **kwargs):
        """Run the reminder job as the cron does, at ``moment`` (naive UTC, or a string)."""
        moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        with freeze_time(moment):
            if kwargs:
                self.Reminder.with_user(SUPERUSER_ID)._cron_send_reminders(**kwargs)
            else:
                # the scheduled action itself, as its user (OdooBot), with its progress record
                self.env.ref("debt_collection.ir_cron_debt_send_reminders").sudo().method_direct_trigger()
        self.env.invalidate_all()

    def activities(self, partner):
        return self.env["mail.activity"].search([("res_model", "=", "res.partner"), ("res_id", "=", partner.id)])

    def reminders(self, partners):
        return self.Reminder.search([("partner_id", "in", partners.ids)], order="id")

    @contextmanager
    def assertRaisesRollback(self, exception, regex):
        """assertRaisesRegex, with what the failing call wrote rolled back (as in a real request)."""
        with self.assertRaisesRegex(exception, regex), self.env.cr.savepoint():
            yield

    @contextmanager
    def gateways(self):
        """Odoo's SMS and e-mail gateway mocks: nothing leaves the machine."""
        with self.mockSMSGateway(), self.mock_mail_gateway():
            yield


def d(text):
    return date.fromisoformat(text)
