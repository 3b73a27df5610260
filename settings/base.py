"""Settings shared by every environment; dev, test and prod change only a few lines."""

from pathlib import Path

import dj_database_url

from settings.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = env_str("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

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
    "orgs",
    "members",
    "transfers",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "orgs.middleware.ActingOrganisationMiddleware",
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
        },
    },
]

# SQLite is the embedded default for the one-command demo; DATABASE_URL selects PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A session ends after 30 minutes without a request.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock a username after 5 failures, whatever the IP (behind a proxy all share one).
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_COOLOFF_TIME = 1  # hours
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

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

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Lists: how many rows a page shows, and where counting stops above county level.
PAGE_SIZE = env_int("PAGE_SIZE", 20)
COUNT_CAP = env_int("COUNT_CAP", 10_000)

# axes.W006 warns that locking by username alone lets an attacker rotate IPs; that is the point
# here: behind the intranet's proxy every user shares one IP, and the issue asks for per-username.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# 工作督查: a step pending longer than this many days is 超期未办.
SUPERVISION_OVERDUE_DAYS = env_int("SUPERVISION_OVERDUE_DAYS", 7)

# 介绍信查验 (public): at most this many look-ups per client address per window (seconds).
VERIFY_RATE_LIMIT = (env_int("VERIFY_RATE_LIMIT", 20), env_int("VERIFY_RATE_WINDOW", 600))
# Where the public verification page is reached from outside (printed in the letters' QR code);
# empty: the address the request came in on.
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "")

# 业务交换区: this deployment's name, its Ed25519 signing key (base64 of the 32-byte seed) and the
# public keys of the deployments whose package files it accepts ("name=base64key,name2=...").
EXCHANGE_SYSTEM_ID = env_str("EXCHANGE_SYSTEM_ID", "")
EXCHANGE_SIGNING_KEY = env_str("EXCHANGE_SIGNING_KEY", "")
EXCHANGE_TRUSTED_KEYS = dict(
    item.split("=", 1) for item in env_list("EXCHANGE_TRUSTED_KEYS", []) if "=" in item
)

# A form posted from a stale page: a Chinese page with a way back (templates/403_csrf.html).
CSRF_FAILURE_VIEW = "orgs.views.csrf_failure"
