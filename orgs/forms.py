"""What every form of the site shares: refusals that name the field and say what to do.

Django's own messages are generic ("这个字段是必填项。", "确保该值小于或等于90。"): a person reading
them at the top of a long form cannot tell which box they belong to or what is allowed. Every form
derives from ``Form`` or ``ModelForm`` here, which rewrites the messages a field still has from
Django into a sentence with the field's label and the allowed range; messages a field sets itself
are kept.
"""

from __future__ import annotations

from django import forms


def _django_defaults(field: forms.Field) -> dict[str, str]:
    """The messages Django gives ``field`` when the form says nothing."""
    messages: dict[str, str] = {}
    for cls in reversed(type(field).__mro__):
        messages.update(getattr(cls, "default_error_messages", {}))
    return messages


def _range(field: forms.Field) -> str:
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    if low is not None and high is not None:
        return f"应为{low}至{high}之间的数"
    if high is not None:
        return f"不能大于{high}"
    return f"不能小于{low}"


def chinese_messages(field: forms.Field, name: str) -> dict[str, str]:
    """The refusals of ``field``, in sentences that name it (``name`` when it has no label)."""
    label = str(field.label or name).rstrip("：:")
    choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    if isinstance(field, forms.BooleanField):
        required = f"请勾选“{label}”。"
    elif isinstance(field, forms.FileField):
        required = f"请选择要上传的{label}。"
    elif choice:
        required = f"请选择{label}。"
    else:
        required = f"请填写{label}。"
    messages = {
        "required": required,
        "invalid_choice": f"{label}的选项无效，请重新选择。",
        "max_length": f"{label}不能超过%(limit_value)d个字（现有%(show_value)d个）。",
        "min_length": f"{label}至少要有%(limit_value)d个字（现有%(show_value)d个）。",
    }
    if isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        messages["invalid"] = f"{label}请填写数字。"
        messages["min_value"] = messages["max_value"] = f"{label}{_range(field)}。"
    elif isinstance(field, forms.DateField):
        messages["invalid"] = f"{label}请按“2026-11-27”的格式填写日期。"
    return messages


def _rewritten(field: forms.Field, name: str) -> dict[str, str]:
    """The messages of ``field`` to replace: those it still has from Django, or lacks."""
    defaults = _django_defaults(field)
    return {
        code: message
        for code, message in chinese_messages(field, name).items()
        if field.error_messages.get(code) in (None, defaults.get(code))
    }


class ChineseErrors:
    """Mixin for forms: replaces Django's generic messages, keeps the form's own.

    A declared field's rewrite is worked out once per form class (the messages follow from the
    field as declared); a field added or replaced when a form is made, each time."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        declared = type(self).__dict__.get("_chinese_messages")
        if declared is None:
            declared = {
                name: (_shape(field), _rewritten(field, name))
                for name, field in self.base_fields.items()
            }
            type(self)._chinese_messages = declared
        for name, field in self.fields.items():
            shape, messages = declared.get(name, (None, None))
            if shape != _shape(field):
                messages = _rewritten(field, name)
            field.error_messages.update(messages)


def _shape(field: forms.Field) -> tuple:
    """What a field's messages follow from."""
    limits = (getattr(field, "min_value", None), getattr(field, "max_value", None))
    return (type(field), str(field.label), *limits)


class Form(ChineseErrors, forms.Form):
    pass


class ModelForm(ChineseErrors, forms.ModelForm):
    pass
