"""The audit trail in the Django admin: read-only, searchable, exportable (CSV).

The audit administrator (审计管理员) holds ``view_auditevent`` and ``export_auditevent`` and
nothing else. Nobody, not even a superuser, can add, change or delete a row here.
"""

from __future__ import annotations

import csv
import datetime as dt

from django.contrib import admin
from django.contrib.admin.actions import delete_selected as django_delete_selected
from django.contrib.admin.models import DELETION
from django.http import StreamingHttpResponse
from django.utils import timezone

from audit import trail
from audit.models import AuditEvent, EventType, Outcome
from audit.signals import admin_row

EXPORT_LIMIT = 100_000
OBJECT_LABELS = {
    "transfers.transfer": "转接",
    "transfers.letter": "介绍信",
    "transfers.exchangepackage": "交换包",
    "transfers.supervision": "工作督查",
    "members.member": "党员",
    "orgs.organisation": "党组织",
    "orgs.organisationuserobjectpermission": "党组织角色",
    "auth.user": "账号",
    "auth.group": "用户组",
    "audit.auditevent": "审计记录",
}
HEADER = [
    "时间",
    "用户名",
    "党组织",
    "客户端地址",
    "事件类型",
    "对象类型",
    "对象标识",
    "结果",
    "说明",
]


class _Echo:
    def write(self, value):
        return value


def _safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


class DateRangeFilter(admin.DateFieldListFilter):
    """时间范围: the usual choices plus two typed dates (from, to exclusive) as at__gte/at__lt."""

    template = "admin/audit/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        self.hidden = [
            (k, v)
            for k, values in request.GET.lists()
            if k not in (self.lookup_kwarg_since, self.lookup_kwarg_until)
            for v in values
        ]
        self.since_value = request.GET.get(self.lookup_kwarg_since, "")[:10]
        self.until_value = request.GET.get(self.lookup_kwarg_until, "")[:10]

    def queryset(self, request, queryset):
        """Typed dates are local midnight (Asia/Shanghai); a mistyped one filters nothing."""
        tz = timezone.get_current_timezone()
        for key, lookup in (
            (self.lookup_kwarg_since, "at__gte"),
            (self.lookup_kwarg_until, "at__lt"),
        ):
            raw = self.used_parameters.get(key)
            raw = raw[-1] if isinstance(raw, list) else raw
            if not raw:
                continue
            try:
                value = dt.datetime.fromisoformat(str(raw)[:25])
            except ValueError:
                continue
            if timezone.is_naive(value):
                value = value.replace(tzinfo=tz)
            queryset = queryset.filter(**{lookup: value})
        return queryset


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "at", "username", "org_name", "client_address", "event_type", "object_label",
        "object_id", "outcome", "detail",
    ]  # fmt: skip
    list_filter = ["event_type", "outcome", ("at", DateRangeFilter)]
    search_fields = ["=username", "org_name", "=client_address", "=object_id"]
    show_full_result_count = False
    list_per_page = 50
    actions = ["export_csv"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    @admin.display(description="对象类型", ordering="object_type")
    def object_label(self, obj):
        return OBJECT_LABELS.get(obj.object_type, "页面" if ":" in obj.object_type else "—")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("audit.export_auditevent"):
            actions.pop("export_csv", None)
        return actions

    @admin.action(description="导出所选审计记录（CSV）")
    def export_csv(self, request, queryset):
        rows = queryset.order_by("at", "id")[:EXPORT_LIMIT]
        trail.record(
            EventType.EXPORT,
            request=request,
            object_type="audit.auditevent",
            detail=f"导出审计记录（{request.GET.urlencode()[:200]}）",
        )
        writer = csv.writer(_Echo())
        tz = timezone.get_current_timezone()

        def lines():
            yield "\ufeff"  # Excel reads UTF-8 CSV with a BOM
            yield writer.writerow(HEADER)
            for e in rows.iterator(chunk_size=2000):
                yield writer.writerow(
                    [
                        e.at.astimezone(tz).isoformat(timespec="seconds"),
                        *(
                            _safe(v)
                            for v in (
                                e.username,
                                e.org_name,
                                e.client_address,
                                EventType(e.event_type).label,
                                e.object_type,
                                e.object_id,
                                Outcome(e.outcome).label,
                                e.detail,
                            )
                        ),
                    ]
                )

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
        return response


@admin.action(permissions=["delete"], description=django_delete_selected.short_description)
def delete_selected(modeladmin, request, queryset):
    """Django's 删除所选 (every model's list in the admin), with an audit row for each object
    it deletes. Django logs the deletion of several objects with one ``bulk_create`` of its
    log entries, which sends no ``post_save``, so ``audit.signals`` does not see them (one
    object's entry is saved alone and recorded there)."""
    confirmed = request.method == "POST" and request.POST.get("post")
    doomed = [(obj.pk, str(obj)[:200]) for obj in queryset] if confirmed else []
    response = django_delete_selected(modeladmin, request, queryset)
    model = modeladmin.model
    if (
        response is None
        and len(doomed) > 1
        and not model._base_manager.filter(pk__in=[pk for pk, _ in doomed]).exists()
    ):
        object_type = f"{model._meta.app_label}.{model._meta.model_name}"
        trail.record_all(
            [admin_row(request.user, object_type, pk, DELETION, text) for pk, text in doomed]
        )
    return response


admin.site.add_action(delete_selected, "delete_selected")
