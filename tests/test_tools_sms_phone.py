"""SMS text (diacritics, segments) of ``addons/debt_collection/tools``, outside Odoo (the phone numbers are Odoo's
``_phone_format``, tested in the add-on's suite)."""

import pytest
from _tools import load_tool

sms_text = load_tool("sms_text")


# --- diacritics -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Công ty TNHH Cơ khí Đức Thịnh", "Cong ty TNHH Co khi Duc Thinh"),
    ("Kính gửi Quý khách hàng, xin trân trọng cảm ơn!", "Kinh gui Quy khach hang, xin tran trong cam on!"),
    ("ĂÂÊÔƠƯĐ ăâêôơưđ ẠẢÃÀÁ ỵỷỹỳý", "AAEOOUD aaeooud AAAAA yyyyy"),
    ("Hóa đơn INV/2026/0001", "Hoa don INV/2026/0001"),
    ("鼎新精密工業 0912 345 678", "鼎新精密工業 0912 345 678"),  # other scripts unchanged
    ("", ""),
    (None, ""),
])
def test_strip_vietnamese_diacritics(text, expected):
    assert sms_text.strip_vietnamese_diacritics(text) == expected


def test_decomposed_input_is_stripped_too():
    decomposed = "Thi\u0323nh"  # "Thịnh" typed with a combining dot below
    assert sms_text.strip_vietnamese_diacritics(decomposed) == "Thinh"


def test_plain_text_replaces_money_typography():
    assert sms_text.sms_plain_text("Số tiền: 12.500.000\u00a0₫ – cảm ơn") == "So tien: 12.500.000 VND - cam on"
    assert sms_text.is_gsm(sms_text.sms_plain_text("Số tiền: 12.500.000\u00a0₫ – “cảm ơn”…"))


def test_typography_replaces_each_character_alone():
    text = "A\u00a0B\u202fC\u2009D\u2007E \u2010\u2011\u2012\u2013\u2014 \u2018x\u2019 \u201cy\u201d\u2026 ₫ đ 貴 €"
    expected = "".join(sms_text.TYPOGRAPHY.get(char, char) for char in text)
    assert sms_text.sms_typography(text) == expected == "A B C D E ----- 'x' \"y\"... ₫ đ 貴 €"
    assert sms_text.sms_typography(None) == ""
    assert sms_text.sms_plain_text(text) == "A B C D E ----- 'x' \"y\"... VND d 貴 €"


# --- segments -------------------------------------------------------------------------------------------------------

def test_segments_gsm():
    assert sms_text.sms_segments("") == {"encoding": "GSM", "length": 0, "segments": 0}
    assert sms_text.sms_segments("a" * 160) == {"encoding": "GSM", "length": 160, "segments": 1}
    assert sms_text.sms_segments("a" * 161) == {"encoding": "GSM", "length": 161, "segments": 2}
    assert sms_text.sms_segments("a" * 306)["segments"] == 2
    assert sms_text.sms_segments("a" * 307)["segments"] == 3
    assert sms_text.sms_segments("€" * 80) == {"encoding": "GSM", "length": 160, "segments": 1}  # extension: 2 each
    assert sms_text.sms_segments("a{b}c\\d") == {"encoding": "GSM", "length": 10, "segments": 1}
    assert sms_text.sms_segments("a" * 150 + "€" * 6)["segments"] == 2  # 162 septets


def test_segments_unicode():
    assert sms_text.sms_segments("đ" * 70) == {"encoding": "UCS-2", "length": 70, "segments": 1}
    assert sms_text.sms_segments("đ" * 71)["segments"] == 2
    assert sms_text.sms_segments("貴公司" * 45) == {"encoding": "UCS-2", "length": 135, "segments": 3}


def test_stripping_saves_segments():
    text = ("Kính gửi Công ty TNHH Thương mại Minh Phát, hóa đơn INV/2026/00012 số tiền 12.500.000 ₫ đã đến hạn "
            "ngày 15/06/2026. Vui lòng thanh toán. Xin cảm ơn!")
    before = sms_text.sms_segments(text)
    after = sms_text.sms_segments(sms_text.sms_plain_text(text))
    assert before["encoding"] == "UCS-2" and before["segments"] == 3
    assert after["encoding"] == "GSM" and after["segments"] == 1


def test_typography_only_keeps_diacritics():
    text = "Kính gửi: 1.234,50\u00a0$ – “cảm ơn”"
    assert sms_text.sms_typography(text) == 'Kính gửi: 1.234,50 $ - "cảm ơn"'
    assert sms_text.is_gsm(sms_text.sms_typography("Dear Ms Lin, $\u00a012,500.00 is due"))
