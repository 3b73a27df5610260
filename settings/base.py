"""Settings shared by every environment; dev, test and prod change only a few lines."""

import datetime as dt
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from ops.logconfig import logging_config
from settings.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_origins,
    env_pairs,
    env_str,
    env_syslog,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_origins("CSRF_TRUSTED_ORIGINS")

# How many reverse proxies stand in front; ops.net.client_ip trusts only the entries they add.
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "guardian",
    "treebeard",
    "settings.apps.AxesConfig",
    "ops",
    "orgs",
    "members",
    "transfers",
    "audit",
    # django-otp before accounts: accounts/admin.py takes its English admin pages away.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
]

MIDDLEWARE = [
    # First: /healthz and /readyz answer before host checks, redirects and sessions.
    "ops.health.HealthCheckMiddleware",
    "ops.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ops.headers.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "orgs.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "orgs.middleware.ActingOrganisationMiddleware",
    "ops.routers.ReplicaMiddleware",
    "orgs.middleware.NoStoreMiddleware",
    "accounts.middleware.AbsoluteSessionLimitMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.PasswordMaxAgeMiddleware",
    "audit.middleware.AuditContextMiddleware",
    # Last, so that a lockout answers before any view runs.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "settings.urls"
WSGI_APPLICATION = "settings.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "orgs.context_processors.acting_organisation",
            ],
            # {% id_url %}, {% named_url %}; |date for the pages' formats, written directly;
            # {% extends %} that finds the root template's blocks once.
            "builtins": [
                "ops.templatetags.links",
                "ops.templatetags.dates",
                "ops.templatetags.extends",
            ],
        },
    },
]

# SQLite is the embedded default for the one-command demo; DATABASE_URL selects PostgreSQL.
_DB_SCHEMES = {"sqlite", "postgres", "postgresql", "pgsql"}
_CONN_MAX_AGE = env_int("DB_CONN_MAX_AGE", 0)
# PostgreSQL plans each statement anew; planning the pages' few fixed statements (the user with
# its organisation, a transfer by its key, its steps, an action's updates) costs more than
# running them. With prepared statements psycopg prepares a statement on its second use on a
# connection and PostgreSQL may keep a generic plan for it. The backend (ops.postgresql) never
# prepares a statement that filters by a path prefix: its best plan depends on the level.
# Helps only with persistent connections (DB_CONN_MAX_AGE); behind PgBouncer in transaction
# mode it needs PgBouncer 1.21+ with max_prepared_statements (docs/scaling.md).
_PREPARED = env_bool("DB_PREPARED_STATEMENTS", True)


def _database(url: str) -> dict:
    config = dj_database_url.parse(url, conn_max_age=_CONN_MAX_AGE)
    if config["ENGINE"] == "django.db.backends.postgresql":
        config["ENGINE"] = "ops.postgresql"
        if _PREPARED:
            config.setdefault("OPTIONS", {}).update(server_side_binding=True, prepare_threshold=2)
    return config


DATABASES = {
    "default": _database(
        env_url("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}", _DB_SCHEMES)
    )
}
# A streaming replica for the heavy reads (ops.routers); reads stay on the primary without one.
_REPLICA_URL = env_url("DATABASE_REPLICA_URL", "", _DB_SCHEMES)
if _REPLICA_URL:
    DATABASES["replica"] = _database(_REPLICA_URL)
REPLICA_DATABASE = "replica" if _REPLICA_URL else None
DATABASE_ROUTERS = ["ops.routers.ReplicaRouter"]
# URL names whose reads go to the replica: the histories, 工作督查 and their exports.
REPLICA_URL_NAMES = [
    "transfers:out_history",
    "transfers:out_history_export",
    "transfers:in_history",
    "transfers:in_history_export",
    "transfers:supervision",
    "transfers:supervision_export",
]
# Of those, the ones asked for by POST that only read (the exports: POST for the CSRF token).
REPLICA_READ_ONLY_POSTS = [
    "transfers:out_history_export",
    "transfers:in_history_export",
    "transfers:supervision_export",
]
REPLICA_STICKY_SECONDS = env_int("REPLICA_STICKY_SECONDS", 30)

# One cache shared by every worker and node: rate limits and login lockouts live here. Redis when
# REDIS_URL is set, else a table in the database (made by ops' first migration).
_REDIS_URL = env_url("REDIS_URL", "", {"redis", "rediss", "unix"})
if _REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "ops.redis_cache.RedisCache",
            "LOCATION": _REDIS_URL,
            "KEY_PREFIX": "zuzhi",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "ops_cache",
        }
    }
# Sessions: in Redis when there is one (no SQL on a request's way in or out; a Redis restart
# logs everyone out, as the 30-minute idle limit would soon), else in the database.
_SESSION_STORE = env_choice("SESSION_STORE", "cache" if _REDIS_URL else "db", ["cache", "db"])
SESSION_ENGINE = {
    "cache": "ops.sessions",  # Django's cache store; an unchanged session is saved by a touch
    "db": "django.contrib.sessions.backends.db",
}[_SESSION_STORE]
if _SESSION_STORE == "cache" and not _REDIS_URL:
    raise ImproperlyConfigured(
        "SESSION_STORE=cache needs REDIS_URL: the database cache would only add queries."
    )
# Widgets written in Python where Django's templates are the plain ones (ops.widgets).
FORM_RENDERER = "ops.widgets.WidgetRenderer"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "orgs.backends.RoleBackend",
    "guardian.backends.ObjectPermissionBackend",
]

