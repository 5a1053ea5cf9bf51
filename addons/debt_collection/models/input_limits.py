"""Bounds on the numbers users type, checked in ``create``/``write`` before anything reaches PostgreSQL.

An integer column of PostgreSQL holds at most 2,147,483,647: a larger number typed in a form, or sent over
JSON-RPC, would otherwise fail with PostgreSQL's raw "integer out of range". Each model gives the sensible
range of its own fields (``limits``); every other integer field written is checked against the column's range.
"""

from odoo.exceptions import ValidationError

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1

MAX_GRACE_DAYS = 365
"""The most grace days a promise to pay (or the company's default) may have."""
MIN_OFFSET_DAYS, MAX_OFFSET_DAYS = -365, 3650
"""The range of a reminder rule's days from the due date (its start and the end of its repetition)."""
MAX_REPEAT_EVERY_DAYS = 3650
MAX_REMINDER_CAP_DAYS = 365
"""The longest wait between two reminders of a customer."""
MAX_CREDIT_DAYS = 3650
"""The most credit days of a customer (the aging report's "invoice date + credit days" basis)."""
MAX_HOLD_OVERDUE_DAYS = 3650
"""The most days overdue the credit-hold setting may wait for."""


def check_integer_limits(model, vals_list, limits=None, context_defaults=True):
    """Raise a ``ValidationError`` in the user's language when an integer value of ``vals_list`` (a list of
    dicts of field values) is out of its range: ``limits`` ``{field name: (min, max)}``, else PostgreSQL's.

    With ``context_defaults``, the ``default_<field>`` keys of the context (which ``create`` would use)
    are checked too."""
    limits = limits or {}
    env = model.env
    sources = list(vals_list)
    if context_defaults:
        sources.append({key[8:]: value for key, value in env.context.items()
                        if isinstance(key, str) and key.startswith("default_")})
    for vals in sources:
        for fname, value in vals.items():
            field = model._fields.get(fname)
            if field is None or field.type != "integer" or value is None or value is False:
                continue
            low, high = limits.get(fname, (INT32_MIN, INT32_MAX))
            try:
                number = int(value)
            except (TypeError, ValueError, OverflowError):
                continue  # not a number: the ORM refuses it with its own message
            if not low <= number <= high:
                raise ValidationError(env._(
                    "%(field)s must be between %(min)s and %(max)s; %(value)s is out of range.",
                    field=field._description_string(env), min=low, max=high, value=value))
