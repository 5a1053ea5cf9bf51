from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column


def pre_init_hook(env):
    """Fill ``res_partner.collector_id`` in SQL before the ORM sees the field.

    The field is stored and computed (it defaults to the salesperson). Without this hook the ORM
    would recompute it in Python for every partner at install time, which is slow on large
    databases.
    """
    cr = env.cr
    if not column_exists(cr, "res_partner", "collector_id"):
        create_column(cr, "res_partner", "collector_id", "int4")
        cr.execute(SQL("UPDATE res_partner SET collector_id = user_id WHERE user_id IS NOT NULL"))
