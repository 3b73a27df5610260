"""The search forms of the lists (历史, 未报到, 待办/已办), 找回, and 跨省（系统）转入."""

from __future__ import annotations

from django import forms

from members.idcard import normalize_id_number
from members.models import Gender, PartyStatus
from orgs.forms import Form
from orgs.models import Organisation
from transfers.forms.actions import (
    LetterFields,
    _resolve_target,
    inbound_candidates,
)
from transfers.forms.fields import (
    DateField,
    IdField,
    clean_phone,
)
from transfers.models import InboundKind, TransferType


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


class _ByNameOrIdNumber(Form):
    """A list's exact search by 姓名 and 身份证号 (the fields come first on the form)."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)

    def clean_name(self):
        return self.cleaned_data["name"].strip()

    def clean_id_number(self):
        return self.cleaned_data["id_number"].strip().upper()


class UnreportedSearchForm(_ByNameOrIdNumber):
    size = forms.TypedChoiceField(
        label="每页", choices=PAGE_SIZES, coerce=int, empty_value=None, required=False
    )


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


class RetrieveForm(Form):
    id_number = forms.CharField(label="身份证号", max_length=18)

    def clean_id_number(self):
        return normalize_id_number(self.cleaned_data["id_number"])


class WorkSearchForm(_ByNameOrIdNumber):
    """查询 in 待办工作 and 已办工作: exact 姓名 / 身份证号, 转接类型, order, rows per page."""

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
