"""Delete audit rows older than AUDIT_RETENTION_DAYS (never fewer than 184 days).

Run it as the database owner, not as the application's role (which holds no DELETE on the
table), e.g. once a month from cron:

    DATABASE_URL=postgres://zuzhi_owner@db/zuzhi manage.py purge_audit

On PostgreSQL the table's trigger lets a DELETE through only inside a transaction that set
``zuzhi.audit_purge`` and only for rows older than 184 days, so even the owner cannot delete a
younger row this way. ``--dry-run`` counts without deleting.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import MIN_RETENTION_DAYS, AuditEvent

BATCH = 10_000


class Command(BaseCommand):
    help = "删除超过保存期限（AUDIT_RETENTION_DAYS，至少184天）的审计记录；须以数据库属主身份运行。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args, dry_run: bool = False, **options):
        days = getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)
        if not isinstance(days, int) or days < MIN_RETENTION_DAYS:
            raise CommandError(
                f"AUDIT_RETENTION_DAYS={days!r} 小于法定最低保存期限"
                f"{MIN_RETENTION_DAYS}天，拒绝删除。"
            )
        cutoff = timezone.now() - dt.timedelta(days=days)
        old = AuditEvent.objects.filter(at__lt=cutoff)
        if dry_run:
            self.stdout.write(f"{old.count()} 条审计记录早于 {cutoff:%Y-%m-%d %H:%M}（未删除）。")
            return
        total = 0
        try:
            while True:
                with transaction.atomic():
                    if connection.vendor == "postgresql":
                        with connection.cursor() as cursor:
                            cursor.execute("SET LOCAL zuzhi.audit_purge = 'on'")
                    ids = list(old.order_by("at", "id").values_list("id", flat=True)[:BATCH])
                    if not ids:
                        break
                    # The QuerySet refuses delete(); the purge is the one deliberate exception.
                    total += old.filter(pk__in=ids)._raw_delete(connection.alias)
        except DatabaseError as e:
            raise CommandError(f"删除被数据库拒绝（须以数据库属主身份运行）：{e}") from e
        self.stdout.write(f"已删除 {total} 条早于 {cutoff:%Y-%m-%d %H:%M} 的审计记录。")
