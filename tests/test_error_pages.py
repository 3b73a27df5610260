"""Errors people can act on: Chinese 403, 404, 500 and 页面已过期 pages in the site's layout with
a way back; tabs a user may not use are not shown; refusals name the field and say what to do."""

import re

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.views.defaults import server_error

from orgs.forms import chinese_messages
from transfers.forms import ApplicationForm, ReceiptForm

pytestmark = pytest.mark.django_db

WAY_BACK = ("返回首页", "返回上一页")


def page(response) -> str:
    return response.content.decode()


def assert_in_layout_with_way_back(html: str) -> None:
    assert 'class="site-header"' in html  # base.html
    assert "app.css" in html
    for words in WAY_BACK:
        assert words in html
    assert not re.search(r"\b(Forbidden|Not Found|Server Error|CSRF)\b", html)


def test_a_branch_opening_a_committee_page_gets_a_chinese_403_with_a_way_back(client_as):
    response = client_as("wxy_zb1").get(reverse("transfers:branch"))
    assert response.status_code == 403
    html = page(response)
    assert "无权访问该页面" in html
    assert "该功能仅限党委使用" in html
    assert "广西某大学文学院教工党支部" in html  # who is logged in, so they know why
    assert_in_layout_with_way_back(html)


def test_an_unknown_address_gets_a_chinese_404_with_a_way_back(client_as):
    response = client_as("wxy_zb1").get("/transfers/t/999999999/")
    assert response.status_code == 404
    html = page(response)
    assert "页面不存在" in html
    assert "不在当前登录党组织的管理范围内" in html
    assert_in_layout_with_way_back(html)


def test_the_404_page_works_for_someone_not_logged_in(client):
    response = client.get("/verify/x/y/z/")
    assert response.status_code == 404
    assert "页面不存在" in page(response)


def test_the_500_page_needs_neither_the_database_nor_a_request(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    assert response.status_code == 500
    html = page(response)
    assert "系统暂时无法完成这次操作" in html
    assert "请联系系统管理员" in html
    assert_in_layout_with_way_back(html)


def test_a_stale_form_gets_a_chinese_page_saying_to_refresh(user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user("wxy"))
    response = client.post(reverse("switch_org"), {"org": "1"})
    assert response.status_code == 403
    html = page(response)
    assert "页面已过期" in html
    assert "刷新页面" in html
    assert_in_layout_with_way_back(html)


def test_a_stale_login_form_gets_the_same_page():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "wxy", "password": "x"})
    assert response.status_code == 403
    assert "页面已过期" in page(response)


# -- what a branch is shown ----------------------------------------------------------------------

COMMITTEE_ONLY = {
    "transfers:branch": "支部间转接",
    "transfers:apply_members": "转出申请",
    "transfers:inbound_start": "跨省（系统）转入",
    "members:retrieve": "找回",
}


@pytest.mark.parametrize(
    "page_name", ["home", "transfers:out_todo", "transfers:in_todo", "members:list"]
)
def test_a_branch_is_shown_no_link_to_a_committee_only_page(client_as, page_name):
    html = page(client_as("wxy_zb1").get(reverse(page_name)))
    for name in COMMITTEE_ONLY:
        assert f'href="{reverse(name)}"' not in html


def test_a_committee_sees_the_branch_move_tab(client_as):
    html = page(client_as("wxy").get(reverse("transfers:out_todo")))
    assert f'href="{reverse("transfers:branch")}"' in html


@pytest.mark.parametrize("name", COMMITTEE_ONLY)
def test_every_link_hidden_from_a_branch_is_refused_to_it(client_as, name):
    assert client_as("wxy_zb1").get(reverse(name)).status_code == 403


# -- refusals that say what to do ----------------------------------------------------------------


def test_next_step_of_inbound_without_yes_or_no_says_to_choose(client_as):
    start = reverse("transfers:inbound_start")
    html = page(client_as("gxu").get(start))
    assert 'name="step"' in html  # 【下一步】 submits a bound form even with nothing chosen
    response = client_as("gxu").get(start, {"step": "1"})
    assert response.status_code == 200
    assert "请选择是否通过业务交换区转入。" in page(response)


