"""The count-back DSO (``addons/debt_collection/tools/count_back.py``), outside Odoo."""

import pytest
from _tools import load_tool

count_back = load_tool("count_back")
dso = count_back.count_back_dso


def test_worked_example_of_the_readme():
    # 1,800 open on 31 May; May's sales 1,000 (31 days) covered in full, then 800 of April's 1,400 (30 days)
    assert dso(1800.0, [(31, 1000.0), (30, 1400.0)]) == pytest.approx(31 + 800.0 / 1400.0 * 30)


def test_open_amount_within_the_last_month():
    assert dso(500.0, [(30, 1000.0), (31, 1000.0)]) == pytest.approx(15.0)


def test_exactly_one_month_of_sales():
    assert dso(1400.0, [(30, 1400.0)]) == pytest.approx(30.0)


def test_not_enough_sales_to_count_back():
    assert dso(1400.0, [(30, 1000.0)]) is None
    assert dso(100.0, []) is None


def test_month_without_sales_counts_its_days():
    # June sold nothing (or more credit notes than invoices): its 30 days, then 400 of May's 800
    assert dso(400.0, [(30, 0.0), (31, 800.0)]) == pytest.approx(30 + 15.5)
    assert dso(400.0, [(30, -200.0), (31, 800.0)]) == pytest.approx(30 + 15.5)


def test_nothing_open():
    assert dso(0.0, [(31, 1000.0)]) == 0.0
    assert dso(-50.0, []) == 0.0
