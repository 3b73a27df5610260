"""The LOGGING dict: everything to stdout, JSON lines or text, request id on every record and ID
numbers masked. Imported by the settings, so it imports nothing of Django's."""

from __future__ import annotations


def logging_config(*, level: str, fmt: str, audit_syslog: tuple | str | None = None) -> dict:
    """``audit_syslog``: where ``audit.forward`` sends each audit row (``AUDIT_SYSLOG``), a
    (host, port) for UDP or a local socket's path; None: nowhere."""
    config: dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "ops.logs.RequestIdFilter"},
            "mask_id_numbers": {"()": "ops.logs.MaskIdNumbersFilter"},
        },
        "formatters": {
            "json": {"()": "ops.logs.JsonFormatter"},
            "text": {"()": "ops.logs.TextFormatter"},
        },
        "handlers": {
            "stdout": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "formatter": fmt,
                "filters": ["request_id", "mask_id_numbers"],
            }
        },
        "root": {"handlers": ["stdout"], "level": level},
        "loggers": {
            # Django's own handlers (mail_admins, the console under DEBUG) are replaced by ours.
            "django": {"handlers": ["stdout"], "level": level, "propagate": False},
            # The request log (ops.logs) already says every 4xx/5xx with its request id; keep
            # django.request for the tracebacks of 500s.
            "django.request": {"handlers": ["stdout"], "level": "ERROR", "propagate": False},
            "django.server": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
            "axes": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
            "weasyprint": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
            "fontTools": {"handlers": ["stdout"], "level": "WARNING", "propagate": False},
        },
    }
    if audit_syslog is not None:
        config["handlers"]["audit_syslog"] = {
            # A socket that is not there yet is tried again at each row (the handler's own
            # behaviour), so a syslog daemon restarting does not stop the application.
            "class": "logging.handlers.SysLogHandler",
            "address": audit_syslog,
            "facility": "authpriv",
            "formatter": "json",  # whatever LOG_FORMAT says: a collector parses these
            "filters": ["request_id", "mask_id_numbers"],
            ".": {"ident": "zuzhi-audit: "},
        }
        config["loggers"]["audit.forward"] = {
            "handlers": ["audit_syslog"],
            "level": "INFO",
            "propagate": False,
        }
    return config
