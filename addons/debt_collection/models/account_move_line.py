from odoo import models
from odoo.tools import SQL
from odoo.tools.sql import index_exists

# Dropped by the uninstall hook (Odoo does not know of it); the earlier version of it is dropped by
# migrations/18.0.2.0.0/pre-migrate.py.
OPEN_ITEMS_INDEX = "account_move_line__debt_open_items_v2_index"


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def init(self):
        """A partial, covering index of the open items (posted, not reconciled, with an open amount).

        The worklist, the partner's figures and the aging report read every open receivable item; on a
        large database these are a small part of the table, and this index lets PostgreSQL read them
        (and only them) without touching the table (an index-only scan). See bench/worklist.py and
        bench/aging.py for the figures. The invoice number (``move_name``, Odoo's stored copy of the
        invoice's name) is in it for the aging report's open-items sheet (a million items: no join to
        the invoices).
        """
        res = super().init()
        # Built in the install's (or update's) transaction, so not CONCURRENTLY: writes to the table wait for
        # it (reads do not); see the README's Lifecycle section for its duration on a million items.
        if not index_exists(self.env.cr, OPEN_ITEMS_INDEX):
            self.env.cr.execute(SQL(
                """CREATE INDEX %s ON account_move_line (account_id, partner_id)
                   INCLUDE (company_id, move_id, date, date_maturity, invoice_date, currency_id,
                            amount_residual, amount_residual_currency, id, move_name)
                   WHERE reconciled IS NOT TRUE AND parent_state = 'posted' AND amount_residual != 0""",
                SQL.identifier(OPEN_ITEMS_INDEX),
            ))
        return res
