from django import forms


class MemberSearchForm(forms.Form):
    """党员信息维护的查询条件: exact match, as the manual says (精确查询)."""

    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = forms.CharField(label="身份证号", max_length=18, required=False)

    def clean_id_number(self) -> str:
        return self.cleaned_data["id_number"].strip().upper()

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()
