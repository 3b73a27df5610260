"""Every environment setting, in one place, parsed strictly.

``SETTINGS`` is the registry: each variable the settings (and gunicorn.conf.py) read, with its
default and meaning. docs/configuration.md holds the same table and a test keeps the two equal.
The helpers below read only registered names, so nothing can read the environment unseen, and a
malformed value stops the start with a message naming the variable (配置错误).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as one would write it in the environment; documented as is
    meaning: str


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        # Core
        Setting("DJANGO_SETTINGS_MODULE", "settings.dev", "Which settings module: `settings.prod` in production (the WSGI entry point and the systemd units set it), `settings.dev` for `manage.py` otherwise."),
        Setting("SECRET_KEY", "", "Django's signing key, at least 50 random characters. Required in production."),
        Setting("DEBUG", "0", "Debug pages (never in production)."),
        Setting("ALLOWED_HOSTS", "127.0.0.1,localhost", "Host names the site answers to, comma-separated."),
        Setting("CSRF_TRUSTED_ORIGINS", "", "Origins allowed to POST, comma-separated, each `https://host[:port]`. Needed when the browser's address differs from what the proxy passes on; `https://` + each ALLOWED_HOSTS entry is added automatically when HTTPS=1."),
        # Database and cache
        Setting("DATABASE_URL", "sqlite:///<repository>/db.sqlite3", "The primary database, e.g. `postgres://zuzhi@127.0.0.1:5432/zuzhi`."),
        Setting("DATABASE_REPLICA_URL", "", "A streaming replica of the primary. When set, the heavy reads (histories, 工作督查 and their exports) go there; empty: everything reads the primary."),
        Setting("DB_CONN_MAX_AGE", "0", "Seconds a database connection is kept open between requests (0: one per request)."),
        Setting("DB_PREPARED_STATEMENTS", "1", "PostgreSQL: bind parameters on the server and prepare a statement on its second use on a connection, so that PostgreSQL may keep its plan (with DB_CONN_MAX_AGE > 0); a statement filtering by a path prefix is never prepared (its plan depends on the level). 同意 went from 76–87 to 95–101 a second on the 2-core test machine, and no page at any level got slower at national size (docs/scaling.md). `0` behind PgBouncer in transaction mode older than 1.21 (or without max_prepared_statements)."),
        Setting("REPLICA_STICKY_SECONDS", "30", "After a user's successful POST, their reads stay on the primary this long (read your own writes despite replication lag)."),
        Setting("REDIS_URL", "", "Shared cache (rate limits, login lockouts), e.g. `redis://127.0.0.1:6379/0`. Empty: the database cache table, also shared by every worker and node."),
        Setting("SESSION_STORE", "cache with REDIS_URL, else db", "Where sessions live: `cache` (Redis; no SQL per request for the session; a Redis restart logs everyone out) or `db` (the database table). `cache` requires REDIS_URL."),
        # Behind the proxy
        Setting("HTTPS", "1", "Users reach the site over HTTPS (TLS ends at the proxy). Turns on the HTTPS redirect, HSTS and secure cookies, and, with TRUSTED_PROXIES > 0, trusts the proxy's `X-Forwarded-Proto`. A plain-HTTP intranet sets 0."),
        Setting("TRUSTED_PROXIES", "0", "How many reverse proxies stand in front of the application. The client address is the entry they added to `X-Forwarded-For` (n-th from the right); 0: the connection's address (`REMOTE_ADDR`), and forwarded headers are ignored."),
        Setting("SECURE_COOKIES", "same as HTTPS", "Session and CSRF cookies only over HTTPS. A plain-HTTP intranet must set 0, or nobody can log in."),
        Setting("HSTS_SECONDS", "31536000", "Strict-Transport-Security max-age when HTTPS=1 (0: no HSTS header)."),
        Setting("HSTS_INCLUDE_SUBDOMAINS", "1", "HSTS covers subdomains too. Set 0 if sibling hosts under the same domain still serve plain HTTP."),
        Setting("STATIC_ROOT", "<repository>/staticfiles", "Where `collectstatic` writes the static files (nginx serves them from there)."),
        # Logging
        Setting("LOG_LEVEL", "INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL."),
        Setting("LOG_FORMAT", "json", "`json`: one JSON object per line on stdout (request log and every record); `text`: readable lines."),
        # Gunicorn (read by gunicorn.conf.py)
        Setting("GUNICORN_BIND", "127.0.0.1:8000", "Address gunicorn listens on (nginx proxies to it)."),
        Setting("GUNICORN_WORKERS", "2 × CPU cores + 1", "Worker processes."),
        Setting("GUNICORN_THREADS", "1", "Threads per worker (above 1 uses gthread workers)."),
        Setting("GUNICORN_TIMEOUT", "60", "Seconds a request may take before its worker is restarted (PDFs and exports take the longest)."),
        Setting("GUNICORN_GRACEFUL_TIMEOUT", "30", "Seconds a worker gets to finish its requests on reload or stop."),
        Setting("GUNICORN_MAX_REQUESTS", "10000", "A worker is replaced after this many requests (0: never), bounding memory growth (about 1.3 MB per 1,000 requests, measured); a replacement costs about 1.5 s of CPU (imports, the first pages' templates), so not much sooner."),
        Setting("GUNICORN_ACCESS_LOG", "0", "Gunicorn's own access log to stdout. Off by default: the application already logs each request as JSON, and gunicorn's lines carry query strings, where searches by 身份证号 travel."),
        # The application
        Setting("SESSION_IDLE_SECONDS", "1800", "A session ends after this many seconds without a request."),
        Setting("PAGE_SIZE", "20", "Rows per page in every list."),
        Setting("COUNT_CAP", "10000", "A list stops counting its rows here (显示“10,000+”); the counts on tabs and 首页 stop at 999 (“999+”)."),
        Setting("SUPERVISION_OVERDUE_DAYS", "7", "工作督查: a step pending longer than this many days is 超期未办."),
        Setting("VERIFY_RATE_LIMIT", "20", "介绍信查验: look-ups allowed per client address per window."),
        Setting("VERIFY_RATE_WINDOW", "600", "介绍信查验: the window, in seconds."),
        Setting("EXPORT_RATE_LIMIT", "30", "History and 工作督查 exports allowed per user per window (shared cache); above it a 429 page says to wait."),
        Setting("EXPORT_RATE_WINDOW", "600", "The export window, in seconds."),
        Setting("PUBLIC_BASE_URL", "", "The address printed in the letters' QR codes, e.g. `https://zuzhi.example.gov.cn`; empty: the address the request came in on."),
        Setting("LETTER_WARM_UP", "1 in production, 0 elsewhere", "介绍信 PDF: each worker renders a tiny document with the CJK fonts when it starts (settings/wsgi.py), so its first letter is not seconds slower."),
        Setting("EXCHANGE_SYSTEM_ID", "", "业务交换区: this deployment's name in exchange packages. Required in production."),
        Setting("EXCHANGE_SIGNING_KEY", "", "业务交换区: base64 of this deployment's 32-byte Ed25519 seed. Required in production."),
        Setting("EXCHANGE_TRUSTED_KEYS", "", "业务交换区: `name=base64-public-key,...` of the deployments whose package files are accepted."),
        # Security (安全审计, 身份鉴别, 三员分立)
        Setting("AUDIT_RETENTION_DAYS", "184", "安全审计: audit rows are kept this many days; below 184 (网络安全法 §21) the system check fails and `purge_audit` refuses to run."),
        Setting("AUDIT_SYSLOG", "", "安全审计: also send each audit row, once its transaction has committed, as one JSON line to syslog (facility authpriv, tag `zuzhi-audit`): `udp://host[:port]` for a collector (port 514 by default), or a local socket path such as `/dev/log` for the machine's rsyslog to forward; empty: the rows stay in the database only."),
        Setting("SESSION_ABSOLUTE_SECONDS", "28800", "A session ends this many seconds after login, whatever the activity (8 h)."),
        Setting("OTP_REQUIRED", "0", "第二因素: 1 makes every committee account (a role on a 党委) and every staff or superuser account verify a 6-digit TOTP code (or a single-use recovery code) after the password, enrolling first if it has no device. Production sets 1; off for the demo and the tests."),
        Setting("PASSWORD_MAX_AGE_DAYS", "0", "身份鉴别: a password older than this many days must be changed right after login before any other page (e.g. 90); 0: no maximum age."),
        Setting("ALLOW_COMBINED_ADMIN_ROLES", "0", "三员分立: 1 lets one account hold more than one of 系统管理员/安全管理员/审计管理员 (small deployments only)."),
    ]
}  # fmt: skip

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    if name not in SETTINGS:
        raise ImproperlyConfigured(
            f"{name} is not a registered setting (add it to settings/env.py)"
        )
    return os.environ.get(name)


def _bad(name: str, raw: str, what: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"环境变量配置错误 {name}={raw!r}: {what}")


def env_str(name: str, default: str) -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _bad(name, raw, "not a boolean (use 1/0, true/false, yes/no)")


def env_int(name: str, default: int, *, minimum: int | None = 0) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _bad(name, raw, "not an integer") from None
    if minimum is not None and value < minimum:
        raise _bad(name, raw, f"must be at least {minimum}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: list[str]) -> str:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip()
    matched = [c for c in choices if c.lower() == value.lower()]
    if not matched:
        raise _bad(name, raw, f"must be one of {', '.join(choices)}")
    return matched[0]


def check_url(name: str, raw: str, schemes: set[str], *, path_allowed: bool = True) -> str:
    """``raw`` unchanged if it is a URL with one of ``schemes`` (and a host unless sqlite)."""
    parsed = urlparse(raw)
    if parsed.scheme not in schemes:
        raise _bad(
            name, raw, f"must start with one of {', '.join(sorted(s + '://' for s in schemes))}"
        )
    if parsed.scheme != "sqlite" and not parsed.hostname:
        raise _bad(name, raw, "has no host name")
    try:
        parsed.port  # noqa: B018  -- raises on a port that is not a number
    except ValueError:
        raise _bad(name, raw, "has a port that is not a number") from None
    if not path_allowed and parsed.path not in ("", "/"):
        raise _bad(name, raw, "must be scheme://host[:port] without a path")
    return raw


def env_url(name: str, default: str, schemes: set[str]) -> str:
    raw = _raw(name)
    if raw is None or raw.strip() == "":
        return default
    return check_url(name, raw.strip(), schemes)


def env_syslog(name: str) -> tuple[str, int] | str | None:
    """A syslog destination: ``udp://host[:port]`` as (host, port), 514 by default; an absolute
    path as a local socket; empty or unset: None."""
    raw = (_raw(name) or "").strip()
    if not raw:
        return None
    if raw.startswith("/"):
        return raw
    parsed = urlparse(check_url(name, raw, {"udp"}, path_allowed=False))
    return parsed.hostname, parsed.port or 514


def env_origins(name: str) -> list[str]:
    return [
        check_url(name, origin, {"http", "https"}, path_allowed=False).rstrip("/")
        for origin in env_list(name, [])
    ]


def env_pairs(name: str) -> dict[str, str]:
    """``name=value,name2=value2`` as a dict; an item without ``=`` is an error."""
    pairs = {}
    for item in env_list(name, []):
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise _bad(name, item, "each item must be name=value")
        pairs[key.strip()] = value.strip()
    return pairs
