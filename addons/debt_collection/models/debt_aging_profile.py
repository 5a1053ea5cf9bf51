from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..tools import aging
from .input_limits import check_integer_limits

# These helpers are module functions, not methods: they take the environment so that ``env._()``
# translates into its language (a bare ``_()`` finds no language outside a method of a record).


def aging_error_message(env, error):
    """Translate an :class:`aging.AgingError` into the language of ``env``."""
    values = error.values
    messages = {
        "empty": lambda: env._("The list of interval bounds is empty."),
        "not_integer": lambda: env._("'%(value)s' is not a whole number of days.", value=values.get("value")),
        "not_positive": lambda: env._(
            "Interval bounds must be positive; %(value)s is not.", value=values.get("value")),
        "not_increasing": lambda: env._(
            "Interval bounds must be strictly increasing: %(value)s comes after %(previous)s.",
            value=values.get("value"), previous=values.get("previous")),
        "too_many": lambda: env._(
            "%(count)s columns is more than the %(max)s an aging report can have.",
            count=values.get("count"), max=values.get("max")),
        "width": lambda: env._("The interval width must be a positive number of days."),
        "count": lambda: env._("Give the number of intervals together with their width."),
        "too_large": lambda: env._(
            "Interval bounds can be at most %(max)s days; %(value)s is too many.",
            max=values.get("max"), value=values.get("value")),
        "too_long": lambda: env._(
            "The list of interval bounds is %(length)s characters long: at most %(max)s are accepted.",
            length=values.get("length"), max=values.get("max")),
    }
    return messages.get(error.code, lambda: str(error))()


def checked_bounds(env, function, *args):
    """Call an ``aging`` function, turning its errors into a ``ValidationError`` in the language of ``env``."""
    try:
        return function(*args)
    except aging.AgingError as error:
        raise ValidationError(aging_error_message(env, error)) from None


def translated_labels(env, bounds):
    """Column labels ("Not due", "1-15", ..., "Over 90") in the language of ``env``."""
    return aging.column_labels(bounds, not_due=env._("Not due"), over=env._("Over {days}"))


class DebtAgingProfile(models.Model):
    """A named, reusable set of aging intervals."""

    _name = "debt.aging.profile"
    _description = "Aging Profile"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True,
        help="Leave empty to share the profile with every company.")
    bounds = fields.Char(
        string="Interval Bounds", required=True, default="15,30,45,60,75,90",
        help="Upper bounds of the overdue columns, in days, strictly increasing: "
        "15,30,45 gives Not due, 1-15, 16-30, 31-45 and Over 45.")
    is_default = fields.Boolean(string="Default", help="The profile the aging report starts with.")
    column_preview = fields.Char(compute="_compute_column_preview", string="Columns")

    @api.depends("bounds")
    def _compute_column_preview(self):
        for profile in self:
            try:
                profile.column_preview = " | ".join(translated_labels(self.env, aging.parse_bounds(profile.bounds)))
            except aging.AgingError as error:
                profile.column_preview = aging_error_message(self.env, error)

    @api.constrains("bounds")
    def _check_bounds(self):
        for profile in self:
            checked_bounds(self.env, aging.parse_bounds, profile.bounds)

    @api.constrains("is_default", "company_id", "active")
    def _check_single_default(self):
        for profile in self.filtered(lambda p: p.is_default and p.active):
            others = self.search_count([
                ("id", "!=", profile.id), ("is_default", "=", True),
                ("company_id", "=", profile.company_id.id),
            ])
            if others:
                raise ValidationError(_("There can be only one default aging profile per company."))

    @api.model_create_multi
    def create(self, vals_list):
        check_integer_limits(self, vals_list)
        for vals in vals_list:
            if vals.get("bounds"):
                vals["bounds"] = aging.format_bounds(checked_bounds(self.env, aging.parse_bounds, vals["bounds"]))
        return super().create(vals_list)

    def write(self, vals):
        check_integer_limits(self, [vals], context_defaults=False)
        if vals.get("bounds"):
            vals["bounds"] = aging.format_bounds(checked_bounds(self.env, aging.parse_bounds, vals["bounds"]))
        if vals.get("is_default"):
            # Setting a new default unsets the previous one of the same company.
            for profile in self:
                self.search([
                    ("id", "not in", self.ids), ("is_default", "=", True),
                    ("company_id", "=", vals.get("company_id", profile.company_id.id)),
                ]).write({"is_default": False})
        return super().write(vals)

    def get_bounds(self):
        self.ensure_one()
        return checked_bounds(self.env, aging.parse_bounds, self.bounds)

    @api.model
    def _default_profile(self, company=None):
        company = company or self.env.company
        return self.search([("is_default", "=", True), ("company_id", "=", company.id)], limit=1) or \
            self.search([("is_default", "=", True), ("company_id", "=", False)], limit=1) or \
            self.search([("company_id", "in", [company.id, False])], limit=1)
