"""Environment settings: one registry, one documented table, strict parsing, and production
settings that pass Django's deployment checks before and after collectstatic."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from settings import env
from settings.env import SETTINGS

ROOT = Path(__file__).resolve().parent.parent
READ_RE = re.compile(r"\benv_\w+\(\s*\"([A-Z0-9_]+)\"")
ROW_RE = re.compile(r"^\| `([A-Z0-9_]+)` \| (.*?) \| (.*) \|$")

PROD_ENV = {
    "DJANGO_SETTINGS_MODULE": "settings.prod",
    "SECRET_KEY": "prod-like-" + "k7Qz9xT2mV" * 6,
    "ALLOWED_HOSTS": "zuzhi.example.gov.cn",
    "EXCHANGE_SYSTEM_ID": "gx",
    "EXCHANGE_SIGNING_KEY": "nC7uE2tm6AUvNMXV5FPh6Vw3Do7GQzjQ6NoyW8fHKKY=",
    "HTTPS": "1",
    "TRUSTED_PROXIES": "1",
}


def documented() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in (ROOT / "docs" / "configuration.md").read_text().splitlines():
        match = ROW_RE.match(line)
        if match:
            rows[match[1]] = (match[2].strip("`"), match[3])
    return rows


def test_the_documented_table_is_the_registry():
    table = documented()
    assert list(table) == list(SETTINGS)
    for name, setting in SETTINGS.items():
        default, meaning = table[name]
        assert default == (setting.default or "(empty)"), name
        assert meaning == setting.meaning, name


def test_every_variable_the_settings_read_is_registered():
    sources = [*(ROOT / "settings").glob("*.py"), ROOT / "gunicorn.conf.py", ROOT / "manage.py"]
    read = set()
    for path in sources:
        text = path.read_text()
        read |= set(READ_RE.findall(text))
        if path.name != "env.py":
            # Only the registry's helpers touch the environment (setdefault of the settings
            # module in manage.py and wsgi.py excepted).
            direct = re.findall(r"os\.environ(?:\.get)?[\[(]\"?([A-Z_]*)", text)
            assert set(direct) <= {"", "DJANGO_SETTINGS_MODULE"}, (path, direct)
    assert read, "no env_* call found: has the pattern changed?"
    assert read <= set(SETTINGS), read - set(SETTINGS)


def test_an_unregistered_name_is_refused():
    with pytest.raises(ImproperlyConfigured, match="NOT_A_SETTING"):
        env.env_str("NOT_A_SETTING", "")


@pytest.mark.parametrize(
    ("reader", "name", "raw", "message"),
    [
        (lambda: env.env_bool("DEBUG", False), "DEBUG", "maybe", "not a boolean"),
        (lambda: env.env_int("PAGE_SIZE", 20, minimum=1), "PAGE_SIZE", "twenty", "not an integer"),
        (lambda: env.env_int("PAGE_SIZE", 20, minimum=1), "PAGE_SIZE", "0", "at least 1"),
        (
            lambda: env.env_choice("LOG_FORMAT", "json", ["json", "text"]),
            "LOG_FORMAT",
            "xml",
            "one of json, text",
        ),
        (
            lambda: env.env_url("REDIS_URL", "", {"redis"}),
            "REDIS_URL",
            "127.0.0.1:6379",
            "must start with",
        ),
        (
            lambda: env.env_url("DATABASE_URL", "", {"postgres"}),
            "DATABASE_URL",
            "postgres://:5432/x",
            "no host",
        ),
        (
            lambda: env.env_url("DATABASE_URL", "", {"postgres"}),
            "DATABASE_URL",
            "postgres://db:port/x",
            "port",
        ),
        (
            lambda: env.env_origins("CSRF_TRUSTED_ORIGINS"),
            "CSRF_TRUSTED_ORIGINS",
            "zuzhi.example.gov.cn",
            "must start with",
        ),
        (
            lambda: env.env_pairs("EXCHANGE_TRUSTED_KEYS"),
            "EXCHANGE_TRUSTED_KEYS",
            "hn=abc,broken",
            "name=value",
        ),
    ],
)
def test_a_malformed_value_names_the_variable(monkeypatch, reader, name, raw, message):
    monkeypatch.setenv(name, raw)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        reader()
    assert name in str(excinfo.value)
    assert message in str(excinfo.value)


def test_well_formed_values_are_read(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://a.example.cn, https://b.example.cn:8443/")
    monkeypatch.setenv("EXCHANGE_TRUSTED_KEYS", "hn=AAA=,gd=BBB")
    monkeypatch.setenv("LOG_FORMAT", "TEXT")
    assert env.env_origins("CSRF_TRUSTED_ORIGINS") == [
        "https://a.example.cn",
        "https://b.example.cn:8443",
    ]
    assert env.env_pairs("EXCHANGE_TRUSTED_KEYS") == {"hn": "AAA=", "gd": "BBB"}
    assert env.env_choice("LOG_FORMAT", "json", ["json", "text"]) == "text"


def python(*args: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
    # The suite's own environment minus every setting (and conftest's async switch, which
    # check --deploy rightly flags).
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in SETTINGS and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    environment.update(extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def manage(*args: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
    return python("manage.py", *args, extra=extra)


def test_a_bad_value_stops_the_start_with_its_name():
    result = manage("check", extra={**PROD_ENV, "TRUSTED_PROXIES": "two"})
    assert result.returncode != 0
    assert "TRUSTED_PROXIES='two': not an integer" in result.stderr


def test_production_settings_pass_the_deployment_checks_before_and_after_collectstatic(
    tmp_path,
):
    extra = {
        **PROD_ENV,
        "STATIC_ROOT": str(tmp_path / "static"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    for step in (
        ["check", "--deploy", "--fail-level", "WARNING"],
        ["migrate", "--noinput", "-v", "0"],  # before collectstatic, as deploy scripts do
        ["collectstatic", "--noinput", "-v", "0"],
        ["check", "--deploy", "--fail-level", "WARNING"],
    ):
        result = manage(*step, extra=extra)
        assert result.returncode == 0, (step, result.stdout, result.stderr)
    assert (tmp_path / "static" / "staticfiles.json").exists()
    response = manage(
        "shell",
        "-c",
        "from django.test import Client; "
        "r = Client().get('/favicon.ico', secure=True, HTTP_HOST='zuzhi.example.gov.cn'); "
        "print(r.status_code, r['Location'])",
        extra=extra,
    )
    assert re.search(r"301 /static/favicon\.[0-9a-f]{12}\.svg", response.stdout), response


def test_every_url_name_sent_to_the_replica_exists():
    """A renamed URL would silently fall back to the primary; name each one."""
    from django.conf import settings
    from django.urls import NoReverseMatch, reverse

    for name in settings.REPLICA_URL_NAMES:
        try:
            reverse(name)
        except NoReverseMatch:
            reverse(name, args=["overdue"])  # the 督查 export takes which list


PREPARED = {"server_side_binding": True, "prepare_threshold": 2}
PG = "postgres://u@127.0.0.1:5432/db"


@pytest.mark.parametrize(
    ("flag", "url", "expected"),
    [
        (None, PG, PREPARED),  # on by default
        ("0", PG, None),
        ("1", PG, PREPARED),
        (None, "sqlite:////tmp/x.sqlite3", None),
    ],
)
def test_prepared_statements_are_asked_for_postgresql_only(flag, url, expected):
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default'].get('OPTIONS', {}); "
        "print({k: o[k] for k in ('server_side_binding', 'prepare_threshold') if k in o} or None)"
    )
    extra = {**PROD_ENV, "DATABASE_URL": url}
    if flag is not None:
        extra["DB_PREPARED_STATEMENTS"] = flag
    result = python("-c", code, extra=extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(expected)
