"""Shared fixtures: the demo tree loaded once, named actors, and the browser launch settings.

Tests that need PostgreSQL or Chromium skip on a newcomer's machine with a reason. CI sets
REQUIRE_ALL_TESTS=1, under which such a skip is a failure, so CI always runs everything.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from orgs.models import Organisation

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright

REQUIRE_ALL = os.environ.get("REQUIRE_ALL_TESTS", "").lower() in {"1", "true", "yes"}
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--lang=zh-CN",  # as on the users' machines: date inputs read 年/月/日
]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_ALL and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under REQUIRE_ALL_TESTS=1: {reason}"


def _db_order(item) -> int:
    """pytest-django's order: rolled-back DB tests, then transactional ones, then the rest."""
    from django.test import TestCase, TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls and issubclass(cls, TransactionTestCase):
        return 0 if issubclass(cls, TestCase) else 1
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", [])
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )
    if transactional:
        return 1
    return 0 if marker or "db" in fixtures else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    # pytest regroups items by parametrized session fixtures (Playwright's browser) after
    # pytest-django has put transactional tests last; a flush in the middle would then empty
    # the demo data under the tests that follow. Sort again, stably, as pytest-django does.
    items.sort(key=_db_order)
    for item in items:
        if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL"))
        if item.get_closest_marker("browser") and not shutil.which(CHROMIUM_PATH):
            item.add_marker(
                pytest.mark.skip(
                    reason=f"needs Chromium at {CHROMIUM_PATH} (apt-get install chromium)"
                )
            )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo once for every test that runs inside a rolled-back transaction.

    pytest-django runs transactional tests after all the others; those flush the database and
    load what they need themselves (the ``demo_db`` fixture).
    """
    with django_db_blocker.unblock():
        call_command("demo", quiet_table=True)


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: login throttles and rate limits counted by one
    test must not refuse another's requests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def demo_db(transactional_db):
    """The demo data in a transactional test (flushed again when the test ends)."""
    call_command("demo", quiet_table=True)


@pytest.fixture
def org(db):
    """org("wxy") → the organisation the demo login ``wxy`` acts for."""

    def lookup(username: str) -> Organisation:
        return Organisation.objects.get(organisationuserobjectpermission__user__username=username)

    return lookup


@pytest.fixture
def user(db):
    def lookup(username: str):
        return get_user_model().objects.get(username=username)

    return lookup


@pytest.fixture
def client_as(client, user):
    """client_as("wxy") → the test client logged in as that demo user."""

    def login(username: str):
        client.force_login(user(username))
        return client

    return login


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM_PATH, "args": CHROMIUM_ARGS}
