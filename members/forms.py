import datetime as dt

from django import forms
from django.utils import timezone

from members.idcard import PHONE_RE, birth_date_of, normalize_id_number
from members.models import Member, PartyStatus
from members.text import CleanTextMixin
from orgs.forms import Form, ModelForm


class MemberSearchForm(Form):
    """党员信息维护的查询条件: exact match, as the manual says (精确查询)."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()


class MemberForm(CleanTextMixin, ModelForm):
    """党员信息维护 · 修改. Moving a member to another branch is a transfer, not an edit."""

    dues_paid_through = forms.CharField(
        label="党费交至", max_length=10, widget=forms.TextInput(attrs={"placeholder": "如 2026-11"})
    )
    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Member
        fields = [
            "name",
            "gender",
            "ethnicity",
            "id_number",
            "party_status",
            "joined_on",
            "full_member_on",
            "phone",
        ]
        widgets = {
            "joined_on": forms.TextInput(attrs={"placeholder": "如 2010-07-01"}),
            "full_member_on": forms.TextInput(attrs={"placeholder": "如 2011-07-01"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["dues_paid_through"] = self.instance.dues_paid_through.strftime("%Y-%m")
            self.initial["loaded_at"] = self.instance.updated_at.isoformat()
        for name in ("joined_on", "full_member_on"):
            self.fields[name].input_formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"]
            self.fields[name].error_messages["invalid"] = "请按“2010-07-01”的格式填写日期。"

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("请填写姓名。")
        return name

    def clean_id_number(self):
        number = normalize_id_number(self.cleaned_data["id_number"])
        taken = (
            Member.objects.in_system()
            .filter(id_number=number)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError("该身份证号已属于系统中的另一名党员。")
        return number

    def clean_phone(self):
        phone = (self.cleaned_data["phone"] or "").strip().replace(" ", "")
        if phone and not PHONE_RE.match(phone):
            raise forms.ValidationError(
                "电话格式不正确：请填写11位手机号或带区号的固定电话（如0771-5501234）。"
            )
        return phone

    def clean_dues_paid_through(self):
        value = self.cleaned_data["dues_paid_through"].strip()
        for fmt in ("%Y-%m", "%Y年%m月", "%Y/%m"):
            try:
                return dt.datetime.strptime(value, fmt).date().replace(day=1)  # noqa: DTZ007
            except ValueError:
                continue
        raise forms.ValidationError("请按“2026-11”的格式填写年月。")

    def clean(self):
        data = super().clean()
        number, joined = data.get("id_number"), data.get("joined_on")
        full, status = data.get("full_member_on"), data.get("party_status")
        today = timezone.localdate()
        if number and joined:
            born = birth_date_of(number)
            if joined <= born or joined > today:
                self.add_error("joined_on", "入党日期不合理。")
        if full and joined and full <= joined:
            self.add_error("full_member_on", "转正日期应晚于入党日期。")
        if full and full > today:
            self.add_error("full_member_on", "转正日期不能晚于今天。")
        if status == PartyStatus.PROBATIONARY and full:
            self.add_error("full_member_on", "预备党员没有转正日期。")
        return data
