"""The one-command demo: SQLite, debug pages, a fixed development key."""

from ops.logconfig import logging_config
from settings.base import *  # noqa: F403
from settings.env import env_choice, env_str

DEBUG = True
SECRET_KEY = env_str("SECRET_KEY", "dev-only-not-secret-zhuanjie-demo-key-0123456789")

# Serve static files from the app folders directly (no collectstatic outside production).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# A fixed, public development key: packages signed with it prove nothing outside the demo.
EXCHANGE_SYSTEM_ID = EXCHANGE_SYSTEM_ID or "demo"  # noqa: F405
EXCHANGE_SIGNING_KEY = EXCHANGE_SIGNING_KEY or "nC7uE2tm6AUvNMXV5FPh6Vw3Do7GQzjQ6NoyW8fHKKY="  # noqa: F405

# Readable log lines at the console unless LOG_FORMAT says json.
LOGGING = logging_config(
    level=env_choice("LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]),
    fmt=env_choice("LOG_FORMAT", "text", ["json", "text"]),
    audit_syslog=AUDIT_SYSLOG,  # noqa: F405
)
