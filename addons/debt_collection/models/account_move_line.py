"""The module's partial, covering index of the open items of ``account_move_line``.

The worklist, the partner's figures and the aging report read every open receivable item; on a large database
these are a small part of the table, and this index lets PostgreSQL read them (and only them) without touching
the table (an index-only scan). See bench/worklist.py and bench/aging.py for the figures. The invoice number
(``move_name``, Odoo's stored copy of the invoice's name) is in it for the aging report's open-items sheet (a
million items: no join to the invoices).

Odoo does not know of it: it is built by the post-init hook (``hooks.py``) at install, by the migration
``migrations/18.0.2.1.0/post-10-open-items-index.py`` on an upgrade, and dropped by the uninstall hook.
"""

import logging

from odoo.sql_db import db_connect
from odoo.tools import SQL
from odoo.tools.sql import make_index_name

from .sql_common import open_items_sql

_logger = logging.getLogger(__name__)

# The name of 18.0.2.0.0 (built then in init()), kept: an upgrade keeps the index it has (see ensure_open_items_index)
OPEN_ITEMS_INDEX = make_index_name("account_move_line", "debt_open_items_v2")
# Above this many rows (PostgreSQL's estimate), the index is built CONCURRENTLY after the transaction commits
CONCURRENT_ROWS = 200_000


def open_items_index_sql(concurrently=False):
    """``CREATE INDEX`` of the open-items index; its condition is the open items' (``sql_common.open_items_sql``)."""
    return SQL(
        """CREATE INDEX %(concurrently)s IF NOT EXISTS %(name)s ON account_move_line (account_id, partner_id)
           INCLUDE (company_id, move_id, date, date_maturity, invoice_date, currency_id,
                    amount_residual, amount_residual_currency, id, move_name)
           WHERE %(open_items)s""",
        concurrently=SQL("CONCURRENTLY") if concurrently else SQL(),
        name=SQL.identifier(OPEN_ITEMS_INDEX),
        open_items=open_items_sql("account_move_line", None),
    )


def _index_state(cr):
    """None when the index does not exist, else whether it is valid (a CONCURRENTLY build that failed leaves an
    invalid index behind, which PostgreSQL never uses)."""
    cr.execute(SQL(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = %s",
        OPEN_ITEMS_INDEX))
    row = cr.fetchone()
    return row[0] if row else None


def ensure_open_items_index(cr):
    """Build the open-items index unless it exists (and is valid); called at install and on an upgrade.

    ``CREATE INDEX CONCURRENTLY`` cannot run in a transaction, and Odoo installs and upgrades a module in one:
    from a second connection it would wait for that very transaction to end (a deadlock). So:
    - a small table (under ``CONCURRENT_ROWS`` rows): built here, in the install's transaction, in a moment (writes
      to the table wait for it; it goes with the transaction if the install fails);
    - a big one: built CONCURRENTLY from a separate autocommit connection once the transaction has committed
      (``cr.postcommit``), so that invoices and payments can be posted meanwhile (a million items: about a
      minute, see README "Lifecycle"). Until it is there the screens work, reading the table.
    """
    state = _index_state(cr)
    if state:
        return
    if state is False:  # an earlier CONCURRENTLY build failed halfway: start afresh
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(OPEN_ITEMS_INDEX)))
    cr.execute(SQL("SELECT reltuples FROM pg_class WHERE relname = 'account_move_line'"))
    rows = (cr.fetchone() or [0])[0]
    if rows < CONCURRENT_ROWS:
        cr.execute(open_items_index_sql())
        _logger.info("Table 'account_move_line': created index %r", OPEN_ITEMS_INDEX)
        return
    dbname = cr.dbname
    _logger.info("Table 'account_move_line' (%d rows): index %r to be built concurrently after the commit",
                 rows, OPEN_ITEMS_INDEX)
    cr.postcommit.add(lambda: build_open_items_index_concurrently(dbname))


def build_open_items_index_concurrently(dbname):
    """``CREATE INDEX CONCURRENTLY`` of the open-items index, from its own autocommit connection."""
    with db_connect(dbname).cursor() as cr:
        cr._cnx.autocommit = True  # CONCURRENTLY cannot run inside a transaction block
        try:
            cr.execute(open_items_index_sql(concurrently=True))
            _logger.info("Table 'account_move_line': created index %r concurrently", OPEN_ITEMS_INDEX)
        except Exception:
            # an invalid index is left behind: dropped, so that the next upgrade (or install) builds it again
            _logger.exception("Index %r could not be built; the screens read the table meanwhile", OPEN_ITEMS_INDEX)
            cr.execute(SQL("DROP INDEX CONCURRENTLY IF EXISTS %s", SQL.identifier(OPEN_ITEMS_INDEX)))
        finally:
            cr._cnx.autocommit = False  # the connection goes back to Odoo's pool, for transactions
