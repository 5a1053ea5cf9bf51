"""Aging intervals: parsing, validation, labels and the column of a day count.

Pure Python (no Odoo import) so that it is unit-tested outside Odoo. The Odoo side turns the errors
raised here into translated ``ValidationError`` messages: each error carries a ``code`` and the values
the message needs.

An aging layout is a list of strictly increasing upper bounds, in days overdue, e.g.
``[15, 30, 45, 60, 75, 90]``. It gives ``len(bounds) + 2`` columns: "not due" (index 0), one column
per interval ``1-15``, ``16-30``... and a last, open column "over 90". An item is "not due" when its
due date is on or after the as-of date (0 days or fewer overdue).
"""

MAX_COLUMNS = 20
"""The most columns a layout may have, counting "not due" and the last "over N" column."""

MAX_BOUND_DAYS = 36500
"""The largest bound (and interval width) accepted, in days: a hundred years. PostgreSQL's integers stop at
2,147,483,647; a bound is checked against this before it reaches a column or a query."""

MAX_TEXT_LENGTH = 200
"""The longest typed list of bounds accepted, in characters: 18 bounds of 5 digits with their separators
and spaces fit. Checked before the text is split, so that a huge text costs nothing."""


class AgingError(ValueError):
    """Invalid aging intervals. ``code`` names the problem; ``values`` completes the message."""

    def __init__(self, code, message, **values):
        super().__init__(message.format(**values) if values else message)
        self.code = code
        self.values = values


def parse_bounds(text):
    """Parse a typed list of bounds such as ``"15, 30, 45"`` (commas, semicolons or spaces).

    Returns the validated list of ints. Raises :class:`AgingError` on empty input, a value that is
    not a whole number, and whatever :func:`validate_bounds` refuses.
    """
    if text is None:
        raise AgingError("empty", "The list of interval bounds is empty.")
    text = check_text_length(str(text))
    if not text.strip():
        raise AgingError("empty", "The list of interval bounds is empty.")
    parts = [part for part in str(text).replace(";", ",").replace(" ", ",").split(",") if part.strip()]
    bounds = []
    for part in parts:
        try:
            bounds.append(int(part.strip()))
        except ValueError:
            raise AgingError("not_integer", "'{value}' is not a whole number of days.", value=part.strip()) from None
    return validate_bounds(bounds)


def check_text_length(text):
    """Return ``text`` (a typed list of bounds, or empty) unless it is longer than :data:`MAX_TEXT_LENGTH`:
    checked on its length alone, so that a text of ten million bounds is refused before any list is built."""
    if text and len(text) > MAX_TEXT_LENGTH:
        raise AgingError(
            "too_long", "The list of interval bounds is {length} characters long: at most {max} are accepted.",
            length=len(text), max=MAX_TEXT_LENGTH)
    return text


def bounds_from_width(width, count):
    """Bounds of ``count`` intervals of ``width`` days: ``(30, 4)`` gives ``[30, 60, 90, 120]``."""
    if not width or width <= 0:
        raise AgingError("width", "The interval width must be a positive number of days.")
    if not count or count <= 0:
        raise AgingError("count", "Give the number of intervals together with their width.")
    # the count and the size first: ten million intervals are refused before any list is built
    if count + 2 > MAX_COLUMNS:
        raise AgingError(
            "too_many", "{count} columns is more than the {max} an aging report can have.",
            count=count + 2, max=MAX_COLUMNS)
    if width * count > MAX_BOUND_DAYS:
        raise AgingError(
            "too_large", "Interval bounds can be at most {max} days; {value} is too many.",
            value=width * count, max=MAX_BOUND_DAYS)
    return validate_bounds([width * index for index in range(1, count + 1)])


def validate_bounds(bounds):
    """Return ``bounds`` as a list if valid; raise :class:`AgingError` otherwise.

    Bounds must be positive whole numbers, strictly increasing as entered (they are never silently
    sorted: a list out of order is most likely a typing mistake), and give at most
    :data:`MAX_COLUMNS` columns.
    """
    bounds = list(bounds)
    if not bounds:
        raise AgingError("empty", "The list of interval bounds is empty.")
    for bound in bounds:
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise AgingError("not_integer", "'{value}' is not a whole number of days.", value=bound)
        if bound <= 0:
            raise AgingError("not_positive", "Interval bounds must be positive; {value} is not.", value=bound)
        if bound > MAX_BOUND_DAYS:
            raise AgingError(
                "too_large", "Interval bounds can be at most {max} days; {value} is too many.",
                value=bound, max=MAX_BOUND_DAYS)
    for previous, bound in zip(bounds, bounds[1:], strict=False):
        if bound <= previous:
            raise AgingError(
                "not_increasing", "Interval bounds must be strictly increasing: {value} comes after {previous}.",
                value=bound, previous=previous)
    if len(bounds) + 2 > MAX_COLUMNS:
        raise AgingError(
            "too_many", "{count} columns is more than the {max} an aging report can have.",
            count=len(bounds) + 2, max=MAX_COLUMNS)
    return bounds


def format_bounds(bounds):
    """The canonical text of a layout: ``"15,30,45"``."""
    return ",".join(str(bound) for bound in bounds)


def column_labels(bounds, not_due="Not due", over="Over {days}"):
    """Labels of every column, "not due" first: ``["Not due", "1-15", ..., "Over 90"]``.

    ``not_due`` and ``over`` are passed in translated by the caller; ``over`` has a ``{days}`` field.
    """
    labels = [not_due]
    lower = 1
    for bound in bounds:
        labels.append(f"{lower}-{bound}" if bound > lower else f"{bound}")
        lower = bound + 1
    labels.append(over.format(days=bounds[-1]))
    return labels


def bucket_index(days_overdue, bounds):
    """Column index of an item ``days_overdue`` days late: 0 for not due (0 or fewer days), then
    1 for the first interval ... and ``len(bounds) + 1`` for "over" the last bound."""
    if days_overdue <= 0:
        return 0
    for index, bound in enumerate(bounds, start=1):
        if days_overdue <= bound:
            return index
    return len(bounds) + 1


def sql_thresholds(bounds):
    """Thresholds for PostgreSQL's ``width_bucket(days, thresholds)`` giving :func:`bucket_index`.

    ``width_bucket(x, ARRAY[1, 16, 31])`` is 0 for x < 1, 1 for 1 <= x < 16, 2 for 16 <= x < 31 and
    3 for x >= 31: the same columns as bounds ``[15, 30]``.
    """
    return [1] + [bound + 1 for bound in bounds]
