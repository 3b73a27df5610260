"""The test suite: fast hashing, no secure cookies; SQLite unless DATABASE_URL says PostgreSQL."""

# On PostgreSQL the suite prepares statements as production does by default
# (DB_PREPARED_STATEMENTS, docs/configuration.md), so every query the code makes works that way.
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

# Each process its own cache, so tests do not see each other's rate limits and lockouts; the
# production caches (Redis, the database table) are shared, tests/test_ops_cache.py shows it.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# axes.W001 says a local-memory cache is per process: intended here, and only here.
SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "axes.W001"]  # noqa: F405
# A replica alias that is the test database itself, used only where tests/test_ops_routers.py
# turns the routing on with REPLICA_DATABASE = "replica".
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
REPLICA_DATABASE = None
