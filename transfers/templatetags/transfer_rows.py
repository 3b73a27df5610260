"""The rows of the transfer lists, and cells that a template would need an include per row for.

A list page renders twenty rows; an ``{% include %}`` with its ``{% with %}`` and ``{% if %}``
chain cost about 0.14 ms a row, the tag a tenth of that; a whole row in the template 0.15–0.25
ms, written here (``_rows``) a fifth of that.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

from ops.templatetags.dates import date
from ops.templatetags.links import id_url

register = template.Library()


@register.simple_tag
def letter_days(transfer) -> str:
    """介绍信有效期 of a row: 剩N天 (marked from 7 days on), 已过期N天, or — without a letter."""
    days = transfer.letter_days_left()
    if days is None:
        return "—"
    if days < 0:
        return format_html('<span class="badge badge-danger">已过期{}天</span>', -days)
    css = "badge badge-warn" if days <= 7 else "badge"
    return format_html('<span class="{}">剩{}天</span>', css, days)


def _day(value) -> str:
    """``|date:"Y-m-d"`` of a date, or of a time in the current time zone; "" for None."""
    return "" if value is None else date(template_localtime(value), "Y-m-d")


def _rows(page, empty: str, colspan: int, row) -> str:
    """The rows of ``page``, each written by ``row(n, obj)`` with ``format_html`` (every value
    escaped), or the one row saying the list is empty.

    A list's rows are written here rather than in its template, as Django's admin writes its
    change list's rows: a template's dozen to twenty nodes a row cost 0.15–0.25 ms a row, a
    fifth of a list page. Each list's template keeps its header; ``tests/test_transfer_rows.py``
    compares every row with the template markup it replaced.
    """
    if not page.rows:
        return format_html('<tr><td colspan="{}" class="empty">{}</td></tr>', colspan, empty)
    return mark_safe("".join(row(n, obj) for n, obj in page.numbered()))  # noqa: S308


def _select_all(context) -> str:
    """ " checked" on every row's box after 全选本页 (``?select=all``)."""
    return mark_safe(" checked") if context["request"].GET.get("select") == "all" else ""


# 待办工作 (_todo_table.html): the tick box, 序号, 姓名, 性别, 身份证号, 转接类型, 转出党组织,
# 转入党组织, 发起日期, 本节点职责, 已等待, 介绍信有效期, 操作.
_TODO_ROW = (
    '<tr><td class="check"><input type="checkbox" name="ids" value="{}" aria-label="选择{}"{}>'
    "</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td class="mono">{}</td><td>{}</td><td class="wrap">{}</td><td class="wrap">{}</td>'
    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td class="actions"><a href="{}">查看介绍信</a> <a href="{}">业务办理</a></td></tr>\n'
)
_OVERDUE = '<span class="badge badge-danger">超期 {} 天</span>'


@register.simple_tag(takes_context=True)
def todo_rows(context, page, empty_text: str) -> str:
    """The steps of 待办工作; one past its 办理期限 says 超期."""
    checked, now = _select_all(context), context["now"]

    def row(n, step):
        t = step.transfer
        waiting = step.waiting_days
        overdue = step.due_at is not None and step.due_at < now
        return format_html(
            _TODO_ROW,
            t.pk,
            t.member_name,
            checked,
            n,
            t.member_name,
            t.gender_display,
            t.masked_id_number,
            t.get_type_display(),
            t.source_name,
            t.target_name,
            _day(t.launched_at),
            step.get_role_display(),
            format_html(_OVERDUE, waiting) if overdue else f"{waiting} 天",
            letter_days(t),
            id_url("transfers:letter", t.pk),
            id_url("transfers:detail", t.pk),
        )

    return _rows(page, empty_text, 13, row)


# 已办工作 (_done_table.html): 序号, 姓名, 性别, 身份证号, 转接类型, 转出党组织, 转入党组织,
# 当前办理党组织, 发起日期, 状态, 操作 (查看, and 撤销 for the initiator until received).
_DONE_ROW = (
    '<tr><td>{}</td><td>{}</td><td>{}</td><td class="mono">{}</td>'
    '<td>{}</td><td class="wrap">{}</td><td class="wrap">{}</td>'
    '<td class="wrap">{}</td><td>{}</td>'
    '<td><span class="state state-{}">{}</span></td>'
    '<td class="actions"><a href="{}">查看</a>{}</td></tr>\n'
)
_REVOKE = ' <a href="{}" data-dialog="revoke-dialog" data-action="{}" data-version="{}">撤销</a>'


@register.simple_tag(takes_context=True)
def done_rows(context, page) -> str:
    """The transfers of 已办工作."""
    acting = context["acting_org"]

    def row(n, t):
        current = t.current_org
        revoke = ""
        if t.initiator_id == acting.pk and t.state != "received":
            url = id_url("transfers:revoke", t.pk)
            revoke = format_html(_REVOKE, url, url, t.version)
        return format_html(
            _DONE_ROW,
            n,
            t.member_name,
            t.gender_display,
            t.masked_id_number,
            t.get_type_display(),
            t.source_name,
            t.target_name,
            current.name if current is not None and current.name else "—",
            _day(t.launched_at),
            t.state,
            t.get_state_display(),
            id_url("transfers:detail", t.pk),
            revoke,
        )

    return _rows(page, "暂无未办结的已办工作。", 11, row)


# 转出历史 / 接收历史 (history.html): 序号, 姓名, 性别, 身份证号, 转接类型, 转出党组织,
# 转入党组织 (the receiving branch, else the target), 转出日期, 转入日期, 状态, 操作.
_HISTORY_ROW = (
    '<tr><td>{}</td><td>{}</td><td>{}</td><td class="mono">{}</td>'
    '<td>{}</td><td class="wrap">{}</td><td class="wrap">{}</td>'
    "<td>{}</td><td>{}</td>"
    '<td><span class="state state-{}">{}</span></td>'
    '<td class="actions"><a href="{}">查看</a></td></tr>\n'
)


