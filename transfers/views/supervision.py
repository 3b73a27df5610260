"""工作督查 pages: overdue lists, the table per subordinate, the monthly chart, 督办, exports."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import EventType
from members.idcard import mask_id_number
from orgs.forms import Form
from orgs.paging import page_counts, paginate
from orgs.scoping import org_required
from transfers import list_statements, supervision
from transfers.errors import TransferError
from transfers.exports import rows_response
from transfers.forms import DateField
from transfers.models import TransferStep
from transfers.services import Actor
from transfers.views.export_limit import export_view


class SupervisionFilter(Form):
    date_from = DateField(label="起", required=False)
    date_to = DateField(label="止", required=False)
    days = forms.IntegerField(label="超期天数", min_value=1, max_value=365, required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期。")
        return data

    def period(self) -> supervision.Period:
        default = supervision.Period.this_year()
        if not self.is_bound or not self.is_valid():
            return default
        return supervision.Period(
            start=self.cleaned_data.get("date_from") or default.start,
            end=self.cleaned_data.get("date_to") or default.end,
        )

    def overdue_days(self) -> int | None:
        return self.cleaned_data.get("days") if self.is_bound and self.is_valid() else None


def chart_svg(volume: list[tuple[dt.date, int, int]]) -> dict:
    """Geometry of a grouped bar chart (转出 / 接收 per month) drawn by the template as SVG."""
    width, height, left, bottom, top = 760, 240, 40, 30, 16
    peak = max([1, *(max(o, i) for _, o, i in volume)])
    step = (width - left - 10) / len(volume)
    bar = step * 0.34
    scale = (height - bottom - top) / peak
    bars = []
    for n, (month, out, came_in) in enumerate(volume):
        x = left + n * step + step * 0.14
        bars.append(
            {
                "label": f"{month.month}月" if month.month != 1 else f"{month.year}年1月",
                "title": f"{month:%Y-%m}",
                "out": out,
                "in": came_in,
                "x_out": round(x, 1),
                "x_in": round(x + bar + 2, 1),
                "h_out": round(out * scale, 1),
                "h_in": round(came_in * scale, 1),
                "y_out": round(height - bottom - out * scale, 1),
                "y_in": round(height - bottom - came_in * scale, 1),
                "x_label": round(x + bar, 1),
            }
        )
    ticks = sorted({0, peak // 2, peak})
    return {
        "width": width,
        "height": height,
        "bar": round(bar, 1),
        "bars": bars,
        "base": height - bottom,
        "left": left,
        "ticks": [{"value": t, "y": round(height - bottom - t * scale, 1)} for t in ticks],
    }


@org_required
def supervision_page(request):
    """工作督查 for the logged-in organisation's subtree."""
    org = request.org
    form = SupervisionFilter(request.GET or None)
    period = form.period()
    days = form.overdue_days()
    list_counts = page_counts(request)  # the four lists are counted in one statement
    # Each list's statements are compiled once (list_statements); its time limit is a value
    # of them, the same one its queryset is built with.

    def page(name: str, prefix: str, **values):
        statements = list_statements.SUPERVISION[name]
        return paginate(
            statements.selector(org, **values),
            statements.ordering,
            after=request.GET.get(f"{prefix}_after"),
            before=request.GET.get(f"{prefix}_before"),
            size=statements.size,
            counts=list_counts,
            compiled=list_statements.supervision_list(name, org, **values),
        )

    overdue = page("overdue", "o", limit=supervision.overdue_limit(days))
    unreported = page("unreported", "u", today=timezone.localdate())
    receipts = page("receipts", "m", limit=supervision.receipt_limit())
    children = page("children", "s", depth=org.depth + 1)
    volume = supervision.monthly_volume(org)
    return render(
        request,
        "transfers/supervision.html",
        {
            "form": form,
            "period": period,
            "overdue_days": days or settings.SUPERVISION_OVERDUE_DAYS,
            "overdue": overdue,
            "unreported": unreported,
            "receipts": receipts,
            "children": children,
            "rows": supervision.subordinates(org, period, children.rows),
            "counts": supervision.counts(org, period),
            "volume": volume,
            "chart": chart_svg(volume),
            "today": timezone.localdate(),
            "section": "supervision",
            "subtabs": [],
        },
    )


