"""System checks: a retention shorter than the legal minimum stops the deployment."""

from django.conf import settings
from django.core.checks import Error, register

from audit.models import MIN_RETENTION_DAYS


@register()
def retention_is_legal(app_configs, **kwargs):
    days = getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
    if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
        return [
            Error(
                f"AUDIT_RETENTION_DAYS={days!r}: audit rows must be kept at least "
                f"{MIN_RETENTION_DAYS} days (网络安全法 §21).",
                id="audit.E001",
            )
        ]
    return []
