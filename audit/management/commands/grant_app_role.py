"""Set up the application's least-privilege PostgreSQL role (run as the owner, after migrate).

Migrations run as the owner of the tables. The application connects as another role that holds
ordinary DML on every table, but only SELECT and INSERT on the append-only tables (the audit trail
and the transfer event log). It owns nothing, so it cannot TRUNCATE, ALTER, DROP or disable the
triggers of those tables, nor replace their trigger functions. Default privileges give it the same
rights on tables that later migrations create. Run again after every migration that adds an
append-only table (it is idempotent)::

    DATABASE_URL=postgres://zuzhi_owner@db/zuzhi manage.py migrate
    APP_DB_PASSWORD=… DATABASE_URL=postgres://zuzhi_owner@db/zuzhi \\
        manage.py grant_app_role --role zuzhi_app --password-env APP_DB_PASSWORD
    # the application then runs with DATABASE_URL=postgres://zuzhi_app:…@db/zuzhi
"""

from __future__ import annotations

import os
import re

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# Tables whose rows are never changed: the application may only read and append.
APPEND_ONLY_TABLES = ("audit_auditevent", "transfers_transferevent")
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def grant_statements(role: str) -> list[str]:
    """The GRANT/REVOKE statements, ``role`` already validated and quoted."""
    append_only = ", ".join(APPEND_ONLY_TABLES)
    return [
        f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {role}",
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {append_only} FROM {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        # Tables and sequences the owner creates later (new migrations).
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
    ]


class Command(BaseCommand):
    help = "创建或更新应用程序使用的最小权限数据库角色（须以表的属主身份运行）。"

    def add_arguments(self, parser):
        parser.add_argument("--role", default="zuzhi_app", help="应用程序连接数据库所用的角色名")
        parser.add_argument(
            "--password-env",
            default="",
            help="从该环境变量读取角色口令（不在命令行上传递口令）；留空则不设置口令",
        )

    def handle(self, *args, role: str, password_env: str, **options):
        if connection.vendor != "postgresql":
            raise CommandError("仅适用于PostgreSQL。")
        if not ROLE_NAME.match(role):
            raise CommandError(f"角色名 {role!r} 不合法（小写字母、数字、下划线）。")
        password = os.environ.get(password_env, "") if password_env else ""
        if password_env and not password:
            raise CommandError(f"环境变量 {password_env} 未设置。")
        quoted = connection.ops.quote_name(role)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_user, current_database()")
            owner, database = cursor.fetchone()
            if owner == role:
                raise CommandError("应用角色不能是表的属主：请以属主身份运行本命令。")
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cursor.fetchone() else "CREATE"
            cursor.execute(
                f"{verb} ROLE {quoted} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                "NOREPLICATION NOBYPASSRLS" + (" PASSWORD %s" if password else ""),
                [password] if password else None,
            )
            cursor.execute(
                f"GRANT CONNECT ON DATABASE {connection.ops.quote_name(database)} TO {quoted}"
            )
            for statement in grant_statements(quoted):
                cursor.execute(statement)
        self.stdout.write(
            f"角色 {role} 已就绪：对 {', '.join(APPEND_ONLY_TABLES)} 只有 SELECT、INSERT，"
            f"其余表可读写；属主 {owner} 今后新建的表自动授权。"
        )
