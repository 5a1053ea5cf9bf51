"""Payment reminders, rendering: the e-mail and SMS templates rendered for a batch of reminders."""

import logging
from collections import defaultdict

from markupsafe import Markup, escape
from werkzeug import urls

from odoo import Command, _, api, fields, models, tools
from odoo.tools.mail import generate_tracking_message_id

from ..tools import sms_text
from .debt_reminder import EMAIL_FIELDS

_logger = logging.getLogger(__name__)

# Per channel of a reminder: where its failures go in the outcome, the recipient's error (no address, no valid
# number), the rule's template and the template fields rendered.
CHANNELS = {
    "mail": ("mail_errors", "email_error", "mail_template_id", EMAIL_FIELDS),
    "sms": ("sms_errors", "sms_error", "sms_template_id", ("body",)),
}


class DebtReminder(models.Model):
    _inherit = "debt.reminder"

    pay_link_text = fields.Char(
        compute="_compute_pay_link_text", string="Pay Online (SMS Text)",
        help="For SMS: the short link (Odoo's link tracker) to the portal page of the oldest invoice to pay, when "
        "online payment is enabled; else empty.")

    @api.model
    def mail_allowed_qweb_expressions(self):
        return (*super().mail_allowed_qweb_expressions(), "object.pay_link_text")

    def _debt_pay_now(self):
        """Pay-now values of the invoices of the reminders (``account.move._debt_pay_now_values``), for the whole
        batch at once, per company (its bank account): ``{move id: dict}``."""
        values = {}
        by_company = defaultdict(lambda: self.env["account.move"])
        for reminder in self:
            by_company[reminder.company_id] |= reminder.line_ids.move_id
        for company, moves in by_company.items():
            values.update(moves.with_company(company)._debt_pay_now_values(
                bank=company._debt_payment_bank_account()))
        return values

    @api.depends("line_ids", "partner_id", "company_id")
    @api.depends_context("lang")
    def _compute_pay_link_text(self):
        pay_now = self._debt_pay_now()
        text = self.env._("Pay online: %s")
        links = {}
        for reminder in self:
            links[reminder] = next((line.move_id for line in reminder.sorted_line_ids
                                    if pay_now.get(line.move_id.id, {}).get("portal_url")), None)
        # Odoo's link shortener (link_tracker, as its SMS marketing does): /r/<code> instead of the portal URL with
        # its access token, about 60 characters less, a part less for many SMS. sudo: technical records.
        moves = list({move for move in links.values() if move})
        trackers = self.env["link.tracker"].sudo().search_or_create([
            {"url": pay_now[move.id]["portal_url"], "title": move.name} for move in moves])  # in the same order
        # the codes of all the trackers in one query (link.tracker computes its short_url with a query per tracker);
        # the short URL as link.tracker._compute_short_url makes it: its host, then its latest code
        codes = {code.link_id.id: code.code for code in self.env["link.tracker.code"].sudo().search(
            [("link_id", "in", trackers.ids)], order="id")}
        short = {move: urls.url_join(tracker.short_url_host or "", codes.get(tracker.id, ""))
                 for move, tracker in zip(moves, trackers, strict=True)}
        for reminder in self:
            move = links[reminder]
            reminder.pay_link_text = (" " + text % short[move]) if move else ""

    @api.depends("line_ids", "amount", "credit_amount", "amount_due", "stage", "partner_id", "company_id")
    @api.depends_context("lang")
    def _compute_mail_parts(self):
        """Odoo's pay-now offers after the bank account: for each invoice its portal payment link (online payment
        enabled), its bank QR code (a bank account that supports one) and its early-payment discount."""
        super()._compute_mail_parts()
        pay_now = self._debt_pay_now()
        if not pay_now:
            return
        env = self.env
        intro = Markup("<p>%s</p>") % env._("Pay each invoice online, or scan its QR code with your banking app:")
        link_text = env._("Pay now")
        discount_text = env._("Early payment discount: pay %(amount)s by %(date)s.")
        row = Markup('<tr style="border-bottom: 1px solid #eeeeee;"><td style="padding: 4px 12px 4px 0px;">%s</td>'
                     '<td style="padding: 4px 12px;">%s</td><td style="padding: 4px 12px;">%s</td>'
                     '<td style="padding: 4px 0px 4px 12px;">%s</td></tr>')
        link = Markup('<a href="%s" style="font-weight: bold;">%s</a>')
        image = Markup('<img src="%s" alt="QR" width="128" height="128" style="width: 128px; height: 128px;"/>')
        for reminder in self:
            rows = []
            for move in reminder.sorted_line_ids.move_id:
                values = pay_now.get(move.id)
                if not values or not (values["link"] or values["qr"] or values["discount_amount"]):
                    continue
                discount = ""
                if values["discount_amount"]:
                    discount = escape(discount_text) % {
                        "amount": tools.format_amount(env, values["discount_amount"], move.currency_id),
                        "date": tools.format_date(env, values["discount_date"])}
                rows.append(row % (
                    move.name, link % (values["link"], link_text) if values["link"] else "",
                    discount, image % values["qr"] if values["qr"] else ""))
            if rows:
                reminder.payment_html = reminder.payment_html + intro + Markup(
                    '<table style="border-collapse: collapse; margin: 12px 0px; font-size: 13px;">%s</table>'
                ) % Markup("").join(rows)

    def _debt_sms_pay_links(self):
        """The short portal link each SMS ends with (``pay_link_text``, in the customer's language), added after the
        rendered template so that the shipped and the edited SMS templates carry it alike: ``{reminder id: text}``."""
        by_lang = defaultdict(list)
        for reminder in self:
            by_lang[reminder.partner_id.lang or self.env.lang or "en_US"].append(reminder.id)
        return {reminder.id: reminder.pay_link_text
                for lang, ids in by_lang.items() for reminder in self.browse(ids).with_context(lang=lang)}

    def _debt_attach_statements(self, items):
        """Attach the customer's statement to the e-mails of the rules that ask for it (``attach_statement``):
        this month, or since the oldest open item, up to the customer's day of the reminder."""
        for reminder, message_values, _mail_values in items:
            if not reminder.rule_id.attach_statement:
                continue
            partner = reminder.partner_id.with_company(reminder.company_id)
            date_from, date_to = partner._debt_statement_default_period(reminder.company_id, reminder.send_date)
            pdf, name = partner._debt_statement_pdf(date_from, date_to)
            # sudo: the engine attaches the document to the customer's message, as Odoo's composer does
            attachment = self.env["ir.attachment"].sudo().create({
                "name": name, "raw": pdf, "mimetype": "application/pdf",
                "res_model": "res.partner", "res_id": partner.id})
            message_values["attachment_ids"] = [Command.set(attachment.ids)]
        return items

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

    def _debt_render_channel(self, channel, recipients, outcome, texts, prepare=None):
        """What the e-mails and the SMS share: the reminders of ``self`` that go out on ``channel`` (``"mail"`` or
        ``"sms"``), grouped by their rule's template and rendered (``_debt_render``: each customer in its language).
        A reminder that cannot go out on it (no address or number, no template, its template failing for it) gets
        the channel's error in ``outcome`` instead.

        :param dict texts: the channel's error messages, translated by the caller: ``recipient`` (``%s``: what is
            wrong with the address or number), ``no_template`` (``%s``: the rule), ``render`` (``%(template)s``,
            ``%(error)s``)
        :param prepare: called with the reminders about to be rendered, before any rendering
        :returns: ``[(reminder, rendered values)]``, template by template
        """
        errors_key, recipient_error, template_field, fields_to_render = CHANNELS[channel]
        by_template = defaultdict(list)
        for reminder in self:
            if channel not in outcome[reminder]["channels"]:
                continue
            if error := recipients[reminder][recipient_error]:
                outcome[reminder][errors_key].append(texts["recipient"] % error)
                if channel == "sms":  # the customer's card asks for a valid mobile number
                    outcome[reminder]["fix_number"] = error
                continue
            template = reminder.rule_id[template_field]
            if not template:  # never an empty e-mail or SMS
                outcome[reminder][errors_key].append(texts["no_template"] % reminder.rule_id.name)
                continue
            by_template[template].append(reminder.id)
        if prepare:
            going = set().union(*by_template.values())
            prepare(self.filtered(lambda r: r.id in going))
        items = []
        for template, reminder_ids in by_template.items():
            reminders = self.browse(reminder_ids).with_prefetch(self._prefetch_ids)
            rendered, errors = reminders._debt_render(template, fields_to_render)
            for reminder in reminders:
                if reminder.id in errors:
                    outcome[reminder][errors_key].append(
                        texts["render"] % {"template": template.name, "error": errors[reminder.id]})
                else:
                    items.append((reminder, rendered[reminder.id]))
        return items

    def _debt_prepare_emails(self, setup, recipients, outcome, author, author_email):
        """Render the e-mails of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, chatter message values, mail.mail values)]``
        """
        company = setup["company"]
        # translated once per batch, filled in per reminder (as _() would do, with the same arguments)
        summary_text = _("Payment reminder e-mailed to %(recipient)s: %(subject)s (%(invoices)s; %(amount)s).")
        items = []
        rendered = self._debt_render_channel("mail", recipients, outcome, {
            "recipient": _("E-mail not sent: %s."),
            "no_template": _("E-mail not sent: the rule %s has no e-mail template."),
            "render": _("E-mail not sent: the template %(template)s could not be rendered: %(error)s"),
        })
        for reminder, values in rendered:
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
        return self._debt_attach_statements(items)

    def _debt_prepare_sms(self, setup, recipients, outcome):
        """Render the SMS of ``self``, grouped by template. Failures go to ``outcome``.

        :returns: ``[(reminder, text)]``
        """
        items = []
        pay_links = {}
        rendered = self._debt_render_channel("sms", recipients, outcome, {
            "recipient": _("SMS not sent: %s."),
            "no_template": _("SMS not sent: the rule %s has no SMS template."),
            "render": _("SMS not sent: the template %(template)s could not be rendered: %(error)s"),
        }, prepare=lambda reminders: pay_links.update(reminders._debt_sms_pay_links()))
        for reminder, values in rendered:
            body = (values["body"] or "").strip() + pay_links.get(reminder.id, "")
            body = sms_text.sms_plain_text(body) if setup["plain_sms"] else sms_text.sms_typography(body)
            items.append((reminder, body))
            outcome[reminder]["values"].update(
                sms_body=body, sms_segments=sms_text.sms_segments(body)["segments"],
                sms_number=recipients[reminder]["number"])
        return items
