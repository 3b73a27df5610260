"""Forms of the 组织关系转接 pages: they parse and check the format of what was typed; the rules
themselves are the services', whose errors land next to the same fields."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.utils import timezone

from members.idcard import PHONE_RE, normalize_id_number
from members.models import Gender, PartyStatus
from members.text import CleanTextMixin, clean_text
from orgs.forms import Form
from orgs.ids import parse_id
from orgs.models import Organisation
from orgs.tree import subtree
from transfers.models import InboundKind, TransferType
from transfers.paths import target_candidate, target_candidates
from transfers.services import CONFIRM_CHECKED, CONFIRM_LAUNCH, CONFIRM_REPORTED

OUTGOING_TYPES = [
    (TransferType.COUNTY.value, TransferType.COUNTY.label),
    (TransferType.PROVINCE.value, TransferType.PROVINCE.label),
    (TransferType.NATIONAL.value, TransferType.NATIONAL.label),
]
NOT_IN_TREE_LABEL = (
    "去向党组织不在本信息系统党组织机构树上，如省外党组织、自建系统党组织和隐蔽党组织"
)


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


class VersionForm(CleanTextMixin, Form):
    """Every action form carries the version of the transfer the page was built from."""

    version = IdField()


class TargetFields(CleanTextMixin, Form):
    """目的地党组织: chosen with the 放大镜 (``target``), or typed when it is not in the tree.

    Without JavaScript the name typed in ``target_query`` is looked up on submit; one match is
    taken, several are offered back as choices next to the field.
    """

    transfer_type = forms.ChoiceField(label="转接类型", choices=OUTGOING_TYPES)
    target = IdField()
    target_query = forms.CharField(label="目的地党组织", max_length=200, required=False)
    not_in_tree = forms.BooleanField(label=NOT_IN_TREE_LABEL, required=False)
    out_of_system = forms.BooleanField(label="转出到系统外", required=False)
    target_name = forms.CharField(label="目的地党组织名称", max_length=200, required=False)

    def __init__(self, *args, initiator: Organisation, inbound: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiator = initiator
        self.inbound = inbound
        self.target_org: Organisation | None = None
        self.target_choices: list[Organisation] = []
        if inbound:
            # 跨省（系统）转入 stays one: the target is chosen within the initiator's subtree.
            self.fields["transfer_type"].required = False

    def clean(self):
        data = super().clean()
        if self.inbound:
            data["transfer_type"] = TransferType.INBOUND
            data["out_of_system"] = data["not_in_tree"] = False
            return _resolve_target(self, data, lambda: inbound_candidates(self.initiator))
        transfer_type = data.get("transfer_type")
        if transfer_type == TransferType.NATIONAL:
            data["out_of_system"] = True
        if data.get("not_in_tree"):
            data["out_of_system"] = True
        if data.get("out_of_system"):
            if not (data.get("target_name") or "").strip():
                self.add_error("target_name", "请填写目的地党组织名称。")
            return data
        return _resolve_target(
            self,
            data,
            lambda: target_candidates(initiator=self.initiator, transfer_type=transfer_type or ""),
            # One compiled query checks the 放大镜's choice.
            chosen=lambda pk: target_candidate(
                initiator=self.initiator, transfer_type=transfer_type or "", pk=pk
            ),
        )


def _resolve_target(form, data, candidates, chosen=None):
    """Set ``form.target_org`` from the 放大镜's choice, or from the typed name when there is
    exactly one match; otherwise say what is wrong next to the field. ``candidates()``: the
    organisations that may be chosen; ``chosen(pk)``: the one with that key among them, or
    None (by default read from ``candidates()``)."""
    if data.get("target"):
        pk = data["target"]
        form.target_org = chosen(pk) if chosen else candidates().filter(pk=pk).first()
        if form.target_org is None:
            form.add_error("target_query", "所选党组织不符合转接类型或范围，请用放大镜重新选择。")
        return data
    query = (data.get("target_query") or "").strip()
    if not query:
        form.add_error("target_query", "请点击放大镜选择目的地党组织。")
        return data
    matches = list(candidates().filter(name__contains=query).order_by("path")[:11])
    exact = [o for o in matches if o.name == query]
    if len(exact) == 1 or len(matches) == 1:
        form.target_org = (exact or matches)[0]
    elif not matches:
        form.add_error("target_query", "没有找到符合条件的党组织，请检查名称。")
    else:
        form.target_choices = matches[:10]
        form.add_error("target_query", "找到多个党组织，请从下面的列表中选择一个。")
    return data


class LetterFields(CleanTextMixin, Form):
    """电子介绍信: what the initiator fills in."""

    dues_paid_through = MonthField(label="党费交至")
    validity_days = forms.IntegerField(
        label="有效期（天）",
        min_value=1,
        max_value=90,
        initial=90,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            "介绍信有效期应为1至90天（最长3个月）。",
        ),
    )
    member_phone = forms.CharField(label="党员联系电话", max_length=20, required=False)
    letter_remarks = forms.CharField(
        label="备注", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean_member_phone(self):
        return clean_phone(self.cleaned_data["member_phone"], required=False)


class ApplicationForm(TargetFields, LetterFields):
    """转出申请 · 转接详细信息 (step 2 of the wizard)."""


class MemberChoiceForm(Form):
    members = IdMultipleChoiceField(
        label="党员",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择需要转接的党员。"},
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = queryset


class ConfirmLaunchForm(Form):
    confirmed = TickField(label=CONFIRM_LAUNCH)


class ApproveForm(VersionForm):
    confirmed = TickField(label=CONFIRM_CHECKED)
    opinion = forms.CharField(
        label="审批意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(VersionForm):
    reason = forms.CharField(
        label="理由",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写理由。"},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise ValidationError("请填写理由。")
        return reason


class ChangeForm(TargetFields, VersionForm):
    opinion = forms.CharField(
        label="更改说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReceiveFields(Form):
    """接收's fields and checks, for one transfer (``ReceiveForm``) or many (批量接收)."""

    received_on = DateField(label="转入本组织时间")
    branch = IdChoiceField(label="转入支部", queryset=None, empty_label="请选择党支部")
    handler_phone = forms.CharField(label="转入办理人员联系电话", max_length=20)
    remarks = forms.CharField(
        label="备注", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirmed_reported = TickField(label=CONFIRM_REPORTED)
    confirmed_checked = TickField(label=CONFIRM_CHECKED)

    def __init__(self, *args, branches, branch_lookup=None, **kwargs):
        """``branches``: a queryset, or a function giving it when the choices are shown."""
        super().__init__(*args, **kwargs)
        if callable(branches):
            self.fields["branch"].offer(branches)
        else:
            self.fields["branch"].queryset = branches
        self.fields["branch"].lookup = branch_lookup  # one of ``branches`` by its id, or None

    def clean_handler_phone(self):
        return clean_phone(self.cleaned_data["handler_phone"], required=True)

    def clean_received_on(self):
        value = self.cleaned_data["received_on"]
        if value > timezone.localdate():
            raise ValidationError("转入本组织时间不能晚于今天。")
        return value


class ReceiveForm(ReceiveFields, VersionForm):
    """接收 of one transfer."""


class ReceiptForm(VersionForm):
    """登记回执 (paper) for a transfer that left the system."""

    received_on = DateField(label="回执日期")
    handler = forms.CharField(label="经办人", max_length=50)
    handler_phone = forms.CharField(label="经办人联系电话", max_length=20, required=False)

    def clean_handler_phone(self):
        return clean_phone(self.cleaned_data["handler_phone"], required=False)


class ConfirmForm(VersionForm):
    confirmed = TickField()


class ConcludeForm(ConfirmForm):
    """办结: 是否确认…, and where the member goes: a province of this system, or another system
    (then the code of the receiving organisation there). Only that side can import the package."""

    receiver = forms.ChoiceField(
        label="接收方（转入的省或系统）", error_messages={"required": "请选择接收方。"}
    )
    receiver_code = forms.CharField(
        label="接收党组织代码（其他系统时填写）", max_length=32, required=False
    )

    def __init__(self, *args, concluder: Organisation, **kwargs):
        from transfers import exchange

        super().__init__(*args, **kwargs)
        here = settings.EXCHANGE_SYSTEM_ID
        self.provinces = {o.code: o.name for o in exchange.receivers_here(concluder)}
        self.systems = sorted(s for s in settings.EXCHANGE_TRUSTED_KEYS if s != here)
        self.fields["receiver"].choices = [
            ("", "请选择"),
            *((f"{here}|{code}", name) for code, name in self.provinces.items()),
            *((f"{system}|", f"其他系统：{system}") for system in self.systems),
        ]
        if len(self.fields["receiver"].choices) == 2:
            self.initial.setdefault("receiver", self.fields["receiver"].choices[1][0])

    def clean(self):
        from transfers import exchange

        data = super().clean()
        system, _, code = (data.get("receiver") or "").partition("|")
        if not system:
            return data
        if system == settings.EXCHANGE_SYSTEM_ID:
            data["receiver_obj"] = exchange.Receiver(system, code, self.provinces[code])
            return data
        typed = clean_text(data.get("receiver_code"))
        if not typed:
            self.add_error("receiver_code", "请填写接收方系统中接收党组织的代码。")
            return data
        data["receiver_obj"] = exchange.Receiver(system, typed, typed)
        return data


class HistorySearchForm(Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    transfer_type = forms.ChoiceField(
        label="转接类型", choices=[("", "全部"), *TransferType.choices], required=False
    )
    date_from = DateField(label="起", required=False)
    date_to = DateField(label="止", required=False)

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data


PAGE_SIZES = [("", "20条"), ("50", "50条"), ("100", "100条"), ("200", "200条")]


class UnreportedSearchForm(Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    size = forms.TypedChoiceField(
        label="每页", choices=PAGE_SIZES, coerce=int, empty_value=None, required=False
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


class ExchangeChoiceForm(Form):
    via_exchange = forms.TypedChoiceField(
        label="是否通过业务交换区转入",
        choices=[("1", "是"), ("0", "否")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
        error_messages={"required": "请选择是否通过业务交换区转入。"},
    )


def inbound_kind_field() -> forms.ChoiceField:
    """选择转接类型 on 跨省（系统）转入 (the manual): from another province or another system."""
    return forms.ChoiceField(
        label="转接类型",
        choices=[("", "请选择转接类型"), *InboundKind.choices],
        error_messages={"required": "请选择转接类型。"},
    )


class InboundForm(LetterFields):
    """跨省（系统）转入: the member and the letter as typed from the paper letter."""

    inbound_kind = inbound_kind_field()
    name = forms.CharField(label="姓名", max_length=50)
    gender = forms.ChoiceField(label="性别", choices=Gender.choices)
    ethnicity = forms.CharField(label="民族", max_length=20, initial="汉族")
    id_number = forms.CharField(label="身份证号", max_length=18)
    party_status = forms.ChoiceField(label="党员类别", choices=PartyStatus.choices)
    joined_on = DateField(label="入党日期")
    full_member_on = DateField(label="转正日期", required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    origin_name = forms.CharField(label="转出党组织", max_length=200)
    origin_letter_number = forms.CharField(label="原介绍信编号", max_length=40, required=False)
    target = IdField()
    target_query = forms.CharField(label="目的地党组织", max_length=200, required=False)

    def __init__(self, *args, initiator: Organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiator = initiator
        self.target_org: Organisation | None = None
        self.target_choices: list[Organisation] = []

    def clean_id_number(self):
        return normalize_id_number(self.cleaned_data["id_number"])

    def clean_phone(self):
        return clean_phone(self.cleaned_data["phone"], required=False)

    def clean(self):
        data = super().clean()
        return _resolve_target(self, data, lambda: inbound_candidates(self.initiator))


def inbound_candidates(initiator: Organisation):
    """跨省（系统）转入 targets: the initiating committee's own subtree."""
    return subtree(initiator).filter(is_active=True)


class RetrieveForm(Form):
    id_number = forms.CharField(label="身份证号", max_length=18)

    def clean_id_number(self):
        return normalize_id_number(self.cleaned_data["id_number"])


class WorkSearchForm(Form):
    """查询 in 待办工作 and 已办工作: exact 姓名 / 身份证号, 转接类型, order, rows per page."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)
    transfer_type = forms.ChoiceField(
        label="转接类型", choices=[("", "全部"), *TransferType.choices], required=False
    )
    sort = forms.ChoiceField(
        label="排序",
        choices=[("", "最新在前"), ("overdue", "超期在前，由早到晚")],
        required=False,
    )
    size = forms.TypedChoiceField(
        label="每页", choices=PAGE_SIZES, coerce=int, empty_value=None, required=False
    )

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()
