"""Production: every secret from the environment, HTTPS behind a proxy, hashed static files."""

from django.core.exceptions import ImproperlyConfigured

from settings.base import *  # noqa: F403
from settings.base import ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS, SECRET_KEY, TRUSTED_PROXIES
from settings.env import env_bool, env_int

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters")

# HTTPS=1: users reach the site over HTTPS, TLS ending at the proxy (docs/deploy.md). A plain-HTTP
# intranet sets HTTPS=0, which also turns secure cookies off unless SECURE_COOKIES says otherwise.
HTTPS = env_bool("HTTPS", True)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if HTTPS:
    # (/healthz and /readyz answer before this redirect: ops.health is the first middleware.)
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = env_int("HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HSTS_INCLUDE_SUBDOMAINS", True)
    if TRUSTED_PROXIES > 0:
        # Only a trusted proxy's word counts; nginx sets the header on every request.
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Browsers send Origin: https://<host>; name each allowed host so the CSRF check passes even
    # when the proxy rewrites Host.
    CSRF_TRUSTED_ORIGINS = [
        *CSRF_TRUSTED_ORIGINS,
        *(
            f"https://{'*' if host.startswith('.') else ''}{host}"
            for host in ALLOWED_HOSTS
            if host != "*"
        ),
    ]

# security.W021 asks for HSTS preload: that list is for public internet domains compiled into
# browsers; an intranet host name cannot be on it.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]  # noqa: F405

# 介绍信 PDF: the fonts loaded when a worker starts (settings/wsgi.py).
LETTER_WARM_UP = env_bool("LETTER_WARM_UP", True)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if not EXCHANGE_SYSTEM_ID or not EXCHANGE_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "EXCHANGE_SYSTEM_ID and EXCHANGE_SIGNING_KEY (base64 Ed25519 seed) must be set"
    )
