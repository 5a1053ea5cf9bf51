"""Payment reminders, rendering: the e-mail and SMS templates rendered for a batch of reminders."""

import logging
from collections import defaultdict

from markupsafe import Markup

from odoo import Command, _, api, models
from odoo.tools.mail import generate_tracking_message_id

from ..tools import sms_text
from .debt_reminder import EMAIL_FIELDS

_logger = logging.getLogger(__name__)


class DebtReminder(models.Model):
    _inherit = "debt.reminder"

    def _debt_render(self, template, fields_to_render):
        """Render ``fields_to_render`` of ``template`` (a mail.template or sms.template on reminders) for
        all of ``self``, each in its customer's language, grouped by language as Odoo does
        (``_classify_per_lang``): Odoo's ``_render_field`` for each language group, the QWeb e-mail body as the
        inline fields. The shipped e-mail bodies are only allowed field placeholders, so that Odoo renders them
        without the QWeb engine (``_render_template_qweb_regex``); a body edited with any other QWeb goes
        through Odoo's QWeb engine, record by record. If a group fails, it is rendered again record by record,
        so that a template failing for one reminder fails only that one.

        :returns: ``(values by id, error by id)``
        """
        values = {rid: {} for rid in self.ids}
        errors = {}
        try:
            by_lang = template._classify_per_lang(self.ids)
        except Exception as error:  # noqa: BLE001 - an invalid language expression fails all its reminders
            return {}, dict.fromkeys(self.ids, self._debt_render_error(template, error))
        for localized, res_ids in by_lang.values():
            for field in fields_to_render:
                if field in ("auto_delete", "mail_server_id"):
                    for rid in res_ids:
                        values[rid][field] = template[field].id if field == "mail_server_id" else template[field]
                    continue
                if not localized[field]:
                    for rid in res_ids:
                        values[rid][field] = ""
                    continue
                todo = [rid for rid in res_ids if rid not in errors]
                for rid, text in self._debt_render_field(localized, field, todo, errors).items():
                    values[rid][field] = text
        return {rid: vals for rid, vals in values.items() if rid not in errors}, errors

    def _debt_render_field(self, localized, field, res_ids, errors):
        """Odoo's ``_render_field`` of ``field`` for ``res_ids`` at once (with its post-processing, e.g. the
        local links of an e-mail body); record by record if that fails, the failures going to ``errors``."""
        try:
            with self.env.cr.savepoint(flush=False):
                return localized._render_field(field, res_ids)
        except Exception:  # noqa: BLE001 - isolated below, record by record
            _logger.debug("debt reminders: %s failed for a batch, rendered one by one", field, exc_info=True)
        rendered = {}
        for rid in res_ids:
            try:
                with self.env.cr.savepoint(flush=False):
                    rendered[rid] = localized._render_field(field, [rid])[rid]
            except Exception as error:  # noqa: BLE001 - a template may fail in any way for one record
                errors[rid] = self._debt_render_error(localized, error.__cause__ or error)
        return rendered

    @api.model
    def _debt_render_error(self, template, error):
        _logger.info("debt reminders: template %s failed: %s", template.display_name, error)
        return str(error) or error.__class__.__name__

    def _debt_prepare_emails(self, setup, recipients, outcome, author, author_email):
        """Render the e-mails of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, chatter message values, mail.mail values)]``
        """
        company = setup["company"]
        # translated once per batch, filled in per reminder (as _() would do, with the same arguments)
        summary_text = _("Payment reminder e-mailed to %(recipient)s: %(subject)s (%(invoices)s; %(amount)s).")
        items = []
        by_template = defaultdict(list)
        for reminder in self:
            if "mail" not in outcome[reminder]["channels"]:
                continue
            if recipients[reminder]["email_error"]:
                outcome[reminder]["mail_errors"].append(_("E-mail not sent: %s.", recipients[reminder]["email_error"]))
                continue
            if not reminder.rule_id.mail_template_id:  # never an empty e-mail
                outcome[reminder]["mail_errors"].append(_(
                    "E-mail not sent: the rule %s has no e-mail template.", reminder.rule_id.name))
                continue
            by_template[reminder.rule_id.mail_template_id].append(reminder.id)
        for template, reminder_ids in by_template.items():
            reminders = self.browse(reminder_ids).with_prefetch(self._prefetch_ids)
            rendered, errors = reminders._debt_render(template, EMAIL_FIELDS)
            for reminder in reminders:
                if reminder.id in errors:
                    outcome[reminder]["mail_errors"].append(_(
                        "E-mail not sent: the template %(template)s could not be rendered: %(error)s",
                        template=template.name, error=errors[reminder.id]))
                    continue
                values = rendered[reminder.id]
                email_from = values.get("email_from") or author_email
                if not email_from:
                    outcome[reminder]["mail_errors"].append(_(
                        "E-mail not sent: the company %s has no e-mail address to send from.", company.name))
                    continue
                partner = reminder.partner_id
                recipient = recipients[reminder]["email_partner"]
                # The chatter shows a summary: the full e-mail goes out from body_html and stays on the
                # reminder (its E-mail tab). Sanitizing every e-mail again for the chatter would double the
                # cost of a run (Odoo sanitizes an HTML value twice when creating a record).
                summary = Markup("<p>%s</p>") % (summary_text % {
                    "recipient": recipient.email, "subject": values.get("subject") or "",
                    "invoices": reminder.invoice_names, "amount": reminder.amount_due_text})
                message_values = {
                    "model": "res.partner",
                    "res_id": partner.id,
                    "record_name": partner.display_name,
                    "message_type": "email_outgoing",
                    "message_id": generate_tracking_message_id("debt-reminder"),
                    "author_id": author.id,
                    "email_from": email_from,
                    "reply_to": values.get("reply_to") or email_from,
                    "subject": values.get("subject") or "",
                    "body": summary,
                    "mail_server_id": values.get("mail_server_id") or False,
                }
                mail_values = {
                    "is_notification": True,
                    "body_html": values.get("body_html") or "",
                    "recipient_ids": [Command.link(recipient.id)],
                    "auto_delete": values.get("auto_delete", True),
                    "state": "outgoing",
                }
                items.append((reminder, message_values, mail_values))
                outcome[reminder]["values"].update(
                    subject=values.get("subject"), body_html=values.get("body_html"), email_to=recipient.email)
        return items

    def _debt_prepare_sms(self, setup, recipients, outcome):
        """Render the SMS of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, text)]``
        """
        items = []
        by_template = defaultdict(list)
        for reminder in self:
            if "sms" not in outcome[reminder]["channels"]:
                continue
            if recipients[reminder]["sms_error"]:
                outcome[reminder]["sms_errors"].append(_("SMS not sent: %s.", recipients[reminder]["sms_error"]))
                outcome[reminder]["fix_number"] = recipients[reminder]["sms_error"]
                continue
            if not reminder.rule_id.sms_template_id:  # never an empty SMS
                outcome[reminder]["sms_errors"].append(_(
                    "SMS not sent: the rule %s has no SMS template.", reminder.rule_id.name))
                continue
            by_template[reminder.rule_id.sms_template_id].append(reminder.id)
        for template, reminder_ids in by_template.items():
            reminders = self.browse(reminder_ids).with_prefetch(self._prefetch_ids)
            rendered, errors = reminders._debt_render(template, ("body",))
            for reminder in reminders:
                if reminder.id in errors:
                    outcome[reminder]["sms_errors"].append(_(
                        "SMS not sent: the template %(template)s could not be rendered: %(error)s",
                        template=template.name, error=errors[reminder.id]))
                    continue
                body = (rendered[reminder.id]["body"] or "").strip()
                body = sms_text.sms_plain_text(body) if setup["plain_sms"] else sms_text.sms_typography(body)
                items.append((reminder, body))
                outcome[reminder]["values"].update(
                    sms_body=body, sms_segments=sms_text.sms_segments(body)["segments"],
                    sms_number=recipients[reminder]["number"])
        return items

