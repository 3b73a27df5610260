from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与安全"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from accounts import signals  # noqa: F401 - login time for the absolute session limit
        from accounts.admin_roles import ensure_admin_groups

        post_migrate.connect(ensure_admin_groups, dispatch_uid="accounts_admin_groups")
