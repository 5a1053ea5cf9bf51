"""SMS text: Vietnamese diacritics stripping and segment counting.

Pure Python (no Odoo import), unit-tested outside Odoo.

An SMS in plain GSM 03.38 text holds 160 characters (153 per part when split); a single character
outside that alphabet (a Vietnamese "ư", a Chinese character, the "₫" sign, a non-breaking space)
switches the whole message to UCS-2, which holds only 70 characters (67 per part). Stripping the
Vietnamese diacritics ("Công ty Đức Thịnh" -> "Cong ty Duc Thinh") therefore divides the cost of a
Vietnamese reminder by two or more.
"""

import math
import unicodedata

# GSM 03.38 default alphabet (one septet each) and its extension table (two septets each)
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENDED = set("^{}\\[~]|€\f")

GSM_SINGLE, GSM_MULTI = 160, 153
UCS2_SINGLE, UCS2_MULTI = 70, 67

# Typography that money formatting and word processors produce, with a plain GSM equivalent: one of
# them (e.g. the no-break space between an amount and its currency) is enough to switch to UCS-2.
TYPOGRAPHY = {
    "\u00a0": " ",  # no-break space (between an amount and its currency symbol)
    "\u202f": " ",  # narrow no-break space
    "\u2009": " ",  # thin space
    "\u2007": " ",  # figure space
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...",
}
PLAIN_REPLACEMENTS = {**TYPOGRAPHY, "\u20ab": "VND"}  # ₫
# the same as str.translate tables (the reminder job converts thousands of SMS per run)
TYPOGRAPHY_TABLE = str.maketrans(TYPOGRAPHY)
PLAIN_TABLE = str.maketrans(PLAIN_REPLACEMENTS)
GSM_ALPHABET = frozenset(GSM_BASIC | GSM_EXTENDED)


def strip_vietnamese_diacritics(text):
    """Remove the Vietnamese tone marks and vowel diacritics, and write "đ" as "d".

    Letters without diacritics, digits, punctuation and other scripts are kept as they are
    (Chinese text is unchanged).
    """
    if not text:
        return text or ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
    return unicodedata.normalize("NFC", stripped)


def sms_typography(text):
    """Spaces, dashes, quotes and ellipses written with GSM characters; nothing else changes."""
    return (text or "").translate(TYPOGRAPHY_TABLE)


def sms_plain_text(text):
    """Vietnamese diacritics stripped, and the usual typography replaced by plain characters."""
    return strip_vietnamese_diacritics(text).translate(PLAIN_TABLE)


def is_gsm(text):
    """Whether every character of ``text`` is in the GSM 03.38 alphabet (or its extension)."""
    return GSM_ALPHABET.issuperset(text or "")


def sms_segments(text):
    """How an SMS of ``text`` is sent: ``{"encoding", "length", "segments"}``.

    ``encoding`` is ``"GSM"`` or ``"UCS-2"``; ``length`` counts GSM septets (an extension character
    counts two) or UTF-16 code units; ``segments`` is 0 for an empty text.
    """
    text = text or ""
    if is_gsm(text):
        length = len(text) + sum(text.count(char) for char in GSM_EXTENDED)
        single, multi, encoding = GSM_SINGLE, GSM_MULTI, "GSM"
    else:
        length = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = UCS2_SINGLE, UCS2_MULTI, "UCS-2"
    if not length:
        segments = 0
    elif length <= single:
        segments = 1
    else:
        segments = math.ceil(length / multi)
    return {"encoding": encoding, "length": length, "segments": segments}
