"""Date arithmetic the workbooks do with Excel's functions, done the same way in Python."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Excel's EDATE: the same day ``months`` later, on the month's last day when it has no such
    day (31/08 + 6 months = 28/02)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))
