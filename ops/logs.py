"""Structured logs: one line per request, the request id on every record, no ID numbers.

``RequestLogMiddleware`` takes the request id from the proxy's ``X-Request-ID`` (nginx sets it)
or makes one, returns it in the response header and logs, when the response is ready, one record
on the ``ops.request`` logger: method, path without the query string (where search terms and
ID numbers would travel), status, duration, user and acting organisation.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid

REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

# 身份证号 (GB 11643): 17 digits and a digit or X, standing alone. Masked wherever it appears,
# valid checksum or not: a log is no place for anything that looks like one.
ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])")
ID_NUMBER_MASK = "<身份证号>"

request_logger = logging.getLogger("ops.request")


def mask_id_numbers(text: str) -> str:
    return ID_NUMBER_RE.sub(ID_NUMBER_MASK, text)


class RequestIdFilter(logging.Filter):
    """Every record carries the id of the request it was logged in ("-" outside requests)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


class MaskIdNumbersFilter(logging.Filter):
    """Replaces anything that looks like an ID number in the message, its arguments, the
    structured fields and the traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = str(record.msg)
        record.msg = mask_id_numbers(message)
        record.args = None
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            record.fields = {
                k: mask_id_numbers(v) if isinstance(v, str) else v for k, v in fields.items()
            }
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_id_numbers(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_id_numbers(record.stack_info)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, request id, message, the record's
    ``fields`` and the traceback if any. The line itself is masked once more."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "request_id": getattr(record, "request_id", REQUEST_ID.get()),
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return mask_id_numbers(json.dumps(entry, ensure_ascii=False, default=str))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = REQUEST_ID.get()
        return mask_id_numbers(super().format(record))


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = REQUEST_ID.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            duration_ms = round((time.monotonic() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            self.log(request, response.status_code, duration_ms)
            return response
        finally:
            REQUEST_ID.reset(token)

    @staticmethod
    def log(request, status: int, duration_ms: float) -> None:
        user = getattr(request, "user", None)
        authenticated = bool(user is not None and user.is_authenticated)
        org = getattr(request, "org", None)
        request_logger.info(
            "%s %s %s %sms",
            request.method,
            request.path,
            status,
            duration_ms,
            extra={
                "fields": {
                    "method": request.method,
                    "path": request.path,
                    "status": status,
                    "duration_ms": duration_ms,
                    "user_id": user.pk if authenticated else None,
                    "username": user.get_username() if authenticated else None,
                    "org_id": org.pk if org is not None else None,
                }
            },
        )