@require_POST
@org_required
def remind(request, step_id: int):
    """【督办】 on an overdue row."""
    step = get_object_or_404(
        TransferStep.objects.select_related("org"),
        pk=step_id,
        org_path__startswith=request.org.path,
    )
    try:
        supervision.remind(
            actor=Actor(user=request.user, org=request.org),
            step=step,
            message=request.POST.get("message", ""),
        )
    except TransferError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已督办：提醒已显示在{step.org.name}的首页，直至该环节办理。")
    return redirect("transfers:supervision")


EXPORTS = {
    "overdue": (
        "超期未办",
        ["序号", "姓名", "身份证号", "转接类型", "待办党组织", "职责", "到达时间", "已等待天数"],
    ),
    "unreported": (
        "超期未报到",
        ["序号", "姓名", "身份证号", "转出党组织", "转入支部", "转入日期", "介绍信有效期至"],
    ),
    "receipts": (
        "未收到回执",
        ["序号", "姓名", "身份证号", "转出党组织", "去向", "办结党组织", "办结日期"],
    ),
    "subordinates": ("下级党组织统计", ["序号", "党组织", "待办", "超期未办", "期间完成"]),
}
# The columns written as text: the ID number where there is one; the statistics are numbers.
TEXT_COLUMNS = {"overdue": {2}, "unreported": {2}, "receipts": {2}, "subordinates": set()}


@org_required
@export_view
def supervision_export(request, which: str):
    """Excel export of one list of 工作督查, as filtered."""
    if which not in EXPORTS:
        raise Http404
    org = request.org
    form = SupervisionFilter(request.GET or None)
    period, days = form.period(), form.overdue_days()
    title, headers = EXPORTS[which]
    now = timezone.now()
    trail.record(EventType.EXPORT, object_type="transfers.supervision", detail=f"导出{title}")
    if which == "overdue":
        qs = supervision.overdue_steps(org, days).order_by(*supervision.OVERDUE_ORDERING)
        rows = (
            [
                s.transfer.member_name,
                mask_id_number(s.transfer.id_number),
                s.transfer.get_type_display(),
                s.org.name,
                s.get_role_display(),
                s.pending_since,  # a date-time cell, in local time
                (now - s.pending_since).days,
            ]
            for s in qs.iterator(chunk_size=2000)
        )
    elif which == "unreported":
        qs = supervision.overdue_unreported(org)
        rows = (
            [
                t.member_name,
                mask_id_number(t.id_number),
                t.source_name,
                t.dest_branch.name if t.dest_branch_id else "",
                t.received_on,
                t.letter_expires_on,  # the current letter's, kept on the row
            ]
            for t in qs.order_by(*supervision.UNREPORTED_ORDERING)
        )
    elif which == "receipts":
        qs = supervision.missing_receipts(org).order_by(*supervision.RECEIPT_ORDERING)
        rows = (
            [
                t.member_name,
                mask_id_number(t.id_number),
                t.source_name,
                t.target_name,
                t.receiver.name if t.receiver_id else "",
                timezone.localtime(t.finished_at).date(),
            ]
            for t in qs.iterator(chunk_size=2000)
        )
    else:
        children = list(supervision.direct_subordinates(org).order_by("path"))
        rows = (
            [r.org.name, r.pending, r.overdue, r.completed]
            for r in supervision.subordinates(org, period, children)
        )
    return rows_response(
        rows, title=title, headers=headers, org=org, text_columns=TEXT_COLUMNS[which]
    )
