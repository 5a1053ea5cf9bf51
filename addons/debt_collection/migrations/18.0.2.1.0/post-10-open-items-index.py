"""18.0.2.0.0 -> 18.0.2.1.0: the open-items index is no longer built by ``account.move.line.init()`` (on every update,
in the update's transaction, never CONCURRENTLY) but here and by the post-init hook.

A database of 18.0.2.0.0 has it already (same name, same columns, same condition): it is kept as it is, a million
items are not indexed again for nothing. One of 18.0.1.0.0 lost its index of then in 18.0.2.0.0's pre-migrate
and gets this one here. A big table gets it CONCURRENTLY once the upgrade has committed (see
``models/account_move_line.py``, ``ensure_open_items_index``).
"""

from odoo.addons.debt_collection.models.account_move_line import ensure_open_items_index


def migrate(cr, version):
    if not version:  # a new install: the post-init hook builds it
        return
    ensure_open_items_index(cr)
