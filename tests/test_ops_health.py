"""/healthz and /readyz: no login, no session, cheap, and a 503 that names what failed."""

import json
import logging

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from ops import health

BROKEN_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",  # the discard port: nothing answers
    }
}


@pytest.fixture(autouse=True)
def _forget_migrations(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_healthz_answers_without_the_database(client):
    response = client.get("/healthz")  # no django_db mark: a query would raise
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "sessionid" not in response.cookies


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["zuzhi.example.gov.cn"])
def test_probes_over_plain_http_by_address_are_not_redirected_or_refused(client):
    assert client.get("/healthz", HTTP_HOST="127.0.0.1:8000").status_code == 200


@pytest.mark.django_db
def test_readyz_checks_database_migrations_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert json.loads(response.content) == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
    }
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_readyz_remembers_applied_migrations_so_probes_stay_cheap(client):
    client.get("/readyz")
    with CaptureQueriesContext(connection) as queries:
        client.get("/readyz")
    assert len(queries) == 1  # SELECT 1


@pytest.mark.django_db
def test_readyz_is_503_naming_unapplied_migrations(client, monkeypatch):
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "fail"
    assert body["migrations"] == "fail: RuntimeError"
    assert body["database"] == "ok"


@pytest.mark.django_db
@override_settings(CACHES=BROKEN_CACHE)
def test_readyz_is_503_naming_the_cache_and_logs_no_error(client, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["cache"].startswith("fail")
    assert body["database"] == "ok"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_readyz_is_503_naming_the_database(client, monkeypatch):
    def refuse():
        raise ConnectionError("refused")

    monkeypatch.setitem(health.CHECKS, "database", refuse)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["database"] == "fail: ConnectionError"
    assert body["migrations"] == "skipped"
