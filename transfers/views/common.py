"""What the pages of 组织关系转接 share: the actor, the sub-tabs, paging and refusals."""

from __future__ import annotations

from functools import partial

from orgs.paging import Count, badge, page_counts, paginate
from transfers import list_statements
from transfers.errors import TransferError
from transfers.models import Transfer, TransferState
from transfers.services import Actor


def _actor(request) -> Actor:
    return Actor(user=request.user, org=request.org)


def _tabs(request, section: str, current: str) -> dict:
    """The sub-tabs of 转出 or 接收 with their counts (all of them in one statement)."""
    org = request.org
    if section == "out":
        names = [
            ("out_todo", "待办工作"),
            ("out_done", "已办工作"),
            ("out_progress", "转接进度"),
            ("out_history", "转出历史"),
        ]
    else:
        names = [
            ("in_todo", "待办工作"),
            ("in_done", "已办工作"),
            ("in_unreported", "未报到"),
            ("in_history", "接收历史"),
        ]
    # Compiled once per process (list_statements): a tab bar is on every list page.
    tabs = [(name, label, list_statements.tab_count(name, org)) for name, label in names]
    # Counted with the page's list when the template first shows one (orgs.paging.Counts);
    # the template calls each function.
    counts = page_counts(request)
    shown = []
    for name, label, count in tabs:
        value = counts.add(count)
        shown.append((name, label, value if isinstance(count, Count) else partial(_badge, value)))
    return {"section": section, "subtabs": shown, "current": current}


def _badge(value) -> str:
    return badge(value())


def _page(
    request,
    qs,
    ordering,
    prefix="",
    size: int | None = None,
    unsearched: str = "",
    count_cap: int | None = None,
):
    """One page of ``qs``. ``unsearched``: the name of the list ``qs`` is when nothing narrows
    it, whose pages are compiled once (``list_statements.compiled_list``); empty otherwise."""
    return paginate(
        qs,
        ordering,
        after=request.GET.get(f"{prefix}after"),
        before=request.GET.get(f"{prefix}before"),
        size=size,
        count_cap=count_cap,
        counts=page_counts(request),
        compiled=list_statements.compiled_list(unsearched, request.org) if unsearched else None,
    )


def _apply_error(form, error: TransferError) -> None:
    """A service's refusal, next to the field it concerns (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "target" and "target_query" in form.fields:
        field = "target_query"
    form.add_error(field, error.message)


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


def _where_now(transfer: Transfer, *, fresh: bool = False) -> str:
    """One sentence: where the transfer is now. ``fresh``: ``transfer`` is the instance the
    service changed (and, after 同意, knows its new pending step), so nothing is read again."""
    known = getattr(transfer, "pending_steps", None) if fresh else None
    if not fresh:
        transfer.refresh_from_db()
    if transfer.state == TransferState.IN_PROGRESS:
        step = known[0] if known else transfer.pending_step
        return f"转接已送至{step.org.name}{step.get_role_display()}。"
    return f"转接当前状态：{transfer.get_state_display()}。"
