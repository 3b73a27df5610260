"""The pages' ``|date`` (ops.templatetags.dates) gives what Django's gives, for every value."""

import datetime as dt
import zoneinfo

import pytest
from django.template import engines
from django.template.defaultfilters import date as django_date
from django.utils import timezone

from ops.templatetags.dates import _FAST
from ops.templatetags.dates import date as our_date

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
VALUES = [
    dt.date(2026, 1, 5),
    dt.date(2026, 12, 31),
    dt.date(999, 3, 4),
    dt.datetime(2026, 1, 5, 0, 0, 0),  # noqa: DTZ001 - naive values too
    dt.datetime(2026, 11, 28, 23, 59, 59, 999999),  # noqa: DTZ001
    dt.datetime(2026, 11, 28, 7, 5, tzinfo=SHANGHAI),
    dt.datetime(2026, 2, 28, 16, 30, tzinfo=dt.UTC),
    None,
    "",
    "2026-01-05",
    42,
]
FORMATS = [*_FAST, "Y-m", "DATE_FORMAT", None]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_the_filter_gives_what_djangos_gives(value, fmt):
    def outcome(f):
        try:
            return f(value, fmt)
        except TypeError as error:  # a time of day asked of a date: Django refuses it
            return type(error), str(error)

    assert outcome(our_date) == outcome(django_date)


def test_templates_use_it_and_see_the_local_time():
    """An aware datetime reaches the filter in the current time zone, as Django's does."""
    template = engines["django"].from_string('{{ v|date:"Y-m-d H:i" }}|{{ v|date:"Y年n月j日" }}')
    value = dt.datetime(2026, 11, 28, 16, 30, tzinfo=dt.UTC)  # 2026-11-29 00:30 in Beijing
    with timezone.override(SHANGHAI):
        assert template.render({"v": value}) == "2026-11-29 00:30|2026年11月29日"
    # The last builtin library with a ``date`` filter is the one templates use.
    libraries = engines["django"].engine.template_builtins
    assert [lib.filters["date"] for lib in libraries if "date" in lib.filters][-1] is our_date
