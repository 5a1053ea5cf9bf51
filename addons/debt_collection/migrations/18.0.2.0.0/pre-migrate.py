"""Before the module's 18.0.2.0.0 code loads on an update from an earlier version.

Each step is a function of its own, called from ``migrate`` in order: steps of other changes of this version go
beside them.
"""

from odoo.tools import SQL


def drop_old_open_items_index(cr):
    """The open-items index before its v2 (without the columns the aging report reads since): ``init()`` dropped
    it on every update of the module until 18.0.1.0.0; an upgrade is the place to drop it, once."""
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier("account_move_line__debt_open_items_index")))


def migrate(cr, version):
    if not version:  # a new install, nothing to migrate
        return
    drop_old_open_items_index(cr)
