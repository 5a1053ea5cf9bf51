"""SMS text (diacritics, segments) and phone normalisation of ``addons/debt_collection/tools``, outside Odoo."""

import importlib.util
import pathlib

import pytest

ADDON = pathlib.Path(__file__).resolve().parent.parent / "addons" / "debt_collection"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"dc_{name}", ADDON / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


sms_text = _load("sms_text")
phone = _load("phone")


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


# --- phone numbers --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("number, region, expected", [
    ("0912 345 678", "VN", "+84912345678"),
    ("0912.345.678", "vn", "+84912345678"),
    ("+84 912 345 678", None, "+84912345678"),
    ("0084912345678", "TW", "+84912345678"),  # international prefix wins over the region
    ("0912 345 678", "TW", "+886912345678"),
    ("0928-765-432", "TW", "+886928765432"),
    ("+886 928 765 432", "VN", "+886928765432"),
])
def test_normalize_mobile(number, region, expected):
    assert phone.normalize_mobile(number, region) == expected


@pytest.mark.parametrize("number, region, code", [
    ("", "VN", "missing"),
    (None, "VN", "missing"),
    ("   ", "VN", "missing"),
    ("12345", "VN", "invalid"),
    ("not a number", "VN", "invalid"),
    ("0912 345 678", None, "invalid"),  # a local number without a country
    ("024 3825 6789", "VN", "landline"),  # Hanoi landline
    ("02 2345 6789", "TW", "landline"),  # Taipei landline
])
def test_numbers_that_cannot_receive_sms(number, region, code):
    with pytest.raises(phone.PhoneError) as error:
        phone.normalize_mobile(number, region)
    assert error.value.code == code


def test_pick_mobile():
    assert phone.pick_mobile([
        ("contact", "", "VN"), ("contact_phone", "024 3825 6789", "VN"), ("customer", "0903 112 233", "VN"),
    ]) == ("customer", "+84903112233")
    with pytest.raises(phone.PhoneError) as error:
        phone.pick_mobile([("a", "024 3825 6789", "VN"), ("b", "123", "VN")])
    assert error.value.code == "landline"  # the first number given, the one to fix
    with pytest.raises(phone.PhoneError) as error:
        phone.pick_mobile([("a", False, "VN"), ("b", "", "VN")])
    assert error.value.code == "missing"


def test_typography_only_keeps_diacritics():
    text = "Kính gửi: 1.234,50\u00a0$ – “cảm ơn”"
    assert sms_text.sms_typography(text) == 'Kính gửi: 1.234,50 $ - "cảm ơn"'
    assert sms_text.is_gsm(sms_text.sms_typography("Dear Ms Lin, $\u00a012,500.00 is due"))
