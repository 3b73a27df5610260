from django.apps import AppConfig


class OpsConfig(AppConfig):
    """运维: what running the site needs that is neither the tree nor transfers — client
    addresses behind proxies, the shared cache, health checks, request logs, the replica router
    and the system checks for fonts."""

    name = "ops"
    verbose_name = "运行维护"

    def ready(self) -> None:
        from ops import checks  # noqa: F401  -- registers the system checks
