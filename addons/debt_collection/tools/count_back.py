"""Count-back DSO (days sales outstanding): the days of sales an open amount stands for, counted back month by month
from the period's last month. Pure Python, no Odoo."""


def count_back_dso(open_amount, months):
    """The count-back DSO of ``open_amount`` (the receivable open at the end of the period), given ``months``: the
    ``(days, sales)`` of each month, the period's last month first. A month whose sales the remaining open amount
    covers in full counts all its days (a month without sales too), the month that covers the rest counts its share
    of days; None when the months given do not hold enough sales to cover the open amount (the result would only be
    a lower bound). Nothing open: 0 days."""
    if open_amount <= 0:
        return 0.0
    remaining, days = open_amount, 0.0
    for month_days, sales in months:
        if sales > 0 and sales >= remaining:
            return days + remaining / sales * month_days
        days += month_days
        if sales > 0:
            remaining -= sales
    return None
