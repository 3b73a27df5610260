"""The test suite: fast hashing, no secure cookies; SQLite unless DATABASE_URL says PostgreSQL."""

from settings.base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret-zhuanjie-key-0123456789abcdef"
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
ALLOWED_HOSTS = ["*"]

# Serve static files from the app folders directly (no collectstatic outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

EXCHANGE_SYSTEM_ID = "test-system"
EXCHANGE_SIGNING_KEY = "nC7uE2tm6AUvNMXV5FPh6Vw3Do7GQzjQ6NoyW8fHKKY="
