"""The aging interval maths of ``addons/debt_collection/tools/aging.py``, outside Odoo."""

import bisect

import pytest
from _tools import load_tool

aging = load_tool("aging")

SOURCE = [15, 30, 45, 60, 75, 90]


def test_parse_source_profile():
    assert aging.parse_bounds("15,30,45,60,75,90") == SOURCE
    assert aging.parse_bounds(" 15; 30  45,60 ,75,90 ") == SOURCE


def test_labels_of_the_source_profile():
    assert aging.column_labels(SOURCE) == [
        "Not due", "1-15", "16-30", "31-45", "46-60", "61-75", "76-90", "Over 90"]


def test_labels_translated_and_single_day():
    assert aging.column_labels([1, 2, 10], not_due="Chưa đến hạn", over="Trên {days} ngày") == [
        "Chưa đến hạn", "1", "2", "3-10", "Trên 10 ngày"]


@pytest.mark.parametrize("days, expected", [
    (-30, 0), (0, 0), (1, 1), (15, 1), (16, 2), (30, 2), (31, 3), (90, 6), (91, 7), (10_000, 7),
])
def test_bucket_index(days, expected):
    assert aging.bucket_index(days, SOURCE) == expected


def test_sql_thresholds_match_bucket_index():
    thresholds = aging.sql_thresholds(SOURCE)
    for days in range(-5, 200):
        # width_bucket(x, thresholds) == number of thresholds <= x
        assert bisect.bisect_right(thresholds, days) == aging.bucket_index(days, SOURCE), days


def test_width_and_count():
    assert aging.bounds_from_width(30, 4) == [30, 60, 90, 120]
    assert aging.column_labels(aging.bounds_from_width(30, 4))[-1] == "Over 120"


@pytest.mark.parametrize("width, count, code", [
    (30, 0, "count"), (30, None, "count"), (0, 4, "width"), (-7, 3, "width"), (5, 19, "too_many"),
])
def test_width_and_count_refused(width, count, code):
    with pytest.raises(aging.AgingError) as error:
        aging.bounds_from_width(width, count)
    assert error.value.code == code


@pytest.mark.parametrize("text, code", [
    ("", "empty"), ("   ", "empty"), (None, "empty"), (",,", "empty"),
    ("15,abc", "not_integer"), ("15,30.5", "not_integer"),
    ("0,15", "not_positive"), ("-15,30", "not_positive"),
    ("30,15", "not_increasing"), ("15,15,30", "not_increasing"),
    (",".join(str(i) for i in range(1, 20)), "too_many"),
])
def test_parse_refused(text, code):
    with pytest.raises(aging.AgingError) as error:
        aging.parse_bounds(text)
    assert error.value.code == code
    assert str(error.value)


def test_most_columns_allowed():
    bounds = list(range(1, 19))  # 18 bounds: not due + 18 intervals + over = 20 columns
    assert aging.validate_bounds(bounds) == bounds
    assert len(aging.column_labels(bounds)) == aging.MAX_COLUMNS


def test_bool_is_not_a_bound():
    with pytest.raises(aging.AgingError):
        aging.validate_bounds([True, 5])


def test_format_roundtrip():
    assert aging.parse_bounds(aging.format_bounds(SOURCE)) == SOURCE


@pytest.mark.parametrize("text, code", [
    ("30,2147483647", "too_large"), ("30,36501", "too_large"), ("1e9", "not_integer"),
    ("1," * 5_000_000, "too_long"), ("1" * 201, "too_long"),
])
def test_parse_refuses_huge_input(text, code):
    with pytest.raises(aging.AgingError) as error:
        aging.parse_bounds(text)
    assert error.value.code == code


def test_largest_bound_accepted():
    assert aging.parse_bounds(f"30,{aging.MAX_BOUND_DAYS}") == [30, aging.MAX_BOUND_DAYS]
    assert aging.sql_thresholds([aging.MAX_BOUND_DAYS])[-1] < 2**31 - 1


@pytest.mark.parametrize("width, count, code", [
    (10**9, 4, "too_large"), (2**31, 1, "too_large"), (30, 10_000_000, "too_many"), (1, 10**15, "too_many"),
])
def test_width_and_count_refused_before_building_a_list(width, count, code):
    # 10**15 intervals would take petabytes as a list: refused on the count alone
    with pytest.raises(aging.AgingError) as error:
        aging.bounds_from_width(width, count)
    assert error.value.code == code


def test_text_length_checked_alone():
    assert aging.check_text_length("15,30") == "15,30"
    assert aging.check_text_length("") == ""
    with pytest.raises(aging.AgingError):
        aging.check_text_length("9" * (aging.MAX_TEXT_LENGTH + 1))