@pytest.mark.parametrize("days", ["91", "0", "九十"])
def test_a_wrong_validity_names_the_field_and_the_range(org, days):
    form = ApplicationForm(
        {"transfer_type": "county", "dues_paid_through": "2026-10", "validity_days": days},
        initiator=org("wxy"),
    )
    assert form.errors["validity_days"] == ["介绍信有效期应为1至90天（最长3个月）。"]


def test_required_fields_are_named_in_the_message():
    form = ReceiptForm({})
    assert form.errors["received_on"] == ["请填写回执日期。"]
    assert form.errors["handler"] == ["请填写经办人。"]


def test_a_form_keeps_the_message_it_sets_itself():
    from transfers.forms import ExchangeChoiceForm

    assert ExchangeChoiceForm({}).errors["via_exchange"] == ["请选择是否通过业务交换区转入。"]


def test_too_long_text_says_how_long_it_may_be():
    form = ReceiptForm({"received_on": "2026-11-01", "handler": "张" * 51})
    assert form.errors["handler"] == ["经办人不能超过50个字（现有51个）。"]


def test_no_form_says_what_django_says_by_default():
    from django import forms

    messages = chinese_messages(forms.IntegerField(label="天数", min_value=1), "days")
    assert messages["min_value"] == "天数不能小于1。"
    assert messages["invalid"] == "天数请填写数字。"


def test_messages_follow_a_field_changed_as_the_form_is_made():
    """Declared fields' messages are worked out once per form class; a field added or changed
    for one form (another label, another range) gets its own."""
    from django import forms

    from orgs.forms import Form

    class DaysForm(Form):
        days = forms.IntegerField(label="天数", min_value=1, max_value=30)

    class ShorterDaysForm(DaysForm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)

    for _ in range(2):  # the second form uses what the first worked out
        assert DaysForm({"days": "31"}).errors["days"] == ["天数应为1至30之间的数。"]

    class OtherForm(Form):
        days = forms.IntegerField(label="天数", min_value=1, max_value=30)

        def __init__(self, *args, limit: int, **kwargs):
            self.base_fields["days"] = forms.IntegerField(label="期限", max_value=limit)
            super().__init__(*args, **kwargs)

    assert OtherForm({"days": "99"}, limit=9).errors["days"] == ["期限不能大于9。"]
    assert OtherForm({"days": "99"}, limit=5).errors["days"] == ["期限不能大于5。"]
    assert ShorterDaysForm({}).errors["days"] == ["请填写天数。"]


def test_forms_are_not_checked_by_the_browser(client_as):
    """novalidate: the browser's bubble ("Please fill out this field.") never replaces the
    server's Chinese message."""
    for name in ("transfers:out_history", "transfers:in_unreported", "members:list"):
        html = page(client_as("wxy").get(reverse(name)))
        for form in re.findall(r"<form\b[^>]*>", html):
            if "search-form" in form:
                assert "novalidate" in form


def test_an_error_message_is_announced_as_an_alert_and_a_success_as_a_status(client_as):
    from tests.transfer_view_helpers import stage

    transfer = stage("launched")
    response = client_as("ltx").get(reverse("transfers:approve", args=[transfer.pk]), follow=True)
    assert re.search(r'class="message message-error" role="alert">该转接当前不能', page(response))
    response = client_as("gxu").post(
        reverse("transfers:approve", args=[transfer.pk]),
        {"confirmed": "on", "version": transfer.version},
        follow=True,
    )
    assert re.search(r'class="message message-success" role="status">已同意', page(response))


def test_launching_a_draft_launched_meanwhile_says_who_launched_it(client_as):
    from tests.transfer_helpers import actor_for, draft_to, launch, org_of

    draft = draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"))
    launch(draft)  # from another window
    response = client_as("wxy").post(
        reverse("transfers:apply_launch"), {"ids": str(draft.pk), "confirmed": "on"}, follow=True
    )
    html = page(response)
    assert "该转接已由中共广西某大学文学院委员会于" in html
    assert "办理（确认发起）" in html
    assert response.redirect_chain[-1][0] == reverse("transfers:out_done")
