from odoo import api, fields, models

from .debt_aging_profile import translated_labels


class DebtAgingSnapshotColumn(models.Model):
    """A column of the daily aging snapshots ("Not due", "1-30", ..., "Over 90"): a record rather than a label on
    each row, so that the trend stacks the columns in age order (the groups follow ``_order``) and shows their
    names in the user's language."""

    _name = "debt.aging.snapshot.column"
    _description = "Aging Snapshot Column"
    _order = "bounds, bucket_index"

    name = fields.Char(required=True, translate=True)
    bounds = fields.Char(required=True, readonly=True, help="The aging bounds (days) the column belongs to.")
    bucket_index = fields.Integer(string="Column Number", required=True, readonly=True)

    _sql_constraints = [
        ("bounds_index_unique", "UNIQUE(bounds, bucket_index)", "An aging column exists once per set of bounds."),
    ]

    @api.model
    def _get_columns(self, bounds, bounds_text):
        """The columns of ``bounds`` (a list of days; ``bounds_text`` its text), created with their labels in every
        installed language the first time: their ids, in column order."""
        columns = self.search([("bounds", "=", bounds_text)])
        labels = translated_labels(self.env, bounds)
        if len(columns) != len(labels):
            existing = set(columns.mapped("bucket_index"))
            new = self.create([
                {"name": label, "bounds": bounds_text, "bucket_index": index}
                for index, label in enumerate(labels) if index not in existing
            ])
            for lang, __ in self.env["res.lang"].get_installed():
                lang_labels = translated_labels(self.with_context(lang=lang).env, bounds)
                for column in new:
                    column.update_field_translations("name", {lang: lang_labels[column.bucket_index]})
            columns |= new
        return columns.sorted("bucket_index").ids
