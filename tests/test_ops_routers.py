"""The replica router: heavy reads to the replica, the rest to the primary, and a user who just
wrote reads the primary for a while. The replica alias here is the test database itself (TEST
MIRROR); what counts is which connection the queries went through."""

from __future__ import annotations

import time

import pytest
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ops.routers import STICKY_SESSION_KEY, ReplicaRouter
from orgs.models import Organisation

# Streaming replicas are PostgreSQL's; SQLite's shared in-memory test database also locks tables
# between two connections, which a mirror alias would be.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(databases=["default", "replica"])]


@pytest.fixture
def with_replica(settings):
    settings.REPLICA_DATABASE = "replica"


@pytest.fixture(autouse=True)
def _close_the_replica_connection():
    yield
    connections["replica"].close()  # else the test database cannot be dropped at the end


def queries_on_each(client, url: str, method: str = "get", **data) -> tuple[int, int, int]:
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        response = getattr(client, method)(url, data)
        if response.streaming:  # an export reads its rows while it is sent
            b"".join(response.streaming_content)
    return response.status_code, len(primary), len(replica)


@pytest.mark.parametrize(
    "name",
    ["transfers:out_history", "transfers:in_history", "transfers:supervision"],
)
def test_heavy_lists_read_the_replica(client_as, with_replica, name):
    status, _primary, replica = queries_on_each(client_as("wxy"), reverse(name))
    assert status == 200
    assert replica > 0


def test_the_history_export_reads_the_replica(client_as, with_replica):
    status, _, replica = queries_on_each(
        client_as("wxy"), reverse("transfers:out_history_export"), method="post"
    )
    assert status == 200
    assert replica > 0


@pytest.mark.parametrize("name", ["transfers:out_todo", "transfers:in_todo", "home"])
def test_other_pages_read_the_primary(client_as, with_replica, name):
    status, primary, replica = queries_on_each(client_as("wxy"), reverse(name))
    assert status == 200
    assert (primary, replica) > (0, 0)
    assert replica == 0


def test_without_a_replica_everything_reads_the_primary(client_as):
    status, primary, replica = queries_on_each(client_as("wxy"), reverse("transfers:out_history"))
    assert status == 200
    assert primary > 0
    assert replica == 0


def test_after_a_successful_post_the_user_reads_the_primary(client_as, org, with_replica):
    client = client_as("wxy")
    status, _, _ = queries_on_each(
        client, reverse("switch_org"), "post", org=org("wxy").pk, next="/"
    )
    assert status == 302
    status, primary, replica = queries_on_each(client, reverse("transfers:out_history"))
    assert status == 200
    assert replica == 0
    assert primary > 0


def test_the_primary_is_read_only_for_the_sticky_time(client_as, with_replica, settings):
    client = client_as("wxy")
    session = client.session
    session[STICKY_SESSION_KEY] = time.time() - 1  # the sticky time has passed
    session.save()
    _, _, replica = queries_on_each(client, reverse("transfers:out_history"))
    assert replica > 0
    assert settings.REPLICA_STICKY_SECONDS == 30


def test_an_export_post_reads_the_replica_and_is_not_a_write(client_as, with_replica):
    client = client_as("wxy")
    address = reverse("transfers:supervision_export", args=["overdue"])
    status, _, replica = queries_on_each(client, address, "post")
    assert status == 200
    assert replica > 0
    assert STICKY_SESSION_KEY not in client.session


def test_a_failed_post_is_not_a_write(client_as, with_replica):
    client = client_as("wxy")
    status, _, _ = queries_on_each(client, reverse("switch_org"), "post", org="not-a-number")
    assert status == 404
    _, _, replica = queries_on_each(client, reverse("transfers:out_history"))
    assert replica > 0


def test_the_router_writes_and_migrates_the_primary_only(settings):
    router = ReplicaRouter()
    settings.REPLICA_DATABASE = "replica"
    assert router.db_for_write(Organisation) == "default"
    assert router.db_for_read(Organisation) is None  # outside a marked request
    assert router.allow_migrate("default", "orgs") is True
    assert router.allow_migrate("replica", "orgs") is False
