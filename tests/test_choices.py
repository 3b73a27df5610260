"""ChoiceLabels: every model's get_FOO_display() gives what Django's gives."""

import pytest
from django.apps import apps
from django.db import models

from ops.choices import ChoiceLabels

FIELDS = [
    (model, field)
    for model in apps.get_models()
    if issubclass(model, ChoiceLabels)
    for field in model._meta.concrete_fields
    if field.choices
]


def test_the_models_that_show_labels_have_them():
    names = {m.__name__ for m, _ in FIELDS}
    assert {"Transfer", "TransferStep", "TransferEvent", "Letter", "Member"} <= names
    assert "Organisation" in names


@pytest.mark.parametrize(("model", "field"), FIELDS, ids=lambda x: getattr(x, "name", str(x)))
def test_each_label_is_djangos(model, field):
    display = f"get_{field.name}_display"
    for value in [*(v for v, _ in field.flatchoices), "不在选项中", None, ""]:
        obj = model(**{field.attname: value})
        assert getattr(obj, display)() == models.Model._get_FIELD_display(obj, field)


def test_an_unhashable_value_goes_djangos_way():
    model, field = FIELDS[0]
    obj = model(**{field.attname: ["a"]})
    expected = models.Model._get_FIELD_display(obj, field)
    assert getattr(obj, f"get_{field.name}_display")() == expected == "['a']"
