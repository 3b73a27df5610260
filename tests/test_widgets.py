"""ops.widgets: the widgets written in Python give, byte for byte, what Django's templates give —
for every field of the project's forms, unbound and bound to hostile input, and for the awkward
cases; anything else still goes through the templates."""

import datetime as dt

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from members.forms import MemberForm, MemberSearchForm
from ops import widgets
from ops.widgets import WidgetRenderer
from orgs.models import Organisation
from transfers import forms as transfer_forms

pytestmark = pytest.mark.django_db

FAST, SLOW = WidgetRenderer(), DjangoTemplates()
HOSTILE = "<script>\"x\"&'y'</script> 中文"


def both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    context = widget.get_context(name, value, attrs)
    return (
        FAST.render(widget.template_name, context),
        SLOW.render(widget.template_name, context),
    )


def test_the_common_widgets_do_not_reach_the_templates(monkeypatch):
    assert widgets._plain_templates()  # Django's templates are the ones reproduced

    def refuse(*args, **kwargs):
        raise AssertionError("rendered by a template")

    monkeypatch.setattr(DjangoTemplates, "render", refuse)
    for widget in [forms.TextInput(), forms.HiddenInput(), forms.Textarea(), forms.Select()]:
        assert FAST.render(widget.template_name, widget.get_context("f", "a", {})).startswith("<")


def test_if_djangos_templates_change_every_widget_goes_through_them(monkeypatch):
    monkeypatch.setitem(widgets.EXPECTED, "attrs.html", "something else")
    assert WidgetRenderer().writers == {}


@pytest.mark.parametrize(
    "widget",
    [
        forms.TextInput(),
        forms.TextInput(attrs={"placeholder": HOSTILE, "required": True, "disabled": False}),
        forms.HiddenInput(),
        forms.NumberInput(attrs={"min": 0, "step": 1}),
        forms.EmailInput(),
        forms.PasswordInput(render_value=True),
        forms.DateInput(attrs={"type": "date"}),
        forms.CheckboxInput(),
        forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
        forms.Select(choices=[("", "全部"), ("a", "甲 & 乙"), (3, HOSTILE)]),
        forms.Select(choices=[("组一", [("1", "一"), ("2", "二")]), ("x", "其他")]),
        forms.SelectMultiple(choices=[("1", "一"), ("2", "二")]),
    ],
)
@pytest.mark.parametrize(
    "value", [None, "", "0", "a", 3, True, False, HOSTILE, mark_safe("<b>安全</b>"), ["1", "2"]]
)
def test_each_widget_is_what_the_template_gives(widget, value):
    fast, slow = both(widget, "f" + HOSTILE[:3], value, {"id": "id_f", "class": "a b"})
    assert fast == slow


def test_what_the_templates_would_localise_goes_through_them():
    # A date value in a textarea, a number as a label: formatted by the templates, not here.
    fast, slow = both(forms.Textarea(), "t", dt.date(2026, 11, 28))
    assert fast == slow
    fast, slow = both(forms.Select(choices=[(1, 2026)]), "s", 1)
    assert fast == slow
    radio = forms.RadioSelect(choices=[("a", "甲")])  # not written here: the templates
    assert both(radio, "r", "a")[0] == both(radio, "r", "a")[1]


def project_forms():
    org = Organisation.objects.filter(level="grassroots").first() or Organisation.objects.first()
    data = dict.fromkeys(["name", "reason", "opinion", "remarks", "id_number"], HOSTILE)
    data |= {"version": "x<", "member_type": HOSTILE, "received_on": "2026-13-40"}
    made = []
    for bound in (None, data):
        args = () if bound is None else (bound,)
        made += [
            transfer_forms.ApproveForm(*args),
            transfer_forms.ReasonForm(*args),
            transfer_forms.ConfirmForm(*args),
            transfer_forms.ReceiptForm(*args),
            transfer_forms.HistorySearchForm(*args),
            transfer_forms.UnreportedSearchForm(*args),
            transfer_forms.WorkSearchForm(*args),
            transfer_forms.RetrieveForm(*args),
            transfer_forms.ChangeForm(*args, initiator=org),
            transfer_forms.ApplicationForm(*args, initiator=org),
            transfer_forms.ConcludeForm(*args, concluder=org),
            MemberSearchForm(*args),
            MemberForm(*args),
        ]
    return made


def test_every_field_of_the_projects_forms_is_what_the_template_gives():
    forms_ = project_forms()
    assert len(forms_) >= 20
    rendered = 0
    for form in forms_:
        form.is_bound and form.is_valid()
        for field in form:
            widget = field.field.widget
            context = widget.get_context(
                field.html_name, field.value(), field.build_widget_attrs({})
            )
            fast = FAST.render(widget.template_name, context)
            assert fast == SLOW.render(widget.template_name, context), (form, field.name)
            rendered += 1
    assert rendered > 60
