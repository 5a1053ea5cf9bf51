"""18.0.1.0.0 -> 18.0.2.0.0: the SMS templates reloaded by ``pre-refresh_templates.py`` are ``noupdate`` again,
as their data file declares them: later upgrades keep what the user edits."""

from odoo.tools import SQL

MODULE = "debt_collection"
TEMPLATES = ("sms_template_debt_reminder_upcoming", "sms_template_debt_reminder_overdue",
             "sms_template_debt_reminder_final")


def migrate(cr, version):
    if version:
        cr.execute(SQL("UPDATE ir_model_data SET noupdate = TRUE WHERE module = %s AND name IN %s",
                       MODULE, TEMPLATES))
