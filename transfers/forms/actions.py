"""The forms of an application (转接详细信息, the target and the letter) and of each action on a
transfer (同意, 不同意, 更改, 接收, 登记回执, 办结, the confirmations)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.text import CleanTextMixin, clean_text
from orgs.forms import Form
from orgs.models import Organisation
from orgs.tree import subtree
from transfers.forms.fields import (
    DateField,
    IdChoiceField,
    IdField,
    IdMultipleChoiceField,
    MonthField,
    TickField,
    clean_phone,
)
from transfers.models import TransferType
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


def inbound_candidates(initiator: Organisation):
    """跨省（系统）转入 targets: the initiating committee's own subtree."""
    return subtree(initiator).filter(is_active=True)
