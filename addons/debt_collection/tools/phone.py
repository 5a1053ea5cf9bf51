"""Mobile numbers for SMS reminders: normalisation to E.164 with ``phonenumbers``.

Pure Python (no Odoo import), unit-tested outside Odoo. The Odoo side turns :class:`PhoneError`
into a translated failure reason: each error carries a ``code`` (``missing``, ``invalid``,
``landline``) and the number concerned.

A local number is read with the country of its owner (the contact, else the customer), else the
company's country: ``0912 345 678`` in Vietnam is ``+84912345678``, in Taiwan ``+886912345678``.
A number written with its international prefix (``+84 ...`` or ``0084 ...``) needs no country.
"""

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberType

SMS_CAPABLE_TYPES = frozenset({
    PhoneNumberType.MOBILE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE,  # e.g. the United States: numbering does not tell them apart
})


class PhoneError(ValueError):
    """A number that cannot receive an SMS. ``code``: missing, invalid or landline."""

    def __init__(self, code, number=None):
        super().__init__(f"{code}: {number!r}")
        self.code = code
        self.number = number


def normalize_mobile(number, region=None):
    """The E.164 form of a mobile number, e.g. ``+84912345678``.

    :param number: the number as typed (spaces, dots, dashes, brackets, ``00`` prefix allowed)
    :param region: ISO 3166 alpha-2 code of the country used to read a local number ("VN", "TW")
    :raises PhoneError: ``missing`` (empty), ``invalid`` (cannot be parsed, wrong length or prefix,
        local number without a country), ``landline`` (a valid number that cannot receive SMS)
    """
    text = (number or "").strip()
    if not text:
        raise PhoneError("missing", number)
    if text.startswith("00"):
        text = "+" + text[2:]
    region = (region or "").upper() or None
    try:
        parsed = phonenumbers.parse(text, region)
    except NumberParseException:
        raise PhoneError("invalid", number) from None
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneError("invalid", number)
    if phonenumbers.number_type(parsed) not in SMS_CAPABLE_TYPES:
        raise PhoneError("landline", number)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def pick_mobile(candidates):
    """The first candidate number that can receive an SMS.

    :param candidates: iterable of ``(key, number, region)``, in order of preference (e.g. the
        payment contact's mobile, then its phone, then the customer's); empty numbers are skipped
    :returns: ``(key, e164)`` of the first usable number
    :raises PhoneError: ``missing`` when every number is empty, otherwise the error of the first
        non-empty number (the one the collector should fix)
    """
    first_error = None
    for key, number, region in candidates:
        if not (number or "").strip():
            continue
        try:
            return key, normalize_mobile(number, region)
        except PhoneError as error:
            first_error = first_error or error
    raise first_error or PhoneError("missing")