@register.simple_tag
def history_rows(page) -> str:
    """The finished transfers of 转出历史 or 接收历史."""

    def row(n, t):
        return format_html(
            _HISTORY_ROW,
            n,
            t.member_name,
            t.gender_display,
            t.masked_id_number,
            t.get_type_display(),
            t.source_name,
            t.dest_branch_name or t.target_name,
            _day(t.launched_at),
            _day(t.received_on) or "—",
            t.state,
            t.get_state_display(),
            id_url("transfers:detail", t.pk),
        )

    return _rows(page, "没有符合条件的记录。", 11, row)


# 未报到 (in_unreported.html): the tick box, 序号, 姓名, 性别, 身份证号, 转接类型, 转出党组织,
# 接收党支部, 转入日期, 介绍信有效期, 操作.
_UNREPORTED_ROW = (
    '<tr><td class="check"><input type="checkbox" name="ids" value="{}" aria-label="选择{}"{}>'
    "</td><td>{}</td><td>{}</td><td>{}</td>"
    '<td class="mono">{}</td><td>{}</td><td class="wrap">{}</td><td class="wrap">{}</td>'
    "<td>{}</td><td>{}</td>"
    '<td class="actions"><a href="{}">查看介绍信</a> <a href="{}">业务办理</a></td></tr>\n'
)


@register.simple_tag(takes_context=True)
def unreported_rows(context, page) -> str:
    """The received members of 未报到."""
    checked = _select_all(context)

    def row(n, t):
        return format_html(
            _UNREPORTED_ROW,
            t.pk,
            t.member_name,
            checked,
            n,
            t.member_name,
            t.gender_display,
            t.masked_id_number,
            t.get_type_display(),
            t.source_name,
            t.dest_branch_name,
            _day(t.received_on),
            letter_days(t),
            id_url("transfers:letter", t.pk),
            id_url("transfers:detail", t.pk),
        )

    return _rows(page, "暂无未报到的党员。", 11, row)


def _time(value) -> str:
    """``|date:"Y-m-d H:i"`` of a time in the current time zone; "" for None."""
    return "" if value is None else date(template_localtime(value), "Y-m-d H:i")


# 转接进度 (out_progress.html): 序号, 姓名, 身份证号, 转接类型, 转出党支部, 目的地党组织, 当前环节,
# 等待起始, 转接路径, 操作; each cell labelled for the phone's cards (data-label).
_PROGRESS_ROW = (
    '<tr><td data-label="序号">{}</td><td data-label="姓名">{}</td>'
    '<td data-label="身份证号" class="mono">{}</td><td data-label="转接类型">{}</td>'
    '<td data-label="转出党支部" class="wrap">{}</td>'
    '<td data-label="目的地党组织" class="wrap">{}</td>'
    '<td data-label="当前环节" class="wrap">{}</td><td data-label="等待起始">{}</td>'
    '<td data-label="转接路径" class="wrap"><ol class="route" aria-label="转接路径">{}</ol></td>'
    '<td data-label="操作" class="actions"><a href="{}">查看'
    '<span class="visually-hidden">{}的转接</span></a></td></tr>\n'
)
_ROUTE_STEP = '<li class="route-step state-{}"{}>{}<span class="route-role">（{}{}）</span></li>'
_CURRENT = '<strong>{}</strong> <span class="state state-{}">{}</span>'
_RETURNED = '<span class="state state-returned">已退回</span> 待发起党组织修改后重新发起或撤销'


def _route(transfer) -> str:
    """This round's path: each organisation (its short name), its role, and — once it has
    acted — what it did; the pending one marked as the current step."""
    steps = []
    for s in transfer.route:
        pending = s.state == "pending"
        acted = "" if pending or s.state == "waiting" else f"·{s.get_state_display()}"
        steps.append(
            format_html(
                _ROUTE_STEP,
                s.state,
                mark_safe(' aria-current="step"') if pending else "",
                s.org.short_name or s.org.name,
                s.get_role_display(),
                acted,
            )
        )
    return mark_safe("".join(steps))  # noqa: S308 - each step built by format_html


def _where(t) -> tuple[str, str]:
    """当前环节 and 等待起始 of a transfer on its way."""
    now = t.where_now
    if now is not None:
        current = format_html(_CURRENT, now.org.name, "in_progress", now.get_role_display())
        return current, _time(now.pending_since)
    if t.state == "received":
        current = format_html(
            _CURRENT, t.dest_branch_name or t.target_name, "received", "已接收，待报到"
        )
        return current, _day(t.received_on)
    if t.state == "returned":
        current = mark_safe(
            '<span class="state state-returned">已退回</span> 待发起党组织修改后重新发起或撤销'
        )
    else:
        current = format_html(
            '<span class="state state-draft">{}</span> 待发起党组织确认发起', t.get_state_display()
        )
    return current, _time(t.launched_at or t.created_at)


@register.simple_tag(takes_context=True)
def progress_rows(context, page) -> str:
    """The transfers of 转接进度: where each stands now, since when, and its path."""
    branch = context["acting_org"].is_branch

    def row(n, t):
        current, since = _where(t)
        return format_html(
            _PROGRESS_ROW,
            n,
            t.member_name,
            t.masked_id_number,
            t.get_type_display(),
            t.source_name,
            t.target_name,
            current,
            since,
            _route(t),
            id_url("transfers:detail", t.pk),
            t.member_name,
        )

    empty = f"{'本支部' if branch else '本级及下级'}暂无正在办理的组织关系转接。"
    return _rows(page, empty, 10, row)
