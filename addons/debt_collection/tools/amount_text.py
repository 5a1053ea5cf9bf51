"""Amounts typed by a customer (the portal's balance confirmation): strict parsing in the page's number format.

Pure Python (no Odoo import), unit-tested outside Odoo. A figure is refused rather than guessed: on a Vietnamese
page (decimal point ",", thousands "."), "1.234,5" is 1234.5 and "1234.56" is refused, since "." groups
thousands there and "56" is not a group of three: the customer's figure is compared with the company's books.
"""

import re
from decimal import Decimal, InvalidOperation

# spaces people and formatters put between groups of digits (plain, no-break, narrow no-break, thin, figure)
SPACES = str.maketrans("", "", " \u00a0\u202f\u2009\u2007")
MINUS_SIGNS = ("-", "\u2212", "\u2013")
MAX_INTEGER_DIGITS = 15  # a figure beyond 10^15 is a typing error (and beyond a double's exact integers)


class AmountError(ValueError):
    """A typed amount refused; ``code``: ``empty``, ``negative``, ``garbled``, ``too_large`` or ``decimals``."""

    def __init__(self, code):
        super().__init__(code)
        self.code = code


def parse_amount(text, decimal_point=".", thousands_sep=",", decimals=2):
    """The non-negative amount written in ``text`` as a ``Decimal``, in the number format of a page whose
    decimal point and thousands separator are given; at most ``decimals`` digits after the point (the
    currency's). Raises :class:`AmountError` for anything else."""
    text = (text or "").strip().translate(SPACES)
    if not text:
        raise AmountError("empty")
    if text.startswith(MINUS_SIGNS):
        raise AmountError("negative")
    decimal_point = decimal_point or "."
    thousands_sep = (thousands_sep or "").translate(SPACES)
    dec, sep = re.escape(decimal_point), re.escape(thousands_sep)
    fraction = rf"(?:{dec}(?P<fraction>\d+))?"
    plain = rf"(?P<integer>\d+){fraction}"
    grouped = rf"(?P<integer>\d{{1,3}}(?:{sep}\d{{3}})+){fraction}" if thousands_sep else None
    match = re.fullmatch(plain, text) or (grouped and re.fullmatch(grouped, text))
    if not match:
        raise AmountError("garbled")
    integer = match.group("integer").replace(thousands_sep, "") if thousands_sep else match.group("integer")
    fraction = match.group("fraction") or ""
    if len(integer.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise AmountError("too_large")
    if len(fraction.rstrip("0")) > max(decimals, 0):
        raise AmountError("decimals")
    try:
        return Decimal(f"{integer}.{fraction or '0'}")
    except InvalidOperation as error:  # cannot happen after the pattern; kept as a refusal, never a crash
        raise AmountError("garbled") from error
