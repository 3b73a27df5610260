"""Pages render inside {% localize off %} (templates/base.html), with settings.base's display
formats: whatever a page prints without a filter reads as zh-hans would print it."""

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.template import engines
from django.utils import formats, timezone, translation

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    0,
    7,
    -12,
    123456789,
    3.5,
    Decimal("12.50"),
    dt.date(2026, 1, 5),
    dt.datetime(2026, 11, 28, 7, 5, tzinfo=SHANGHAI),
    dt.time(9, 30),
    True,
    "文字",
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_a_value_prints_as_zh_hans_would_localise_it(value):
    with translation.override("zh-hans"), timezone.override(SHANGHAI):
        assert formats.localize(value, use_l10n=False) == formats.localize(value)


@pytest.mark.parametrize(
    "name",
    [
        "DATE_FORMAT",
        "DATETIME_FORMAT",
        "TIME_FORMAT",
        "YEAR_MONTH_FORMAT",
        "MONTH_DAY_FORMAT",
        "SHORT_DATE_FORMAT",
        "SHORT_DATETIME_FORMAT",
    ],
)
def test_the_display_formats_are_zh_hans(name):
    with translation.override("zh-hans"):
        assert formats.get_format(name, use_l10n=False) == formats.get_format(name)


def test_the_frame_turns_localisation_off_for_the_page(settings):
    settings.DATE_FORMAT = "Y/m/d"  # to tell the settings' format from zh-hans's
    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block content %}{{ n }}|{{ d }}{% endblock %}'
    )
    with translation.override("zh-hans"):
        html = template.render({"n": 1234567, "d": dt.date(2026, 1, 5)})
    assert "1234567|2026/01/05" in html
