"""Production: every secret from the environment, secure cookies, hashed static files."""

from django.core.exceptions import ImproperlyConfigured

from settings.base import *  # noqa: F403
from settings.base import SECRET_KEY
from settings.env import env_bool

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to at least 50 random characters")

SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if not EXCHANGE_SYSTEM_ID or not EXCHANGE_SIGNING_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "EXCHANGE_SYSTEM_ID and EXCHANGE_SIGNING_KEY (base64 Ed25519 seed) must be set"
    )
