import logging

from odoo.tools import SQL
from odoo.tools.sql import index_exists

from .models.account_move_line import ensure_open_items_index

_logger = logging.getLogger(__name__)

# Indexes the module creates itself (post_init_hook, migrations), which Odoo does not know of and so does not drop at
# uninstall. Kept here (not imported from models) so that the uninstall hook works whatever the models define.
OWN_INDEXES = (
    ("account_move_line", "account_move_line__debt_open_items_v2_index"),
    ("account_move_line", "account_move_line__debt_open_items_index"),  # before 18.0.1.0.0
)


def pre_init_hook(env):
    """Clean what an uninstall by 18.0.1.0.0 left; nothing to fill in SQL at install time any more.

    Up to 18.0.1.0.0 ``res_partner.collector_id`` was a stored computed column (a copy of the salesperson)
    that this hook filled in SQL so that installing on a large database stayed fast. Since 18.0.2.0.0 the
    collector is the one a collection manager sets per company (``debt_collector_id``, a company-dependent
    jsonb column, empty at install) else the current salesperson, computed on the fly: there is no column
    to fill. Upgrades from 18.0.1.0.0: ``migrations/18.0.2.0.0/pre-migrate.py``.
    """
    # A database uninstalled by 18.0.1.0.0 (no uninstall hook) kept the demo's posted entries with their XML
    # ids: installing the demo again would try to rewrite them and fail. Nothing to do on a first install.
    _remove_demo_accounting(env)


def post_init_hook(env):
    """The module's index of the open items (``models/account_move_line.py``): Odoo builds only the indexes its
    fields declare; built CONCURRENTLY after the install's commit on a big table."""
    ensure_open_items_index(env.cr)


def uninstall_hook(env):
    """Remove what Odoo's uninstall does not: the module's own indexes and the demo's accounting.

    Odoo drops the module's tables, columns, constraints and the records of its XML ids (menus,
    crons, templates, demo customers), but not an index it did not create (the open items'), and not the records
    it cannot delete: the demo's posted invoices, their payments and the confirmed order. Left
    behind, they keep the demo customers alive and, worse, a reinstall with demo data tries to
    rewrite those posted invoices (an install loads every record, ``noupdate`` or not) and fails.
    """
    _drop_own_indexes(env.cr)
    _forget_foreign_keys(env.cr)
    _forget_other_modules_xmlids(env.cr)
    _delete_reminders(env.cr)
    _remove_demo_accounting(env)


def _drop_own_indexes(cr):
    for table, index in OWN_INDEXES:
        if index_exists(cr, index):
            cr.execute(SQL("DROP INDEX %s", SQL.identifier(index)))
            _logger.info("Table %r: dropped index %r", table, index)


def _forget_foreign_keys(cr):
    """Odoo records the foreign keys of the module's columns on other models' tables (``res_partner.payment_contact_id``
    ...) in ``ir_model_constraint`` without an XML id, so its uninstall never deletes those rows (the keys
    themselves go with their columns). Those of the module's own models go with the models (cascade)."""
    cr.execute(SQL("""
        DELETE FROM ir_model_constraint c
         USING ir_module_module m
         WHERE m.id = c.module AND m.name = 'debt_collection' AND c.type = 'f'
           AND NOT EXISTS (SELECT 1 FROM ir_model_data d WHERE d.model = 'ir.model.constraint' AND d.res_id = c.id)
    """))


def _forget_other_modules_xmlids(cr):
    """XML ids that other modules (mail, sms, portal...) give to what they add to the module's models: the
    selection values of ``mail.activity.mixin``'s fields, the ``ir.model.inherit`` rows of ``mail.thread``. The
    records go with the module's models (cascade), their XML ids would stay, pointing at nothing."""
    cr.execute(SQL("""
        WITH own_models AS (
            SELECT d.res_id AS id FROM ir_model_data d
             WHERE d.model = 'ir.model' AND d.module = 'debt_collection'
               AND NOT EXISTS (SELECT 1 FROM ir_model_data o
                                WHERE o.model = 'ir.model' AND o.res_id = d.res_id AND o.module != 'debt_collection')
        )
        DELETE FROM ir_model_data d
         WHERE d.module != 'debt_collection'
           AND ((d.model = 'ir.model.fields.selection' AND d.res_id IN (
                    SELECT s.id FROM ir_model_fields_selection s
                      JOIN ir_model_fields f ON f.id = s.field_id
                     WHERE f.model_id IN (SELECT id FROM own_models)))
             OR (d.model = 'ir.model.inherit' AND d.res_id IN (
                    SELECT i.id FROM ir_model_inherit i WHERE i.model_id IN (SELECT id FROM own_models))))
    """))


def _delete_reminders(cr):
    """The sent reminders keep their rule (``ondelete="restrict"``, the history of what was sent): delete them
    first, or Odoo cannot delete the rules of the module's data (it would log each refusal as an error, then
    drop the tables anyway). SQL: the table is dropped right after, with its relation tables (cascade)."""
    cr.execute(SQL("DELETE FROM debt_reminder"))


def _remove_demo_accounting(env):
    """Cancel and delete the demo's sale orders, payments and journal entries, so that Odoo can then
    delete the demo customers and users, and a later install creates them afresh.

    Only on a database where the module's demo data was loaded, and only the records of the demo
    (its XML ids) and the entries booked on the demo customers (the payments the demo registered
    have no XML id of their own)."""
    data = env["ir.model.data"].sudo().search([
        ("module", "=", "debt_collection"), ("model", "in", ("res.partner", "account.move", "sale.order")),
    ])
    if not data:
        return
    ids = {model: data.filtered(lambda d, model=model: d.model == model).mapped("res_id")
           for model in ("res.partner", "account.move", "sale.order")}
    # sudo: the hook runs as the superuser already; force_delete: entries of a demo database, deleted on
    # purpose, even posted ones and in the middle of a sequence (account.move's unlink guards).
    env = env(su=True, context=dict(env.context, force_delete=True, active_test=False, tracking_disable=True))
    partners = env["res.partner"].browse(ids["res.partner"]).exists().commercial_partner_id
    orders = env["sale.order"].browse(ids["sale.order"]).exists()
    moves = env["account.move"].browse(ids["account.move"]).exists()
    payments = env["account.payment"].search([("move_id", "in", moves.ids)])
    wizards = env["account.payment.register"]
    if partners:
        orders |= env["sale.order"].search([("partner_id", "child_of", partners.ids)])
        moves |= env["account.move"].search([("commercial_partner_id", "in", partners.ids)])
        payments |= env["account.payment"].search([("partner_id", "child_of", partners.ids)])
        # the demo's "Register Payment" wizards (transient, not vacuumed yet) still point at the customers
        wizards = wizards.search([("partner_id", "in", partners.ids)])
    moves |= payments.move_id

    orders.filtered(lambda o: o.state not in ("draft", "cancel"))._action_cancel()
    orders.unlink()
    wizards.unlink()
    payments.action_draft()  # their entries to draft, unreconciled from the invoices
    payments.unlink()
    moves = moves.exists()
    moves.filtered(lambda m: m.state != "draft").button_draft()
    moves.unlink()
    _logger.info("debt_collection demo removed: %s sale orders, %s payments, %s other journal entries",
                 len(orders), len(payments), len(moves))
