"""``get_FOO_display()`` from a table made once per field.

Django's ``Model._get_FIELD_display`` builds a dict of the field's choices on every call (about
15 µs for a transfer's state or type). Lists show two or three labels a row and 业务办理 about
fifteen. Models that inherit ``ChoiceLabels`` look the label up in a dict kept per field; a value
the dict cannot hold goes Django's way. ``tests/test_choices.py`` compares the two.
"""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field) -> dict:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels(models.Model):
    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        try:
            label = _labels(field).get(value, value)
        except TypeError:  # unhashable: as Django does it
            return super()._get_FIELD_display(field)
        return force_str(label, strings_only=True)
