"""The strict parsing of amounts typed on the portal (``addons/debt_collection/tools/amount_text.py``)."""

from decimal import Decimal

import pytest
from _tools import load_tool

amount_text = load_tool("amount_text")
VI = {"decimal_point": ",", "thousands_sep": "."}
EN = {"decimal_point": ".", "thousands_sep": ","}


@pytest.mark.parametrize("text, fmt, decimals, expected", [
    ("12.500.000", VI, 0, Decimal("12500000")),
    ("12500000", VI, 0, Decimal("12500000")),
    ("1.234,50", VI, 2, Decimal("1234.50")),
    ("1 234,5", VI, 2, Decimal("1234.5")),
    ("\u00a012\u202f500\u202f000 ", VI, 0, Decimal("12500000")),
    ("1,234.56", EN, 2, Decimal("1234.56")),
    ("1234.56", EN, 2, Decimal("1234.56")),
    ("0", EN, 2, Decimal("0")),
    ("100.00", EN, 0, Decimal("100")),  # trailing zeros are not decimals
])
def test_parse_accepted(text, fmt, decimals, expected):
    assert amount_text.parse_amount(text, decimals=decimals, **fmt) == expected


@pytest.mark.parametrize("text, fmt, decimals, code", [
    ("", EN, 2, "empty"),
    ("   ", EN, 2, "empty"),
    (None, EN, 2, "empty"),
    ("-5", EN, 2, "negative"),
    ("\u2212" "5", EN, 2, "negative"),
    ("abc", EN, 2, "garbled"),
    ("12a", EN, 2, "garbled"),
    ("1234.56", VI, 2, "garbled"),  # "." groups thousands on a Vietnamese page: 56 is no group of three
    ("1,23,456", EN, 2, "garbled"),
    ("1.2.3", EN, 2, "garbled"),
    ("1e9", EN, 2, "garbled"),
    ("NaN", EN, 2, "garbled"),
    ("Infinity", EN, 2, "garbled"),
    ("$100", EN, 2, "garbled"),
    ("1" * 16, EN, 2, "too_large"),
    ("10.505", EN, 2, "decimals"),
    ("10,5", VI, 0, "decimals"),
])
def test_parse_refused(text, fmt, decimals, code):
    with pytest.raises(amount_text.AmountError) as error:
        amount_text.parse_amount(text, decimals=decimals, **fmt)
    assert error.value.code == code
