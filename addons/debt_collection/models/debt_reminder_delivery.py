"""Payment reminders, delivery: recipients, queueing the e-mails and SMS through Odoo's mail and SMS
machinery, chatter notes, follow-up activities and escalations."""

import logging
from collections import defaultdict

import phonenumbers
from markupsafe import Markup

from odoo import SUPERUSER_ID, Command, _, api, fields, models, tools
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from odoo.addons.phone_validation.tools import phone_validation
from odoo.addons.sms.tools.sms_tools import sms_content_to_rendered_html

from ..tools import schedule
from .debt_reminder import OUTCOME_FIELDS

_logger = logging.getLogger(__name__)

# numbers that can receive an SMS (FIXED_LINE_OR_MOBILE: e.g. the United States, whose numbering does not tell)
SMS_CAPABLE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})


class DebtReminder(models.Model):
    _inherit = "debt.reminder"

    # --- delivery ------------------------------------------------------------------------------------------------

    def _debt_recipients(self, setup):
        """``{reminder: {"partner", "email", "email_error", "number", "sms_error"}}``."""
        company = setup["company"]
        result = {}
        for reminder in self:
            customer = reminder.partner_id
            contact = customer.payment_contact_id
            email_owner = contact if contact.email else customer
            email = tools.email_normalize(email_owner.email) if email_owner.email else False
            email_error = False
            if not email_owner.email:
                email_error = _("no e-mail address on the customer or its payment contact")
            elif not email:
                email_error = _("the e-mail address %s is not valid", email_owner.email)
            candidates = []
            for owner in (contact, customer):
                if owner:
                    country = owner.country_id or customer.country_id or company.country_id
                    candidates += [(owner, owner.mobile, country), (owner, owner.phone, country)]
            sms_owner, number, (code, wrong) = self._debt_pick_mobile(candidates)
            sms_owner = sms_owner or contact or customer
            sms_error = code and {
                "missing": _("no mobile number on the customer or its payment contact"),
                "invalid": _("the number %s is not a valid phone number", wrong),
                "landline": _("the number %s is a landline, which cannot receive SMS", wrong),
            }[code]
            result[reminder] = {
                "email_partner": email_owner, "email": email, "email_error": email_error,
                "sms_partner": sms_owner, "number": number, "sms_error": sms_error,
            }
        return result

    @api.model
    def _debt_pick_mobile(self, candidates):
        """The first candidate number that can receive an SMS, normalised by Odoo (``_phone_format``, E.164).

        :param candidates: ``[(partner, number, country)]`` in order of preference (the payment contact's mobile,
            then its phone, then the customer's); empty numbers are skipped
        :returns: ``(partner, e164, (False, False))``, else ``(False, False, (code, number))`` with the error of
            the first non-empty number (the one the collector should fix): ``invalid`` or ``landline``; ``missing``
            when every number is empty
        """
        first_error = None
        for owner, number, country in candidates:
            if not (number or "").strip():
                continue
            e164 = owner._phone_format(number=number, country=country, force_format="E164")
            if not e164:
                first_error = first_error or ("invalid", number)
            elif phonenumbers.number_type(phone_validation.phone_parse(e164, None)) not in SMS_CAPABLE_TYPES:
                first_error = first_error or ("landline", number)
            else:
                return owner, e164, (False, False)
        return False, False, first_error or ("missing", False)

    def _debt_deliver(self, setup, now, amounts):
        """Render and queue the e-mails and SMS of ``self`` (due, checked), post them in the
        customers' chatter, apply the escalations, and record the outcome. A constant number of
        queries for the whole batch, whatever its size (templates grouped).

        :param amounts: ``{reminder id: (amount, credit, amount due)}``, the amounts of the items now
        """
        company = setup["company"]
        recipients = self._debt_recipients(setup)
        zones = {}
        addressed = {}
        for reminder, recipient in recipients.items():
            main = recipient["email_partner"] if "email" in reminder.rule_id._channels() else recipient["sms_partner"]
            zone = self._debt_zone(setup, reminder.partner_id.tz, zones)
            if isinstance(zone, str):  # "send now" to a customer with an unknown time zone
                zone = schedule.get_zone("UTC")
            addressed[reminder.id] = (main.id, schedule.local_date(now, zone), *amounts[reminder.id])
        self._debt_write_rows(("recipient_id", "send_date", "amount", "credit_amount", "amount_due"), addressed)
        self.env.flush_all()
        author = company.partner_id
        author_email = company.email_formatted or author.email_formatted or self.env.user.email_formatted
        outcome = {reminder: {"sent": [], "mail_errors": [], "sms_errors": [], "values": {}, "mail": False,
                              "sms": False, "channels": reminder._debt_send_channels()} for reminder in self}
        mail_items = self._debt_prepare_emails(setup, recipients, outcome, author, author_email)
        sms_items = self._debt_prepare_sms(setup, recipients, outcome)
        self._debt_queue(mail_items, sms_items, recipients, outcome, author, author_email)

        # outcome, escalations
        activities = {}
        message_rel = [(reminder.id, mid) for reminder in self for mid in outcome[reminder]["sent"]]
        if message_rel:
            self.env.execute_query(SQL(
                """
                INSERT INTO debt_reminder_mail_message_rel (reminder_id, message_id)
                     SELECT * FROM unnest(%s::int[], %s::int[])
                """, [rid for rid, _mid in message_rel], [mid for _rid, mid in message_rel]))
            self.invalidate_recordset(["sent_message_ids"])
        outcome_rows = {}
        failed = []
        for reminder in self:
            result = outcome[reminder]
            values = result["values"]
            retry = reminder.retry_count > 0
            channel_values = []
            for channel in ("mail", "sms"):
                if channel not in result["channels"]:  # not sent now: as it was (a retry sends the failed ones)
                    channel_values += [reminder[f"{channel}_state"] or None, reminder[f"{channel}_failure"] or None]
                elif result[channel]:
                    channel_values += [result[channel], None]
                else:
                    channel_values += ["failed", "\n".join(result[f"{channel}_errors"]) or None]
            mail_state, mail_failure, sms_state, sms_failure = channel_values
            state = self._debt_overall_state(mail_state, sms_state)
            if mail_failure or sms_failure:
                failed.append(reminder.id)
            went_out = result["mail"] or result["sms"]
            rendered = [values[fname] if fname in values else (reminder[fname] if retry else None)
                        for fname in OUTCOME_FIELDS[7:]]
            outcome_rows[reminder.id] = (
                state, now if went_out else (reminder.sent_time or None),
                "\n".join(filter(None, [mail_failure, sms_failure])) or None,
                mail_state, mail_failure, sms_state, sms_failure,
                *(None if value is False else value for value in rendered),
            )
            if result.get("fix_number"):
                activities[reminder] = {
                    "summary": _("Fix the mobile number of %s", reminder.partner_id.name),
                    "note": _("The payment reminder could not be sent by SMS: %s. Please enter a valid mobile "
                              "number (on the customer or its payment contact).", result["fix_number"]),
                }
        self._debt_write_rows(OUTCOME_FIELDS, outcome_rows)
        self.browse(failed)._debt_post_failure_notes()
        # a retry sends the failed channels again: the escalations were applied the first time
        first = self.filtered(lambda r: r.retry_count == 0)
        first._debt_escalate(first.filtered(lambda r: r.state in ("queued", "partial")),
                             {r: a for r, a in activities.items() if r in first})

    def _debt_send_channels(self):
        """The channels to send now: the rule's ("mail", "sms"); on a retry, only those that failed."""
        self.ensure_one()
        channels = {"mail" if channel == "email" else channel for channel in self.rule_id._channels()}
        if self.retry_count:
            channels = {channel for channel in channels if self[f"{channel}_state"] == "failed"}
        return channels

    def _debt_queue(self, mail_items, sms_items, recipients, outcome, author, author_email):
        """Post the e-mails and SMS in the customers' chatter and queue them, in a few creates for the
        whole batch: the chatter messages of both channels in one ``mail.message`` create; then each
        e-mail as the ``mail.mail`` of its message (as Odoo's e-mail notifications are: a ``mail.mail``
        created with the message's values would create the message through ``_inherits`` and sanitize
        its body once more); then the ``sms.sms`` and their notifications, as Odoo's SMS are.
        The ids of the messages go to ``outcome``."""
        if not mail_items and not sms_items:
            return
        note_subtype = self.env["ir.model.data"]._xmlid_to_res_id("mail.mt_note")
        # sudo: logging in the chatter and queueing the messages (technical records), as Odoo's notifications do
        messages = self.env["mail.message"].sudo().create([values for _r, values, _m in mail_items] + [{
            "model": "res.partner",
            "res_id": reminder.partner_id.id,
            "record_name": reminder.partner_id.display_name,
            "message_type": "sms",
            "subtype_id": note_subtype,
            "body": sms_content_to_rendered_html(body),
            "author_id": author.id,
            "email_from": author_email,
            "reply_to": author_email,
            "message_id": generate_tracking_message_id("debt-reminder-sms"),
        } for reminder, body in sms_items])
        mail_messages, sms_messages = messages[:len(mail_items)], messages[len(mail_items):]
        if mail_items:
            mails = self.env["mail.mail"].sudo().create([
                dict(mail_values, mail_message_id=message.id)
                for (_reminder, _values, mail_values), message in zip(mail_items, mail_messages, strict=True)])
            # each e-mail with its notification, as _notify_thread_by_email makes them: Odoo's sending
            # (mail.mail._postprocess_sent_message) and its bounce handling (_routing_handle_bounce) update it,
            # and the reminder follows (mail_notification.py)
            self.env["mail.notification"].sudo().create([{
                "author_id": author.id,
                "mail_message_id": mail.mail_message_id.id,
                "res_partner_id": recipients[reminder]["email_partner"].id,
                "notification_type": "email",
                "mail_mail_id": mail.id,
                "is_read": True,
                "notification_status": "ready",
            } for (reminder, _values, _mail_values), mail in zip(mail_items, mails, strict=True)])
            for (reminder, _values, _mail_values), message in zip(mail_items, mail_messages, strict=True):
                outcome[reminder]["sent"].append(message.id)
                outcome[reminder]["mail"] = "queued"
        if sms_items:
            sms_records = self.env["sms.sms"].sudo().create([{
                "body": body,
                "number": recipients[reminder]["number"],
                "partner_id": recipients[reminder]["sms_partner"].id,
                "mail_message_id": message.id,
                "state": "outgoing",
            } for (reminder, body), message in zip(sms_items, sms_messages, strict=True)])
            self.env["mail.notification"].sudo().create([{
                "author_id": author.id,
                "mail_message_id": sms.mail_message_id.id,
                "res_partner_id": sms.partner_id.id,
                "sms_number": sms.number,
                "notification_type": "sms",
                "sms_id_int": sms.id,
                "sms_tracker_ids": [Command.create({"sms_uuid": sms.uuid})],
                "is_read": True,
                "notification_status": "ready",
            } for sms in sms_records])
            for (reminder, _body), message in zip(sms_items, sms_messages, strict=True):
                outcome[reminder]["sent"].append(message.id)
                outcome[reminder]["sms"] = "queued"

    def _debt_write_rows(self, fnames, rows):
        """Write a different value of the columns ``fnames`` on each reminder, in one ``UPDATE``:
        ``rows`` is ``{reminder id: (value, ...)}`` with values in the order of ``fnames`` (plain column
        values: ids, dates, numbers, texts, None for empty).

        The engine writes the outcome of every reminder of a batch (state, reason, the rendered
        messages, their recipient): ``write`` reminder by reminder costs a ``write`` call, its cache
        updates and its dependency checks per reminder, and as many ``UPDATE`` statements as there are
        different sets of written fields in the batch. The reminders are the engine's own records
        (read-only for users, no tracking, no stored field depending on these columns): the update
        sets ``write_uid`` and ``write_date`` as ``write`` does, and the ORM cache gets the new values.
        """
        if not rows:
            return
        reminders = self.browse(list(rows))
        reminders.check_access("write")
        reminders.flush_recordset(list(fnames))  # a pending value would overwrite the update when flushed
        reminders.modified(fnames, before=True)
        columns = [SQL.identifier(fname) for fname in fnames]
        self.env.execute_query(SQL(
            """
            UPDATE debt_reminder
               SET %(assignments)s, write_uid = %(uid)s, write_date = %(now)s
              FROM (VALUES %(values)s) AS v(id, %(columns)s)
             WHERE debt_reminder.id = v.id
            """,
            assignments=SQL(", ").join(
                SQL("%s = v.%s::%s", column, column, SQL(self._fields[fname].column_type[1]))
                for fname, column in zip(fnames, columns, strict=True)),
            uid=self.env.uid, now=self.env.cr.now(),
            values=SQL(", ").join(SQL("(%s)", SQL(", ").join([rid, *values])) for rid, values in rows.items()),
            columns=SQL(", ").join(columns),
        ))
        # the cache gets the values written, as with write() (and no query to read them again)
        for index, fname in enumerate(fnames):
            field = self._fields[fname]
            self.env.cache.update(reminders, field, [
                field.convert_to_cache(values[index], reminder)  # per reminder: a Monetary reads its currency
                for reminder, values in zip(reminders, rows.values(), strict=True)])
        reminders.invalidate_recordset(["write_uid", "write_date"])
        reminders.modified(fnames)

    def _debt_post_failure_notes(self):
        """A note in the chatter of each customer whose reminder (or one of its channels) could not be sent, and
        in the reminder's, logged for the whole batch at once (``_message_log_batch``)."""
        if not self:
            return
        bodies = defaultdict(Markup)
        reminder_bodies = {}
        for reminder in self:
            reminder_bodies[reminder.id] = tools.plaintext2html(_(
                "Payment reminder (%(rule)s) not sent: %(reason)s", rule=reminder.rule_id.name,
                reason=reminder.reason or ""))
            bodies[reminder.partner_id.id] += reminder_bodies[reminder.id]
        author = self.company_id[:1].partner_id
        # sudo: notes in the customers' and the reminders' chatter, written by the engine (_message_log_batch
        # creates as sudo too)
        self.env["res.partner"].sudo().browse(list(bodies))._message_log_batch(
            bodies=bodies, author_id=author.id, email_from=author.email_formatted or False)
        self.sudo()._message_log_batch(
            bodies=reminder_bodies, author_id=author.id, email_from=author.email_formatted or False)

    # --- following the delivery -------------------------------------------------------------------------------

    @api.model
    def _debt_follow_notifications(self, notifications):
        """Follow the delivery of the reminders' e-mails and SMS from their notifications, as Odoo updates them
        (``mail.mail`` sent or refused by the mail server, a bounce received later, the SMS provider's answer):
        the channel becomes sent or failed with the reason, the reminder's state follows, and a failure is
        noted on the customer with a to-do for the collector."""
        notifications = notifications.filtered(lambda n: n.notification_type in ("email", "sms"))
        if not notifications:
            return
        rows = self.env.execute_query(SQL(
            "SELECT message_id, reminder_id FROM debt_reminder_mail_message_rel WHERE message_id = ANY(%s)",
            notifications.mail_message_id.ids))
        if not rows:
            return
        reminders_by_message = defaultdict(list)
        for message_id, reminder_id in rows:
            reminders_by_message[message_id].append(reminder_id)
        failure_types = dict(notifications._fields["failure_type"]._description_selection(self.env))
        changes = defaultdict(dict)  # {reminder id: {channel: (state, failure)}}
        for notification in notifications:
            channel = "mail" if notification.notification_type == "email" else "sms"
            status = notification.notification_status
            if status in ("exception", "bounce", "canceled"):
                failure = (notification.failure_reason or notification.mail_mail_id.failure_reason
                           or failure_types.get(notification.failure_type) or status)
                new = ("failed", failure)
            elif status == "sent" or (channel == "sms" and status == "pending"):  # SMS: accepted by the provider
                new = ("sent", False)
            else:
                continue
            for reminder_id in reminders_by_message[notification.mail_message_id.id]:
                changes[reminder_id][channel] = new
        outcome_rows, newly_failed = {}, []
        for reminder in self.browse(list(changes)):
            if reminder.state not in ("queued", "sent", "partial", "failed"):
                continue  # planned again for its retry: the new attempt decides
            channel_values = {"mail": (reminder.mail_state, reminder.mail_failure),
                              "sms": (reminder.sms_state, reminder.sms_failure)}
            failed_now = False
            for channel, (state, failure) in changes[reminder.id].items():
                current = channel_values[channel][0]
                if not current or current == state or (state == "sent" and current == "failed"):
                    continue  # channel not used, nothing new, or a late "sent" of an earlier attempt
                if state == "failed":
                    label = _("E-mail not delivered: %s") if channel == "mail" else _("SMS not delivered: %s")
                    failure = label % failure
                    failed_now = True
                channel_values[channel] = (state, failure or False)
            (mail_state, mail_failure), (sms_state, sms_failure) = channel_values["mail"], channel_values["sms"]
            outcome_rows[reminder.id] = (
                self._debt_overall_state(mail_state, sms_state),
                "\n".join(filter(None, [mail_failure, sms_failure])) or None,
                mail_state or None, mail_failure or None, sms_state or None, sms_failure or None)
            if failed_now:
                newly_failed.append(reminder.id)
        self._debt_write_rows(("state", "reason", "mail_state", "mail_failure", "sms_state", "sms_failure"),
                              outcome_rows)
        failed = self.browse(newly_failed)
        failed._debt_post_failure_notes()
        failed._debt_delivery_todos()

    def _debt_delivery_todos(self):
        """A to-do for the collector (else the salesperson) of each customer whose reminder failed to be
        delivered, scheduled with ``activity_schedule`` for each collector's customers at once."""
        by_user = defaultdict(lambda: self.env["res.partner"])
        for reminder in self:
            partner = reminder.partner_id.with_company(reminder.company_id)
            if partner.collector_id:
                by_user[partner.collector_id] |= partner
        for user, partners in by_user.items():
            # sudo: the engine assigns the to-do to the collector, whoever triggered the update
            partners.sudo().activity_schedule(
                "mail.mail_activity_data_todo", user_id=user.id,
                summary=_("Payment reminder not delivered"),
                note=_("The payment reminder could not be delivered: see the reason in the chatter, then "
                       "check the customer's e-mail address or mobile number."))

    def _debt_followup_activities(self, activities):
        """Schedule activities ``{reminder: {"summary", "note"[, "activity_type"]}}`` for the customers'
        collectors (else salespeople), in one create."""
        vals_list = []
        model_id = self.env["ir.model"]._get_id("res.partner")
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for reminder, activity in activities.items():
            partner = reminder.partner_id.with_company(reminder.company_id)
            user = partner.collector_id  # the collector in the reminder's company, else the salesperson
            if not user:
                continue
            vals_list.append({
                "res_model_id": model_id,
                "res_id": partner.id,
                "activity_type_id": (activity.get("activity_type") or todo).id,
                "summary": activity["summary"],
                "note": tools.plaintext2html(activity["note"]),
                "user_id": user.id,
                "date_deadline": fields.Date.context_today(self),
            })
        if vals_list:
            # sudo: the collector may not be the current user; activities are assigned on their behalf
            self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)

    def _debt_escalate(self, sent, activities):
        """Escalations of the rules of ``self`` (processed, sent or failed), and follow-up activities."""
        states = dict(self._fields["state"]._description_selection(self.env))
        # translated once per batch, filled in per reminder (as _() would do, with the same arguments)
        note = _("The reminder %(rule)s was %(state)s for %(amount)s (%(invoices)s). Please call the customer.")
        summaries = {}
        for reminder in self:
            rule = reminder.rule_id
            if rule.escalate_activity and reminder not in activities:
                if rule not in summaries:
                    summaries[rule] = rule.activity_summary or _("Follow up the payment reminder %s", rule.name)
                activities[reminder] = {
                    "summary": summaries[rule],
                    "note": note % {
                        "rule": rule.name, "state": states[reminder.state], "amount": reminder.amount_due_text,
                        "invoices": reminder.invoice_names},
                    "activity_type": rule.activity_type_id,
                }
        self._debt_followup_activities(activities)
        final = sent.filtered(lambda r: r.rule_id.escalate_final_notice).partner_id
        if final:
            # sudo: set by the engine, read-only for users; mail_notrack: the field is not tracked, and
            # preparing the tracking of the partners' tracked fields (addresses...) would cost more than the write
            # the flag is per company: that of each reminder
            for company, reminders in sent.filtered(lambda r: r.rule_id.escalate_final_notice).grouped(
                    "company_id").items():
                reminders.partner_id.with_company(company).sudo().with_context(mail_notrack=True).write(
                    {"debt_final_notice": True})
        for reminder in self.filtered(lambda r: r.rule_id.escalate_credit_hold):
            partner = reminder.partner_id.with_company(reminder.company_id)
            if partner.sudo().debt_manual_hold:
                continue
            # with_user(root): the hold is placed by the engine on the rule's behalf, whoever ran it
            partner.with_user(SUPERUSER_ID)._debt_set_manual_hold(True, _(
                "reminder %(rule)s: %(amount)s still unpaid",
                rule=reminder.rule_id.name,
                amount=tools.format_amount(self.env, reminder.amount_due, reminder.currency_id)))

