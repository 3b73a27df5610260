"""The list cells written as template tags (transfers.templatetags.transfer_rows)."""

import datetime as dt

from django.template import Context, Template
from django.utils import timezone

from transfers.models import Transfer

ROW = Template("{% load transfer_rows %}{% letter_days t %}")


def cell(expires_in_days: int | None) -> str:
    # As a list row reads it (selectors.row_values): the expiry as a value of the row.
    transfer = Transfer()
    transfer.row_letter_expires = None
    if expires_in_days is not None:
        transfer.row_letter_expires = timezone.localdate() + dt.timedelta(days=expires_in_days)
    return ROW.render(Context({"t": transfer}))


def test_the_letter_cell_says_how_long_the_letter_is_valid():
    assert cell(None) == "—"
    assert cell(30) == '<span class="badge">剩30天</span>'
    assert cell(8) == '<span class="badge">剩8天</span>'
    assert cell(7) == '<span class="badge badge-warn">剩7天</span>'
    assert cell(0) == '<span class="badge badge-warn">剩0天</span>'
    assert cell(-2) == '<span class="badge badge-danger">已过期2天</span>'
