"""The Django admin (系统管理) as the demo superuser: organisations, members and accounts' roles."""

import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.db.models import Q
from django.urls import reverse

from members.idcard import mask_id_number
from members.models import Member
from orgs.models import ACT_FOR_ORGANISATION, Authority, Level, Organisation
from orgs.roles import holds_role, organisations_of

pytestmark = pytest.mark.django_db

FULL_ID_RE = re.compile(r"\b\d{17}[\dX]\b")
ORG_ADD = "admin:orgs_organisation_add"
ORG_LIST = "admin:orgs_organisation_changelist"
MEMBER_LIST = "admin:members_member_changelist"


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.get(username="sysadmin"))
    return client


class FormFields(HTMLParser):
    """The values a browser would submit for the <form> with the given id."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.data: dict[str, list[str]] = {}
        self.in_form = False
        self.done = False
        self.select: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("id") == self.form_id and not self.done:
            self.in_form = True
        if not self.in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in {"submit", "button", "image"}:
            if a.get("type") in {"checkbox", "radio"} and "checked" not in a:
                return
            self.data.setdefault(name, []).append(a.get("value") or "")
        elif tag == "select" and name:
            self.select = name
            self.data.setdefault(name, [])
        elif tag == "option" and self.select and "selected" in a:
            self.data[self.select].append(a.get("value") or "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = [""]

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form" and self.in_form:
            self.in_form = False
            self.done = True


def form_data(response, form_id: str) -> dict[str, list[str]]:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.done, f"no <form id={form_id!r}> in the page"
    return parser.data


def result_rows(response) -> str:
    """The changelist's result rows (the column headers' sort links repeat the search term)."""
    html = response.content.decode()
    start = html.index("<tbody>", html.index('id="result_list"'))
    return html[start : html.index("</tbody>", start)]


def listed(response) -> list:
    return list(response.context["cl"].result_list)


def new_org_post(parent_code: str, code: str, **overrides) -> dict:
    data = {
        "parent_code": parent_code,
        "name": "中共广西某大学文学院测试党支部",
        "short_name": "测试党支部",
        "code": code,
        "level": Level.BRANCH,
        "authority": Authority.NONE,
        "address": "",
        "phone": "",
        "fax": "",
        "postcode": "",
        "is_active": "on",
        "_save": "保存",
    }
    return {**data, **overrides}


# --- 党组织 -------------------------------------------------------------------------------------


def test_it_lists_the_organisations_in_chinese(admin_client):
    response = admin_client.get(reverse(ORG_LIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'lang="zh-hans"' in html
    assert "全国党员管理信息系统 · 系统管理" in html
    assert "选择 党组织 来修改" in html
    for heading in ["党组织名称", "党组织代码", "层级", "转接权限", "过滤器"]:
        assert heading in html
    assert "中共广西壮族自治区委员会" in html


def test_it_lists_the_organisations_in_tree_order(admin_client):
    response = admin_client.get(reverse(ORG_LIST))
    shown = listed(response)
    assert shown == list(Organisation.objects.order_by("path")[: len(shown)])
    assert shown[0].name == "中共广西壮族自治区委员会"


def test_it_finds_organisations_by_name(admin_client, org):
    response = admin_client.get(reverse(ORG_LIST), {"q": "文学院"})
    assert response.status_code == 200
    found = set(listed(response))
    assert org("wxy") in found
    assert org("wxy_zb1") in found
    assert org("wxy_zzb1_zb2") in found
    assert org("ltx") not in found
    assert org("gxu") not in found
    expected = Organisation.objects.filter(
        Q(name__contains="文学院") | Q(short_name__contains="文学院")
    )
    assert found == set(expected)


def test_it_finds_organisations_by_code(admin_client, org):
    leaf = org("wxy_zzb1_zb1")
    response = admin_client.get(reverse(ORG_LIST), {"q": leaf.code})
    assert listed(response) == [leaf]

    wxy = org("wxy")
    response = admin_client.get(reverse(ORG_LIST), {"q": wxy.code})
    found = listed(response)
    assert found[0] == wxy  # tree order: the committee above its branches
    assert set(found) == set(Organisation.objects.filter(code__contains=wxy.code))
    assert org("wxy_zb2") in found
    assert org("xwcb") not in found


@pytest.mark.parametrize("param", ["level", "level__exact"])
def test_it_filters_organisations_by_level(admin_client, org, param):
    response = admin_client.get(reverse(ORG_LIST), {param: Level.BRANCH})
    assert response.status_code == 200
    cl = response.context["cl"]
    assert set(cl.queryset) == set(Organisation.objects.filter(level=Level.BRANCH))
    assert all(o.level == Level.BRANCH for o in cl.result_list)
    assert org("wxy_zb1") in cl.queryset
    assert org("wxy") not in cl.queryset


@pytest.mark.parametrize("param", ["authority", "authority__exact"])
def test_it_filters_organisations_by_authority(admin_client, org, param):
    response = admin_client.get(reverse(ORG_LIST), {param: Authority.NATIONAL})
    assert response.status_code == 200
    cl = response.context["cl"]
    national = set(cl.queryset)
    assert national == set(Organisation.objects.filter(authority=Authority.NATIONAL))
    assert {org(u) for u in ["gx", "nn", "qx", "gxu", "hn", "cs", "yl"]} <= national
    assert org("wxy") not in national
    assert org("qx_jd_zb1") not in national


def test_it_shows_a_parent_code_field_on_the_add_form(admin_client):
    response = admin_client.get(reverse(ORG_ADD))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="parent_code"' in html
    assert "上级党组织代码" in html


def test_it_adds_an_organisation_under_the_parent_given_by_its_code(admin_client, org):
    wxy = org("wxy")
    before = Organisation.objects.get_children_count(wxy)
    response = admin_client.post(reverse(ORG_ADD), new_org_post(wxy.code, "4502019901"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Organisation.objects.get(code="4502019901")
    assert created.name == "中共广西某大学文学院测试党支部"
    assert created.level == Level.BRANCH
    assert Organisation.objects.get_parent(created) == wxy
    assert created.path.startswith(wxy.path)
    assert created.depth == wxy.depth + 1
    wxy.refresh_from_db()
    assert Organisation.objects.get_children_count(wxy) == before + 1
    assert created in Organisation.objects.get_children(wxy)


def test_it_adds_a_root_when_no_parent_code_is_given(admin_client):
    post = new_org_post("", "99", name="中共测试省委员会", level=Level.PROVINCE)
    response = admin_client.post(reverse(ORG_ADD), post)
    assert response.status_code == 302
    created = Organisation.objects.get(code="99")
    assert created.is_root()
    assert Organisation.objects.get_parent(created) is None


def test_it_refuses_an_unknown_parent_code_in_chinese_and_creates_nothing(admin_client):
    count = Organisation.objects.count()
    response = admin_client.post(reverse(ORG_ADD), new_org_post("00000000", "4502019902"))
    assert response.status_code == 200
    assert "没有该代码的党组织。" in response.content.decode()
    assert response.context["adminform"].form.errors["parent_code"] == ["没有该代码的党组织。"]
    assert Organisation.objects.count() == count
    assert not Organisation.objects.filter(code="4502019902").exists()


def test_it_refuses_a_branch_as_parent(admin_client, org):
    branch = org("wxy_zb1")
    count = Organisation.objects.count()
    response = admin_client.post(reverse(ORG_ADD), new_org_post(branch.code, "450201019901"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent_code"] == ["党支部下不能再设党组织。"]
    assert Organisation.objects.count() == count
    branch.refresh_from_db()
    assert branch.is_leaf()


def test_it_offers_no_way_to_delete_an_organisation(admin_client, org):
    wxy = org("wxy")
    response = admin_client.get(reverse("admin:orgs_organisation_delete", args=[wxy.pk]))
    assert response.status_code == 403
    response = admin_client.post(reverse("admin:orgs_organisation_delete", args=[wxy.pk]))
    assert response.status_code == 403
    assert Organisation.objects.filter(pk=wxy.pk).exists()

    change = admin_client.get(reverse("admin:orgs_organisation_change", args=[wxy.pk]))
    assert change.status_code == 200
    assert "deletelink" not in change.content.decode()
    changelist = admin_client.get(reverse(ORG_LIST))
    assert "delete_selected" not in changelist.content.decode()


def test_it_shows_the_parent_name_on_the_change_page(admin_client, org):
    response = admin_client.get(reverse("admin:orgs_organisation_change", args=[org("wxy").pk]))
    html = response.content.decode()
    assert "上级党组织" in html
    assert "中共广西某大学委员会" in html
    assert 'name="parent_code"' not in html


# --- 党员 ---------------------------------------------------------------------------------------


def test_it_finds_members_by_name_and_shows_masked_id_numbers_only(admin_client, org):
    member = Member.objects.in_scope_of(org("wxy_zb1")).first()
    response = admin_client.get(reverse(MEMBER_LIST), {"q": member.name})
    assert response.status_code == 200
    found = listed(response)
    assert member in found
    assert all(member.name in m.name for m in found)
    html = response.content.decode()
    for m in found:
        assert mask_id_number(m.id_number) in html
        assert m.id_number not in html
    assert not FULL_ID_RE.search(html)


def test_it_finds_a_member_by_exact_id_number_and_shows_it_masked(admin_client, org):
    member = Member.objects.in_scope_of(org("ltx_zb1")).first()
    response = admin_client.get(reverse(MEMBER_LIST), {"q": member.id_number})
    assert response.status_code == 200
    assert listed(response) == [member]
    rows = result_rows(response)
    assert re.findall(r'<td class="field-masked_id">([^<]*)</td>', rows) == [
        member.masked_id_number
    ]
    # The search term itself comes back in the row's link (_changelist_filters); the text doesn't.
    text = re.sub(r"<[^>]+>", " ", rows)
    assert member.id_number not in text
    assert not FULL_ID_RE.search(text)


def test_it_matches_id_numbers_exactly_not_by_prefix(admin_client, org):
    member = Member.objects.in_scope_of(org("ltx_zb1")).first()
    response = admin_client.get(reverse(MEMBER_LIST), {"q": member.id_number[:10]})
    assert listed(response) == []


def test_it_lists_members_with_masked_id_numbers_only(admin_client):
    response = admin_client.get(reverse(MEMBER_LIST))
    assert response.status_code == 200
    html = response.content.decode()
    assert "**********" in html
    assert not FULL_ID_RE.search(html)


# --- 账号与任职党组织 ---------------------------------------------------------------------------


def test_it_shows_the_roles_inline_on_the_user_change_page(admin_client, user, org):
    response = admin_client.get(reverse("admin:auth_user_change", args=[user("wxy").pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "任职党组织" in html
    assert org("wxy").name in html
    formset = next(
        f for f in response.context["inline_admin_formsets"] if f.opts.verbose_name == "任职党组织"
    )
    assert [form.instance.content_object for form in formset.formset.initial_forms] == [org("wxy")]


def test_it_grants_a_role_through_the_inline(admin_client, user, org):
    wxy, wxy_org, ltx = user("wxy"), org("wxy"), org("ltx")
    url = reverse("admin:auth_user_change", args=[wxy.pk])
    data = form_data(admin_client.get(url), "user_form")
    prefix = "organisationuserobjectpermission_set"
    assert data[f"{prefix}-TOTAL_FORMS"] == ["2"]
    assert data[f"{prefix}-INITIAL_FORMS"] == ["1"]
    assert data[f"{prefix}-0-content_object"] == [str(wxy_org.pk)]
    data[f"{prefix}-1-content_object"] = [str(ltx.pk)]
    data["_save"] = ["保存"]
    assert not holds_role(wxy, ltx)

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["errors"]
    assert holds_role(wxy, ltx)
    assert holds_role(wxy, wxy_org)
    assert list(organisations_of(wxy)) == sorted([wxy_org, ltx], key=lambda o: o.path)
    assert wxy.organisationuserobjectpermission_set.get(content_object=ltx).permission.codename == (
        ACT_FOR_ORGANISATION
    )


def test_it_revokes_a_role_through_the_inline(admin_client, user, org):
    wxy, wxy_org = user("wxy"), org("wxy")
    url = reverse("admin:auth_user_change", args=[wxy.pk])
    data = form_data(admin_client.get(url), "user_form")
    data["organisationuserobjectpermission_set-0-DELETE"] = ["on"]
    data["_save"] = ["保存"]
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert not holds_role(wxy, wxy_org)
    assert User.objects.filter(pk=wxy.pk).exists()


def test_it_refuses_a_role_the_user_already_holds_with_a_form_error(admin_client, user, org):
    wxy, wxy_org = user("wxy"), org("wxy")
    url = reverse("admin:auth_user_change", args=[wxy.pk])
    data = form_data(admin_client.get(url), "user_form")
    data["organisationuserobjectpermission_set-1-content_object"] = [str(wxy_org.pk)]
    data["_save"] = ["保存"]
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(organisations_of(wxy)) == [wxy_org]
