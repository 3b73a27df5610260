"""The ``demo`` management command: idempotent, the documented logins, a well-formed tree."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from members.idcard import normalize_id_number
from members.models import Member
from orgs.models import Level, Organisation, OrganisationUserObjectPermission
from orgs.roles import organisations_of
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()

# username → (name, level, the username of its parent or None)
NAMED_LOGINS = {
    "gx": ("中共广西壮族自治区委员会", Level.PROVINCE, None),
    "nn": ("中共南宁市委员会", Level.CITY, "gx"),
    "qx": ("中共南宁市青秀区委员会", Level.COUNTY, "nn"),
    "qx_jd": ("中共南宁市青秀区新竹街道工作委员会", Level.GRASSROOTS, "qx"),
    "qx_jd_zb1": ("新竹街道机关第一党支部", Level.BRANCH, "qx_jd"),
    "gxu": ("中共广西某大学委员会", Level.COUNTY, "gx"),
    "wxy": ("中共广西某大学文学院委员会", Level.GRASSROOTS, "gxu"),
    "wxy_zb1": ("广西某大学文学院教工党支部", Level.BRANCH, "wxy"),
    "ltx": ("中共广西某大学离退休工作委员会", Level.GRASSROOTS, "gxu"),
    "ltx_zb1": ("广西某大学离退休第一党支部", Level.BRANCH, "ltx"),
    "hn": ("中共湖南省委员会", Level.PROVINCE, None),
    "cs": ("中共长沙市委员会", Level.CITY, "hn"),
    "yl": ("中共长沙市岳麓区委员会", Level.COUNTY, "cs"),
    "yl_jd": ("中共长沙市岳麓区岳麓街道工作委员会", Level.GRASSROOTS, "yl"),
    "yl_jd_zb1": ("岳麓街道机关第一党支部", Level.BRANCH, "yl_jd"),
}


def counts() -> dict[str, int]:
    return {
        "organisations": Organisation.objects.count(),
        "members": Member.objects.count(),
        "users": User.objects.count(),
        "roles": OrganisationUserObjectPermission.objects.count(),
    }


def test_it_changes_nothing_when_run_a_second_time():
    before = counts()
    snapshot = {
        "orgs": list(Organisation.objects.order_by("path").values_list("path", "code", "name")),
        "members": set(Member.objects.values_list("id_number", "name", "branch_path")),
    }
    call_command("demo", quiet_table=True)
    assert counts() == before
    assert (
        list(Organisation.objects.order_by("path").values_list("path", "code", "name"))
        == (snapshot["orgs"])
    )
    assert (
        set(Member.objects.values_list("id_number", "name", "branch_path")) == (snapshot["members"])
    )


def test_it_loaded_something_worth_counting():
    loaded = counts()
    assert loaded["organisations"] > 100
    assert loaded["members"] > 200
    # One login per organisation plus the superuser, one role per organisation.
    assert loaded["users"] == loaded["organisations"] + 1
    assert loaded["roles"] == loaded["organisations"]


@pytest.mark.parametrize("username", NAMED_LOGINS)
def test_it_creates_each_named_login_acting_for_its_organisation(username, user):
    name, level, parent = NAMED_LOGINS[username]
    account = user(username)
    acts_for = list(organisations_of(account))
    assert [o.name for o in acts_for] == [name]
    org = acts_for[0]
    assert org.level == level
    assert account.is_active
    assert not account.is_staff
    assert not account.is_superuser
    if parent is None:
        assert org.is_root()
    else:
        parent_org = Organisation.objects.get_parent(org)
        assert [o.name for o in organisations_of(user(parent))] == [parent_org.name]
        assert org.path.startswith(parent_org.path)


def test_it_names_the_street_committees_and_the_retirees_committee(org):
    assert "街道" in org("qx_jd").name
    assert "街道" in org("yl_jd").name
    assert org("ltx").short_name == "离退休党委"
    assert org("gxu").level == Level.COUNTY


def test_it_creates_the_superuser_sysadmin_and_no_admin(user):
    admin = user("sysadmin")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.is_active
    assert admin.check_password(DEMO_PASSWORD)
    assert not organisations_of(admin).exists()
    assert not get_user_model().objects.filter(username="admin").exists()


def test_it_gives_the_university_29_units_each_with_a_general_branch_or_two_branches(org):
    units = Organisation.objects.get_children(org("gxu"))
    assert units.count() == 29
    for unit in units:
        assert unit.level == Level.GRASSROOTS, unit.name
        children = list(Organisation.objects.get_children(unit))
        general = [c for c in children if c.level == Level.GENERAL_BRANCH]
        branches = [c for c in children if c.level == Level.BRANCH]
        assert general or len(branches) >= 2, unit.name
    assert Organisation.objects.get_children(org("wxy")).filter(level=Level.GENERAL_BRANCH)


def test_it_puts_members_in_every_branch_and_only_in_branches():
    branches = Organisation.objects.filter(level=Level.BRANCH)
    assert branches.count() > 60
    for branch in branches:
        assert branch.members.exists(), branch.name
        assert branch.is_leaf(), branch.name
    assert not Member.objects.exclude(branch__level=Level.BRANCH).exists()


def test_it_copies_each_branch_path_onto_its_members():
    for member in Member.objects.select_related("branch"):
        assert member.branch_path == member.branch.path, member.pk


def test_it_generates_valid_distinct_id_numbers():
    numbers = list(Member.objects.values_list("id_number", flat=True))
    for number in numbers:
        assert normalize_id_number(number) == number
    assert len(numbers) == len(set(numbers))


def test_it_generates_id_numbers_that_match_birth_date_and_gender():
    for member in Member.objects.all():
        assert member.id_number[6:14] == f"{member.birth_date:%Y%m%d}", member.pk
        odd = int(member.id_number[16]) % 2 == 1
        assert odd == (member.gender == "male"), member.pk


def test_it_prints_every_username_and_the_password():
    out = io.StringIO()
    call_command("demo", stdout=out)
    table = out.getvalue()
    assert f"演示账号（密码均为 {DEMO_PASSWORD}）：" in table
    lines = table.splitlines()
    end = next(i for i, line in enumerate(lines) if line.startswith("共 "))
    printed = {line.split()[0] for line in lines[2:end]}
    assert printed == set(User.objects.values_list("username", flat=True))
    for username in [*NAMED_LOGINS, "sysadmin"]:
        assert any(line.split()[0] == username for line in lines), username
    assert f"共 {User.objects.count()} 个账号；党员 {Member.objects.count()} 名。" in table
    assert "业务交换区演示" in table


def test_it_prints_nothing_with_quiet_table():
    out = io.StringIO()
    call_command("demo", quiet_table=True, stdout=out)
    assert out.getvalue() == ""


@pytest.mark.parametrize("username", ["gx", "qx_jd_zb1", "wxy", "ltx_zb1", "yl_jd_zb1"])
def test_it_lets_a_demo_login_in_with_the_demo_password(client, username):
    response = client.post(reverse("login"), {"username": username, "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_it_lets_admin_log_in_with_the_demo_password_and_reach_the_admin(client):
    response = client.post(reverse("login"), {"username": "sysadmin", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
