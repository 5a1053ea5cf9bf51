"""18.0.1.0.0 -> 18.0.2.0.0: refresh the module's SMS reminder templates the user did not edit.

The templates are ``noupdate``: an upgrade keeps their texts. The SMS texts of 18.0.1.0.0 were rewritten (they read
as sentences in every language and leave no blank without a phone): a template whose English text is still the one
shipped in 18.0.1.0.0 (whitespace aside) is taken as not edited, and reloaded from the new data file: its XML id is
made updatable for this upgrade (``post-refresh_templates.py`` sets it back), and its old translations are dropped
so that Odoo loads the new ones from the .po files after the upgrade. A template the user edited is left as it is.
"""

from odoo.tools import SQL

MODULE = "debt_collection"
# the English texts of 18.0.1.0.0, whitespace normalised
SHIPPED_18_0_1 = {
    "sms_template_debt_reminder_upcoming":
        "{{ object.company_id.name }}: Dear {{ object.recipient_name }}, a friendly reminder that "
        "{{ object.amount_due_text }} (invoice {{ object.invoice_names }}) is due on {{ object.oldest_due_date_text }}. "
        "Bank account {{ object.bank_account_text }}, ref. {{ object.payment_reference }}. Questions or a payment "
        "plan: {{ object.contact_phone }}. Thank you!",
    "sms_template_debt_reminder_overdue":
        "{{ object.company_id.name }}: Dear {{ object.recipient_name }}, {{ object.amount_due_text }} (invoice "
        "{{ object.invoice_names }}, due on {{ object.oldest_due_date_text }}) is still open. If already paid, please "
        "ignore this message. Bank account {{ object.bank_account_text }}, ref. {{ object.payment_reference }}. "
        "A payment plan? Call {{ object.contact_phone }}. Thank you!",
    "sms_template_debt_reminder_final":
        "{{ object.company_id.name }}: Dear {{ object.recipient_name }}, despite our reminders "
        "{{ object.amount_due_text }} (invoice {{ object.invoice_names }}, due on {{ object.oldest_due_date_text }}) "
        "is still unpaid. Please pay, or call {{ object.contact_name }} on {{ object.contact_phone }} to agree on a "
        "payment plan, within 7 days. Thank you.",
}


def unedited_templates(cr):
    """``{xml id name: sms.template id}`` of the module's SMS templates still as shipped in 18.0.1.0.0."""
    cr.execute(SQL(
        """
        SELECT d.name, t.id, t.body ->> 'en_US'
          FROM ir_model_data d
          JOIN sms_template t ON t.id = d.res_id
         WHERE d.module = %s AND d.model = 'sms.template' AND d.name IN %s
        """, MODULE, tuple(SHIPPED_18_0_1)))
    return {name: template_id for name, template_id, body in cr.fetchall()
            if " ".join((body or "").split()) == SHIPPED_18_0_1[name]}


def refresh_unedited_templates(cr):
    """Let the upgrade reload the unedited templates (and their translations). Returns their XML id names."""
    templates = unedited_templates(cr)
    if templates:
        cr.execute(SQL("UPDATE ir_model_data SET noupdate = FALSE WHERE module = %s AND name IN %s",
                       MODULE, tuple(templates)))
        cr.execute(SQL("UPDATE sms_template SET body = jsonb_build_object('en_US', body -> 'en_US') WHERE id IN %s",
                       tuple(templates.values())))
    return sorted(templates)


def migrate(cr, version):
    if version:
        refresh_unedited_templates(cr)
