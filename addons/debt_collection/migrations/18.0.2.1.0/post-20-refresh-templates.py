"""Upgrade from 18.0.1.0.0 (directly, or through 18.0.2.0.0): refresh the module's reminder templates the user did not edit.

The templates are ``noupdate``: an upgrade keeps their texts. The SMS texts of 18.0.1.0.0 were rewritten (they read
as sentences in every language and leave no blank without a phone). A template whose English text is still the one
shipped in 18.0.1.0.0 (whitespace aside) is taken as not edited: it gets the English text of the module's data file,
and its old translations are dropped, so that Odoo loads the new ones from the .po files right after this step
(``_update_translations`` fills the missing translations). A template the user edited is left as it is.

The e-mail bodies of 18.0.1.0.0 (unchanged in 18.0.2.0.0, kept in ``mail-bodies-18.0.1.0.0.xml`` beside this
script) used QWeb logic, rendered by Odoo's QWeb engine for each e-mail; the new ones are plain field placeholders,
which Odoo renders without it. An e-mail template whose English body is still the shipped one (compared as parsed
HTML, whitespace aside) gets the new body, and its translations are reloaded the same way.
"""

from lxml import etree, html

from odoo import SUPERUSER_ID, api
from odoo.tools import SQL, file_open

MODULE = "debt_collection"
DATA_FILE = f"{MODULE}/data/debt_reminder_data.xml"
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


MAIL_TEMPLATES = ("mail_template_debt_reminder_upcoming", "mail_template_debt_reminder_overdue",
                  "mail_template_debt_reminder_final")
OLD_MAIL_BODIES = f"{MODULE}/migrations/18.0.2.1.0/mail-bodies-18.0.1.0.0.xml"


def _normalized(text):
    return " ".join((text or "").split())


def _normalized_html(text):
    """The HTML as parsed, whitespace aside: the same body whether written as in the data file or as stored."""
    if not (text or "").strip():
        return ""
    return _normalized(html.tostring(html.fragment_fromstring(text, create_parent="div"), encoding="unicode"))


def mail_bodies(path):
    """``{xml id name: body_html}`` of the e-mail templates in the data file ``path``, as Odoo's loader reads a
    ``type="html"`` field (its elements serialized as HTML)."""
    with file_open(path, "rb") as data:
        tree = etree.parse(data)
    bodies = {}
    for name in MAIL_TEMPLATES:
        field = tree.find(f".//record[@id='{name}']/field[@name='body_html']")
        bodies[name] = "".join(etree.tostring(node, method="html", encoding="unicode") for node in field)
    return bodies


def unedited_mail_templates(cr):
    """``{xml id name: mail.template id}`` of the module's e-mail templates whose body is still the one shipped
    in 18.0.1.0.0."""
    old = {name: _normalized_html(body) for name, body in mail_bodies(OLD_MAIL_BODIES).items()}
    cr.execute(SQL(
        """
        SELECT d.name, t.id, t.body_html ->> 'en_US'
          FROM ir_model_data d
          JOIN mail_template t ON t.id = d.res_id
         WHERE d.module = %s AND d.model = 'mail.template' AND d.name IN %s
        """, MODULE, MAIL_TEMPLATES))
    return {name: template_id for name, template_id, body in cr.fetchall() if _normalized_html(body) == old[name]}


def shipped_bodies():
    """``{xml id name: English SMS text}`` of the templates in the module's data file (as Odoo loads a text field)."""
    with file_open(DATA_FILE, "rb") as data:
        tree = etree.parse(data)
    return {name: tree.find(f".//record[@id='{name}']/field[@name='body']").text for name in SHIPPED_18_0_1}


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
            if _normalized(body) == SHIPPED_18_0_1[name]}


def refresh_unedited_templates(cr):
    """Give the unedited templates the new English texts, without their old translations. Returns their names."""
    templates = unedited_templates(cr)
    bodies = shipped_bodies() if templates else {}
    for name, template_id in templates.items():
        cr.execute(SQL("UPDATE sms_template SET body = jsonb_build_object('en_US', %s::text) WHERE id = %s",
                       bodies[name], template_id))
    mail_templates = unedited_mail_templates(cr)
    if mail_templates:
        # written by the ORM, as the data file loads it (the field sanitizes the body), then without translations
        env = api.Environment(cr, SUPERUSER_ID, {})
        bodies = mail_bodies(DATA_FILE)
        for name, template_id in mail_templates.items():
            env["mail.template"].browse(template_id).with_context(lang="en_US").body_html = bodies[name]
        env.flush_all()
        cr.execute(SQL(
            "UPDATE mail_template SET body_html = jsonb_build_object('en_US', body_html ->> 'en_US') WHERE id IN %s",
            tuple(mail_templates.values())))
        env.invalidate_all()
    return sorted(templates) + sorted(mail_templates)


def migrate(cr, version):
    if version:
        refresh_unedited_templates(cr)
