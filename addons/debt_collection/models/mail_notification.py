from odoo import models


class MailNotification(models.Model):
    _inherit = "mail.notification"

    def write(self, vals):
        result = super().write(vals)
        if "notification_status" in vals:
            # E-mails are followed once their sending is over (mail_mail.py): while sending, Odoo sets their
            # notifications to a transient "exception" first. Here: a bounce received later, and the SMS
            # provider's answers (sms.tracker).
            followed = self.filtered(lambda n: n.notification_type == "sms" or n.notification_status == "bounce")
            if followed:
                # sudo: the reminders follow their e-mails and SMS whoever updates them (mail gateway, SMS provider)
                self.env["debt.reminder"].sudo()._debt_follow_notifications(followed)
        return result
