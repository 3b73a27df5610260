"""党员信息维护 · 修改."""

import pytest
from django.urls import reverse

from members.idcard import check_character
from members.models import Member, MemberState

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(org):
    return Member.objects.filter(branch=org("wxy_zb1"), state=MemberState.NORMAL).first()


def form_data(client, member, **changes):
    form = client.get(reverse("members:edit", args=[member.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(changes)
    return data


def test_a_branch_secretary_corrects_a_phone_number(client_as, member):
    client = client_as("wxy_zb1")
    response = client.post(
        reverse("members:edit", args=[member.pk]), form_data(client, member, phone="13912345678")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.phone == "13912345678"
    assert "已保存" in client.get(response.url).content.decode()


def test_a_new_id_number_moves_the_birth_date(client_as, member):
    first17 = "45010319850615123"
    number = first17 + check_character(first17)
    client = client_as("wxy")
    data = form_data(client, member, id_number=number.lower(), joined_on="2008-07-01")
    data["full_member_on"] = "2009-07-01"
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 302
    member.refresh_from_db()
    assert member.id_number == number
    assert str(member.birth_date) == "1985-06-15"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "45010319850615123X", "校验位"),
        ("phone", "12345", "电话格式不正确"),
        ("dues_paid_through", "下个月", "年月"),
        ("joined_on", "2099-01-01", "入党日期不合理"),
        ("name", "   ", "请填写姓名。"),
    ],
)
def test_bad_input_is_explained_next_to_the_field_and_nothing_changes(
    client_as, member, field, value, message
):
    client = client_as("wxy")
    before = Member.objects.get(pk=member.pk).updated_at
    response = client.post(
        reverse("members:edit", args=[member.pk]), form_data(client, member, **{field: value})
    )
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert Member.objects.get(pk=member.pk).updated_at == before


def test_an_id_number_of_another_active_member_is_refused(client_as, member, org):
    other = Member.objects.filter(branch=org("wxy_zb2")).first()
    client = client_as("wxy")
    response = client.post(
        reverse("members:edit", args=[member.pk]),
        form_data(client, member, id_number=other.id_number),
    )
    assert "另一名党员" in " ".join(response.context["form"].errors["id_number"])


def test_a_stale_form_is_refused(client_as, member):
    client = client_as("wxy")
    data = form_data(client, member, phone="13900000001")
    Member.objects.filter(pk=member.pk).update(phone="13900000002")
    member.refresh_from_db()
    member.save()  # someone else saved meanwhile
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()


def test_a_member_in_transfer_cannot_be_edited(client_as, member):
    Member.objects.filter(pk=member.pk).update(state=MemberState.IN_TRANSFER)
    response = client_as("wxy").get(reverse("members:edit", args=[member.pk]))
    assert response.status_code == 302


def test_markup_in_the_name_is_shown_escaped(client_as, member):
    client = client_as("wxy")
    client.post(
        reverse("members:edit", args=[member.pk]),
        form_data(client, member, name="<script>alert(1)</script>"),
    )
    html = client.get(reverse("members:detail", args=[member.pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("username", ["ltx", "wxy_zb2", "hn"])
def test_another_org_gets_404(client_as, member, username):
    assert client_as(username).get(reverse("members:edit", args=[member.pk])).status_code == 404
