"""The fields and widgets the 组织关系转接 forms are made of: ticks, ids, months, dates, phones."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator

from members.idcard import PHONE_RE
from orgs.ids import parse_id


class TickInput(forms.CheckboxInput):
    """A confirmation box that counts as ticked only when the request carries exactly what a
    ticked box sends ("on": the templates' boxes and hidden confirmations have no other value).
    Django's own CheckboxInput takes any value but "false" as ticked, so "0", "off" and "no"
    would confirm an action nobody confirmed."""

    TICKED = "on"

    def value_from_datadict(self, data, files, name):
        return data.get(name) == self.TICKED


class TickField(forms.BooleanField):
    """A confirmation tick (勾选确认): the services refuse the action when it is not ticked."""

    widget = TickInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


class IdField(forms.IntegerField):
    """A hidden object id (版本号, 目的地): a positive 64-bit integer or nothing."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        if pk is None:
            raise ValidationError("请刷新页面后重新选择。", code="invalid")
        return pk


class _ChoicesWhenIterated(ModelChoiceIterator):
    """The choices of the field's queryset as it is when they are listed, not when set."""

    def __init__(self, field):
        self.field = field

    @property
    def queryset(self):
        return self.field.queryset


class IdChoiceField(forms.ModelChoiceField):
    """A model choice whose value must be an id before the database is asked. ``lookup``, if
    set: a function of the id giving the choice or None, asked instead of ``queryset.get``
    (a statement kept for the same query, on a form posted often). The queryset may be given
    as a function (``offer``), called when the choices are first needed: a posted form that
    checks with ``lookup`` never builds it."""

    iterator = _ChoicesWhenIterated
    lookup = None
    _make = None

    def offer(self, make):
        self._make = make
        self._queryset = None
        self.widget.choices = self.choices  # listed from this field, when they are shown

    def _get_queryset(self):
        if self._queryset is None and self._make is not None:
            make, self._make = self._make, None
            self._set_queryset(make())
        return self._queryset

    queryset = property(_get_queryset, forms.ModelChoiceField._set_queryset)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        pk = parse_id(value)
        if pk is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        if self.lookup is None:
            return super().to_python(value)
        choice = self.lookup(pk)
        if choice is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return choice


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    def _check_values(self, value):
        if any(parse_id(v) is None for v in value):
            raise ValidationError(self.error_messages["invalid_choice"] % {"value": "?"})
        return super()._check_values(value)


class MonthField(forms.CharField):
    """A year-month such as 2026-11; the value is the first day of that month.

    A plain text box: browsers render <input type="month"> in their own UI language, which on
    some installations is English.
    """

    widget = forms.TextInput(attrs={"placeholder": "如 2026-11", "inputmode": "numeric"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        for fmt in ("%Y-%m", "%Y年%m月", "%Y/%m", "%Y.%m", "%Y%m"):
            try:
                return dt.datetime.strptime(value.strip(), fmt).date().replace(day=1)  # noqa: DTZ007
            except ValueError:
                continue
        raise ValidationError("请按“2026-11”的格式填写年月。", code="invalid")

    def prepare_value(self, value):
        if isinstance(value, dt.date):
            return value.strftime("%Y-%m")
        return value


DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d"]


class DateInput(forms.DateInput):
    """A date as text (2026-11-27), for the same reason as MonthField."""

    input_type = "text"

    def __init__(self, **kwargs):
        attrs = {"placeholder": "如 2026-11-27", "inputmode": "numeric", "autocomplete": "off"}
        super().__init__(format="%Y-%m-%d", attrs=attrs, **kwargs)


class DateField(forms.DateField):
    widget = DateInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATE_FORMATS)
        kwargs.setdefault("error_messages", {"invalid": "请按“2026-11-27”的格式填写日期。"})
        super().__init__(**kwargs)


def clean_phone(value: str, *, required: bool) -> str:
    value = (value or "").strip().replace(" ", "")
    if not value:
        if required:
            raise ValidationError("请填写联系电话。")
        return ""
    if not PHONE_RE.match(value):
        raise ValidationError(
            "电话格式不正确：请填写11位手机号或带区号的固定电话（如0771-5501234）。"
        )
    return value
