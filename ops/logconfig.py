"""The LOGGING dict: everything to stdout, JSON lines or text, request id on every record and ID
numbers masked. Imported by the settings, so it imports nothing of Django's."""

from __future__ import annotations


def logging_config(*, level: str, fmt: str) -> dict:
    return {
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
