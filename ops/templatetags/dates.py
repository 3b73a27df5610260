"""``|date`` for the formats the pages use, written directly; any other goes to Django's.

Django's ``date`` filter looks the format up among the localised ones, then walks it letter by
letter through ``DateFormat`` (about 30–50 µs a value). The lists show one or two dates a row
and 业务办理 fifteen; for the formats below the result is the same string made with one
f-string. The value arrives already in the current time zone (``expects_localtime``), as it
does for Django's filter. Registered as a builtin after Django's own (settings.base.TEMPLATES),
so it is the ``date`` every template uses; ``tests/test_dates_filter.py`` compares the two.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.template import defaultfilters

register = template.Library()


def _ymd(v):
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d}"


def _ymd_hm(v):
    return f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}"


def _chinese_ymd(v):
    return f"{v.year:04d}年{v.month}月{v.day}日"


def _chinese_ym(v):
    return f"{v.year:04d}年{v.month}月"


# format → (how, the value types it serves): a time of day only from a datetime.
_BOTH = (dt.date, dt.datetime)
_FAST = {
    "Y-m-d": (_ymd, _BOTH),
    "Y年n月j日": (_chinese_ymd, _BOTH),
    "Y年n月": (_chinese_ym, _BOTH),
    "Y-m-d H:i": (_ymd_hm, (dt.datetime,)),
}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    fast = _FAST.get(arg)
    if fast is not None and type(value) in fast[1]:
        return fast[0](value)
    return defaultfilters.date(value, arg)
