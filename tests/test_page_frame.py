"""The page frame (session, user, acting organisation, switcher) costs a fixed handful of queries,
whatever the size of the tree, and follows role changes at the next request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.functional import LazyObject

from orgs.middleware import SESSION_KEY
from orgs.models import Organisation
from orgs.roles import grant_role, organisations_of, revoke_role, role_organisation

pytestmark = pytest.mark.django_db


def frame_queries(client, url="/"):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in ctx.captured_queries], response.content.decode()


def test_the_user_and_the_acting_organisation_cost_one_query_once_it_is_in_the_session(client_as):
    client = client_as("wxy")
    client.get("/")
    queries, _ = frame_queries(client)
    users = [q for q in queries if re.search(r'FROM "?auth_user"? ', q)]
    organisations = [q for q in queries if re.search(r'FROM "?orgs_organisation"? ', q)]
    # One query reads the user, the acting organisation by primary key guarded by the role
    # rows (orgs.backends), and whether the user holds a second role: with one role the
    # switcher reads nothing more.
    assert len(users) == 1, users
    assert organisations == []  # not read on their own
    assert "orgs_organisationuserobjectpermission" in users[0]
    role_rows = [q for q in queries if 'FROM "orgs_organisationuserobjectpermission"' in q]
    assert role_rows == []
    assert not any(" OR " in q and "IN (SELECT" in q for q in queries)


def test_the_frame_costs_the_same_with_more_roles_and_more_organisations(client, user, org):
    u, ltx, gxu = user("wxy"), org("ltx"), org("gxu")
    client.force_login(u)
    client.get("/")
    one_role, _ = frame_queries(client)
    grant_role(u, ltx)
    grant_role(u, gxu)
    client.get("/")
    three_roles, html = frame_queries(client)
    # The switcher reads the role rows and the organisations by primary key: two queries
    # more, not one per role.
    assert len(three_roles) == len(one_role) + 2
    for i in range(30):
        gxu.refresh_from_db()
        fields = {"name": f"新增{i}", "code": f"X{i}", "level": "branch"}
        Organisation.objects.add_child(gxu, fields)
    assert len(frame_queries(client)[0]) == len(three_roles)
    for name in ("中共广西某大学文学院委员会", ltx.name, gxu.name):
        assert name in html


def test_the_switcher_lists_every_organisation_of_the_user_in_tree_order(client, user, org):
    u, own, ltx, gxu = user("wxy"), org("wxy"), org("ltx"), org("gxu")
    grant_role(u, ltx)
    grant_role(u, gxu)
    client.force_login(u)
    html = client.get(reverse("home")).content.decode()
    expected = sorted([own, ltx, gxu], key=lambda o: o.path)
    positions = [html.index(f'<option value="{o.pk}"') for o in expected]
    assert positions == sorted(positions)


def test_a_revoked_role_is_refused_at_the_next_request_even_if_kept_in_the_session(
    client, user, org
):
    u, own, ltx = user("wxy"), org("wxy"), org("ltx")
    grant_role(u, ltx)
    client.force_login(u)
    client.post(reverse("switch_org"), {"org": ltx.pk})
    assert client.session[SESSION_KEY] == ltx.pk
    revoke_role(u, ltx)
    client.get(reverse("home"))
    assert client.session[SESSION_KEY] == own.pk
    assert role_organisation(u, ltx.pk) is None


def test_a_role_through_a_group_counts(user, org):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    u, own, gxu = user("wxy"), org("wxy"), org("gxu")
    group = Group.objects.create(name="督查组")
    u.groups.add(group)
    assign_perm("orgs.act_for_organisation", group, gxu)
    assert list(organisations_of(u)) == sorted([own, gxu], key=lambda o: o.path)
    assert role_organisation(u, gxu.pk) == gxu
    other = Organisation.objects.exclude(pk__in=[gxu.pk, own.pk]).last()
    assert role_organisation(u, other.pk) is None


def test_the_user_and_role_query_reads_both_or_says_what_is_missing(user, org):
    from orgs.roles import user_and_role_organisation

    u, own, ltx = user("wxy"), org("wxy"), org("ltx")
    found, acting = user_and_role_organisation(u.pk, own.pk)
    assert (found, acting) == (u, own)
    assert found.last_login == u.last_login  # converted as the ORM converts it
    assert acting.path == own.path
    assert user_and_role_organisation(u.pk, ltx.pk) == (u, None)  # no role there
    assert user_and_role_organisation(-1, own.pk) == (None, None)
    assert found.holds_several_roles is False
    grant_role(u, ltx)
    found, acting = user_and_role_organisation(u.pk, ltx.pk)
    assert (acting, found.holds_several_roles) == (ltx, True)


def test_a_second_role_through_a_group_shows_the_switcher(client, user, org):
    from django.contrib.auth.models import Group
    from guardian.shortcuts import assign_perm

    u, gxu = user("wxy"), org("gxu")
    client.force_login(u)
    assert "org-switch-select" not in client.get(reverse("home")).content.decode()
    group = Group.objects.create(name="督查组")
    u.groups.add(group)
    assign_perm("orgs.act_for_organisation", group, gxu)
    html = client.get(reverse("home")).content.decode()
    assert "org-switch-select" in html
    assert f'<option value="{gxu.pk}"' in html


def test_a_disabled_account_is_logged_out_at_its_next_request(client_as, user):
    client = client_as("wxy")
    assert client.get(reverse("home")).status_code == 200
    u = user("wxy")
    u.is_active = False
    u.save(update_fields=["is_active"])
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_views_get_the_user_itself_verified_by_django_otp(client_as, user):
    """The lazy wrappers around ``request.user`` are gone by the time a view runs; what
    django-otp sets on the user is there."""
    response = client_as("wxy").get(reverse("transfers:out_todo"))
    assert response.status_code == 200
    seen = response.wsgi_request.user
    assert not isinstance(seen, LazyObject)
    assert seen == user("wxy")
    assert seen.otp_device is None
    assert seen.is_verified() is False
    assert response.wsgi_request.org == Organisation.objects.get(
        organisationuserobjectpermission__user__username="wxy"
    )