# Password policy (等保 身份鉴别): ≥ 8 characters of three classes, not common, not like the
# username, up to 128 characters.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassesValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A session ends after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock a username from one client address after 5 failures for 30 minutes, so a
# stranger elsewhere cannot lock a known account out (the address is ops.net.client_ip's, behind
# the trusted proxies); accounts.throttle adds a growing delay per username across addresses.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HANDLER = "axes.handlers.cache.AxesCacheHandler"
AXES_CACHE = "default"
AXES_CLIENT_IP_CALLABLE = "ops.net.client_ip"

# django-guardian: no anonymous user row, direct foreign-key permission models only.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
# Chinese for what third-party apps leave in English (django-axes in 系统管理).
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True
# The pages render inside {% localize off %} (templates/base.html): a number or a date printed
# without a filter takes these formats instead of being localised value by value (three format
# lookups each; a list page prints some 250 numbers). They are zh-hans's own, so the text is the
# same (tests/test_localize_off.py).
DATE_FORMAT = SHORT_DATE_FORMAT = "Y年n月j日"
DATETIME_FORMAT = SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "Y年n月"
MONTH_DAY_FORMAT = "m月j日"

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs go to stdout (journald or the container collects them): JSON lines by default, one per
# request (ops.logs) plus every other record, each with the request id; ID numbers masked.
# Audit rows go to syslog as well when AUDIT_SYSLOG says where (audit.trail, after the commit).
AUDIT_SYSLOG = env_syslog("AUDIT_SYSLOG")
LOGGING = logging_config(
    level=env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    fmt=env_choice("LOG_FORMAT", "json", ["json", "text"]),
    audit_syslog=AUDIT_SYSLOG,
)

# Lists: how many rows a page shows, and where counting stops above county level.
PAGE_SIZE = env_int("PAGE_SIZE", 20, minimum=1)
COUNT_CAP = env_int("COUNT_CAP", 10_000)

# Each environment adds what it must silence, with its reason (test, prod).
SILENCED_SYSTEM_CHECKS: list[str] = []


# 工作督查: a step pending longer than this many days is 超期未办.
SUPERVISION_OVERDUE_DAYS = env_int("SUPERVISION_OVERDUE_DAYS", 7)

# 介绍信查验 (public): at most this many look-ups per client address per window (seconds).
VERIFY_RATE_LIMIT = (
    env_int("VERIFY_RATE_LIMIT", 20, minimum=1),
    env_int("VERIFY_RATE_WINDOW", 600, minimum=1),
)
# Where the public verification page is reached from outside (printed in the letters' QR code);
# empty: the address the request came in on.
PUBLIC_BASE_URL = env_url("PUBLIC_BASE_URL", "", {"http", "https"})
# 介绍信 PDF: render a tiny document with the CJK fonts when a WSGI worker starts, so that the
# first letter a user asks for is not seconds slower (fontconfig and Pango load on first use).
LETTER_WARM_UP = env_bool("LETTER_WARM_UP", False)

# 业务交换区: this deployment's name, its Ed25519 signing key (base64 of the 32-byte seed) and the
# public keys of the deployments whose package files it accepts ("name=base64key,name2=...").
EXCHANGE_SYSTEM_ID = env_str("EXCHANGE_SYSTEM_ID", "")
EXCHANGE_SIGNING_KEY = env_str("EXCHANGE_SIGNING_KEY", "")
EXCHANGE_TRUSTED_KEYS = env_pairs("EXCHANGE_TRUSTED_KEYS")

# A form posted from a stale page: a Chinese page with a way back (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "orgs.views.csrf_failure"

# A batch (批量同意/接收/报到) may hold transfers.services.BATCH_LIMIT = 500 rows, as its page
# says, and posts up to three fields a row: ids, v<id> (the version the page showed) and b<id>
# (批量接收's 转入支部). Django's default of 1,000 refused a batch of 500 with 400 before any
# view ran (the lists offer at most 200 rows a page, so a batch from one page stayed below).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

# -- Security (issue 10): audit trail --------------------------------------------------------------
# Audit rows are kept this many days; below 184 (网络安全法 §21) the system check audit.E001 stops
# the deployment and purge_audit refuses to run.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 184)

# -- Security (issue 10): accounts ---------------------------------------------------------------
# A session ends 8 hours after login whatever the activity (idle: SESSION_COOKIE_AGE).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 8 * 60 * 60)
# 三员分立: one account may hold one of the three administrator groups only.
ALLOW_COMBINED_ADMIN_ROLES = env_bool("ALLOW_COMBINED_ADMIN_ROLES", False)
# 第二因素: committee, staff and superuser accounts verify a TOTP code (or a recovery code) after
# the password. Off for the demo and the tests; production turns it on (docs/configuration.md).
OTP_REQUIRED = env_bool("OTP_REQUIRED", False)
OTP_TOTP_ISSUER = "全国党员管理信息系统"
# Wrong codes count towards axes' lockout like wrong passwords (accounts/otp.py); django-otp's own
# per-device delay would only refuse a right code typed within seconds of a wrong one.
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
# A password older than this many days must be changed before any other page (0: no limit).
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 0)
# Exports (history, 工作督查): POST only, at most this many per user per window (shared cache).
EXPORT_RATE_LIMIT = env_int("EXPORT_RATE_LIMIT", 30, minimum=1)
EXPORT_RATE_WINDOW = env_int("EXPORT_RATE_WINDOW", 600, minimum=1)
