"""安全审计: what leaves a row on the audit trail, and that nobody can change a row."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse
from django.utils import timezone

from audit import trail
from audit.models import AuditEvent, EventType, Outcome
from orgs.models import Organisation
from orgs.roles import grant_role, revoke_role
from tests.transfer_helpers import org_of
from tests.transfer_view_helpers import national, stage, url
from transfers.management.commands.demo import DEMO_PASSWORD

pytestmark = pytest.mark.django_db


def events(event_type: EventType, **filters):
    return AuditEvent.objects.filter(event_type=event_type, **filters)


def test_a_login_records_user_organisation_address_and_a_timezone_aware_time(client):
    client.post(
        reverse("login"),
        {"username": "wxy", "password": DEMO_PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    row = events(EventType.LOGIN).get()
    assert (row.username, row.client_address, row.outcome) == ("wxy", "10.1.2.3", "success")
    assert row.org == org_of("wxy")
    assert timezone.is_aware(row.at)


def test_every_use_of_a_superuser_stands_out_on_the_trail(client):
    client.post(reverse("login"), {"username": "sysadmin", "password": DEMO_PASSWORD})
    client.get(reverse("admin:index"))
    row = events(EventType.LOGIN, username="sysadmin").get()
    assert row.detail.startswith("【超级用户】")
    assert not events(EventType.LOGIN).exclude(username="sysadmin").exists()


def test_failed_logins_stay_on_the_trail_after_a_successful_one(client):
    for _ in range(2):
        client.post(reverse("login"), {"username": "wxy", "password": "wrong-1234"})
    client.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    assert events(EventType.LOGIN_FAILED, username="wxy", outcome=Outcome.FAILURE).count() == 2
    assert events(EventType.LOGIN, username="wxy").count() == 1


def test_a_lockout_and_a_logout_are_recorded(client):
    for _ in range(6):
        client.post(reverse("login"), {"username": "ltx", "password": "wrong-1234"})
    assert events(EventType.LOCKOUT, username="ltx", outcome=Outcome.REFUSED).exists()
    client.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    client.post(reverse("logout"))
    assert events(EventType.LOGOUT, username="wxy").exists()


def test_another_organisations_transfer_is_a_recorded_refusal(client_as):
    transfer = stage("launched")
    client = client_as("hn")
    assert client.get(url("detail", transfer)).status_code == 404
    row = events(EventType.ACCESS_REFUSED, username="hn").get()
    assert row.outcome == Outcome.REFUSED
    assert (row.object_type, row.object_id) == ("transfers:detail", str(transfer.pk))
    assert row.org == org_of("hn")


def test_a_branch_on_a_committee_page_is_a_recorded_403(client_as):
    assert client_as("wxy_zb1").get(url("branch")).status_code == 403
    assert events(EventType.ACCESS_REFUSED, username="wxy_zb1", detail__startswith="403").exists()


def test_letter_view_pdf_and_exports_are_recorded(client_as):
    transfer = stage("launched")
    client = client_as("wxy")
    client.get(url("letter", transfer))
    client.get(url("letter_pdf", transfer))
    client.post(url("out_history_export"))
    client.post(reverse("transfers:supervision_export", args=["overdue"]))
    assert events(EventType.LETTER_VIEW, object_type="transfers.letter").count() == 1
    assert events(EventType.LETTER_PDF).count() == 1
    assert events(EventType.EXPORT, username="wxy").count() == 2


def test_every_transfer_action_is_recorded_with_its_organisation(client_as):
    transfer = national()  # drafted and launched through the services: two actions
    rows = events(EventType.TRANSFER_ACTION, object_id=str(transfer.pk)).order_by("id")
    assert rows.count() == transfer.events.count() == 2
    assert {r.org_id for r in rows} == {e.org_id for e in transfer.events.all()}


def test_role_and_group_changes_are_recorded(user):
    someone = user("wxy")
    grant_role(someone, org_of("ltx"))
    revoke_role(someone, org_of("ltx"))
    group = Group.objects.create(name="审计测试组")
    someone.groups.add(group)
    rows = events(EventType.ROLE_CHANGE, object_type="auth.user", object_id=str(someone.pk))
    details = list(rows.values_list("detail", flat=True))
    assert f"授予党组织角色：{org_of('ltx').name}" in details
    assert f"撤销党组织角色：{org_of('ltx').name}" in details
    assert any(d.startswith("用户组加入") for d in details)


def test_an_admin_change_is_recorded(user):
    org = org_of("wxy")
    LogEntry.objects.log_actions(
        user_id=user("sysadmin").pk,
        queryset=Organisation.objects.filter(pk=org.pk),
        action_flag=CHANGE,
        change_message="改名",
        single_object=True,
    )
    row = events(EventType.ADMIN_CHANGE).get()
    assert row.username == "sysadmin"
    assert (row.object_type, row.object_id) == ("orgs.organisation", str(org.pk))


def test_an_id_number_in_a_detail_is_masked():
    row = trail.record(EventType.EXPORT, detail="查询 45010319960422077X 的记录")
    assert row.detail == "查询 4501**********077X 的记录"


def test_the_model_and_its_queryset_refuse_changes():
    row = trail.record(EventType.EXPORT, detail="x")
    with pytest.raises(TypeError):
        row.save()
    with pytest.raises(TypeError):
        row.delete()
    with pytest.raises(TypeError):
        AuditEvent.objects.all().update(detail="y")
    with pytest.raises(TypeError):
        AuditEvent.objects.all().delete()


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET detail = 'erased'",
        "DELETE FROM audit_auditevent",
    ],
)
def test_postgresql_refuses_update_and_delete_even_as_the_owner(statement):
    trail.record(EventType.EXPORT, detail="x")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement)


# -- the audit administrator's view --------------------------------------------------------------


def test_the_admin_lists_searches_and_exports_but_cannot_change(client_as, user):
    trail.record(EventType.EXPORT, username="wxy", detail="导出转出历史")
    trail.record(EventType.LOGIN_FAILED, outcome=Outcome.FAILURE, username="nn")
    client = client_as("sysadmin")
    changelist = reverse("admin:audit_auditevent_changelist")
    page = client.get(changelist, {"q": "nn", "outcome__exact": "failure"})
    assert page.status_code == 200
    assert "登录失败" in page.content.decode()
    today = timezone.localdate()
    ranged = client.get(
        changelist,
        {"at__gte": today.isoformat(), "at__lt": (today + dt.timedelta(days=1)).isoformat()},
    )
    assert ranged.status_code == 200
    assert ranged.context["cl"].result_count >= 2
    row = AuditEvent.objects.first()
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert client.post(reverse("admin:audit_auditevent_delete", args=[row.pk])).status_code == 403
    export = client.post(
        changelist,
        {
            "action": "export_csv",
            "_selected_action": list(AuditEvent.objects.values_list("pk", flat=True)),
        },
    )
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    assert "导出转出历史" in body
    assert "登录失败" in body
    assert events(EventType.EXPORT, object_type="audit.auditevent", username="sysadmin").exists()


# -- retention -----------------------------------------------------------------------------------


def _aged(days: int) -> AuditEvent:
    return AuditEvent.objects.create(
        event_type=EventType.LOGIN,
        outcome=Outcome.SUCCESS,
        at=timezone.now() - dt.timedelta(days=days),
    )


def test_purge_removes_only_rows_older_than_the_retention(settings):
    settings.AUDIT_RETENTION_DAYS = 200
    old, young, recent = _aged(400), _aged(190), _aged(1)
    call_command("purge_audit", stdout=open("/dev/null", "w"))  # noqa: SIM115
    left = set(AuditEvent.objects.values_list("pk", flat=True))
    assert old.pk not in left
    assert {young.pk, recent.pk} <= left


@pytest.mark.parametrize("days", [0, 30, 183])
def test_purge_refuses_a_retention_below_184_days(settings, days):
    settings.AUDIT_RETENTION_DAYS = days
    kept = _aged(400)
    with pytest.raises(CommandError, match="184"):
        call_command("purge_audit")
    assert AuditEvent.objects.filter(pk=kept.pk).exists()


def test_a_retention_below_184_days_fails_the_system_check(settings):
    from audit.checks import retention_is_legal

    settings.AUDIT_RETENTION_DAYS = 90
    assert [e.id for e in retention_is_legal(None)] == ["audit.E001"]
    settings.AUDIT_RETENTION_DAYS = 365
    assert retention_is_legal(None) == []


def test_every_event_type_is_written_by_its_code_path(client, client_as, user):
    """The coverage figure: each of the event types is produced by the real code path."""
    from django.test import Client

    transfer = stage("launched")  # transfer actions
    anonymous = Client()
    anonymous.post(reverse("login"), {"username": "nn", "password": "wrong-1234"})
    for _ in range(5):
        anonymous.post(reverse("login"), {"username": "qx", "password": "wrong-1234"})
    anonymous.post(reverse("login"), {"username": "wxy", "password": DEMO_PASSWORD})
    anonymous.get(url("letter", transfer))
    anonymous.get(url("letter_pdf", transfer))
    anonymous.post(url("out_history_export"))
    anonymous.post(reverse("transfers:full_id", args=[transfer.pk]))
    anonymous.get(url("detail", transfer).replace(str(transfer.pk), "999999999"))
    anonymous.post(
        reverse("password_change"),
        {
            "old_password": DEMO_PASSWORD,
            "new_password1": "Xin-Mima-2026",
            "new_password2": "Xin-Mima-2026",
        },
    )
    anonymous.post(reverse("logout"))
    LogEntry.objects.log_actions(
        user_id=user("sysadmin").pk,
        queryset=Organisation.objects.filter(pk=org_of("nn").pk),
        action_flag=CHANGE,
        single_object=True,
    )
    grant_role(user("nn"), org_of("ltx"))
    written = set(AuditEvent.objects.values_list("event_type", flat=True))
    # The second factor's three types need OTP_REQUIRED and a device: tests/test_otp.py
    # asserts each of them (enrolment, verification success and failure, recovery code).
    second_factor = {EventType.OTP_ENROL, EventType.OTP_VERIFY, EventType.OTP_RECOVERY}
    assert written | second_factor == set(EventType.values), set(EventType.values) - written


@pytest.mark.parametrize("n", [1, 3])
def test_a_deletion_in_the_admin_leaves_one_row_per_object(client, n):
    """删除所选 of several objects: Django logs them with bulk_create (no post_save); each still
    gets its audit row, and one object's deletion is not recorded twice."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    doomed = [User.objects.create_user(f"待删账号{i}", password="x") for i in range(n)]
    client.force_login(User.objects.get(username="sysadmin"))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [u.pk for u in doomed],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert not User.objects.filter(pk__in=[u.pk for u in doomed]).exists()
    rows = events(EventType.ADMIN_CHANGE, object_type="auth.user").filter(
        object_id__in=[str(u.pk) for u in doomed]
    )
    assert sorted(r.object_id for r in rows) == sorted(str(u.pk) for u in doomed)
    assert {r.username for r in rows} == {"sysadmin"}
    assert all(r.detail.startswith("【超级用户】删除 待删账号") for r in rows), [
        r.detail for r in rows
    ]


def test_a_deletion_asked_but_not_confirmed_records_nothing(client):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    kept = [User.objects.create_user(f"保留账号{i}", password="x") for i in range(2)]
    client.force_login(User.objects.get(username="sysadmin"))
    response = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in kept]},
    )
    assert response.status_code == 200  # the confirmation page
    assert User.objects.filter(pk__in=[u.pk for u in kept]).count() == 2
    assert not events(EventType.ADMIN_CHANGE, object_type="auth.user").exists()
