from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(self, success_pids, failure_reason=False, failure_type=None):
        """The payment reminders follow their e-mails: sent (accepted by the mail server) or failed, with the
        reason Odoo gives their notifications (read before the sent e-mails are deleted)."""
        notifications = self.env["mail.notification"].sudo().search([
            ("mail_mail_id", "in", self.ids), ("notification_type", "=", "email")])
        result = super()._postprocess_sent_message(success_pids, failure_reason=failure_reason,
                                                   failure_type=failure_type)
        if notifications:
            # sudo: the reminders are the engine's records, updated whoever sends the e-mails
            self.env["debt.reminder"].sudo()._debt_follow_notifications(notifications)
        return result
