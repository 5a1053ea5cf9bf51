from odoo import fields


class Many2oneNoForeignKey(fields.Many2one):
    """A many2one field without a foreign key constraint in the database.

    Only for the aging report's lines: the report writes one line per customer and column (300,000
    lines for 50,000 customers) in one ``INSERT ... SELECT``, and PostgreSQL checks every foreign
    key of every row it inserts: with the nine many2one columns of a line (customer, salesperson,
    collector, company, currency, column, report, creator, last writer) those checks took ten times
    as long as computing the report (bench/aging.py). The lines are transient, written by the
    report from rows it has just read, and deleted with their report (``DebtAgingReport.unlink``)
    or by the transient vacuum: the constraints would protect nothing there.
    """

    def update_db_foreign_key(self, model, column):
        return
