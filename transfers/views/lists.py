"""The tabs and lists of 组织关系转接: 转出 and 接收, their 待办/已办/历史, and the exports."""

from __future__ import annotations

from dataclasses import replace

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse

from audit import trail
from audit.models import EventType
from members import idsearch
from orgs.paging import BADGE_CAP
from orgs.scoping import org_required
from transfers import selectors
from transfers.exports import ROW_LIMIT
from transfers.forms import (
    HistorySearchForm,
    UnreportedSearchForm,
    WorkSearchForm,
)
from transfers.paths import can_initiate
from transfers.views.batch import batch_context
from transfers.views.common import _page, _tabs
from transfers.views.export_limit import export_view

# -- 组织关系转接: tabs and lists ---------------------------------


@org_required
def index(request):
    """The subsystem opens on 转出 (the manual: 系统默认进入转出页签)."""
    return redirect("transfers:out_todo")


def _work_search(request) -> tuple[WorkSearchForm, selectors.WorkFilters, int | None]:
    """The search form of 待办工作 / 已办工作; a search that cannot be understood is ignored
    field by field (the form says what is wrong)."""
    form = WorkSearchForm(idsearch.search_params(request) or None)
    if not form.is_bound:
        return form, selectors.WorkFilters(), None
    form.is_valid()
    d = form.cleaned_data
    filters = selectors.WorkFilters(
        name=d.get("name", ""),
        id_number=d.get("id_number", ""),
        transfer_type=d.get("transfer_type", ""),
        sort=d.get("sort", ""),
    )
    return form, filters, d.get("size")


def _todo_page(request, qs, name: str):
    form, filters, size = _work_search(request)
    qs = selectors.search_todo(qs, filters)
    unsearched = name if filters == selectors.WorkFilters() else ""  # its compiled pages
    page = _page(request, qs, selectors.todo_ordering(filters), size=size, unsearched=unsearched)
    return form, filters, page


def _done_page(request, qs, name: str):
    """已办工作: counted to the cap of its tab's badge ("999+"), in the same statement. Each
    row counted is a transfer checked for its state through the step this organisation took:
    at a committee with 12,000 members on their way the page's count statement took 38 ms
    counting to 10,000, 16 ms to 999."""
    form, filters, size = _work_search(request)
    qs = selectors.search_done(qs, filters)
    unsearched = name if filters == selectors.WorkFilters() else ""
    ordering = selectors.done_ordering(filters)
    page = _page(request, qs, ordering, size=size, unsearched=unsearched, count_cap=BADGE_CAP)
    return form, page


@org_required
@idsearch.searched_by_post
def out_todo(request):
    """转出 · 待办工作: what waits for this organisation on the way out, and its own returned or
    unlaunched applications."""
    org = request.org
    form, filters, steps = _todo_page(request, selectors.outgoing_todo(org), "out_todo")
    own_filters = replace(filters, sort="")
    own_qs = selectors.search_done(selectors.drafts_and_returned(org), own_filters)
    unsearched = "out_own" if own_filters == selectors.WorkFilters() else ""
    own = _page(request, own_qs, ["-id"], prefix="r_", unsearched=unsearched)
    return render(
        request,
        "transfers/out_todo.html",
        {
            **_tabs(request, "out", "out_todo"),
            "form": form,
            "page": steps,
            "own": own,
            "can_apply": can_initiate(org),
            **batch_context("out_todo", org),
        },
    )


@org_required
@idsearch.searched_by_post
def out_done(request):
    """转出 · 已办工作: unfinished transfers this organisation initiated or approved."""
    form, page = _done_page(request, selectors.outgoing_done(request.org), "out_done")
    return render(
        request,
        "transfers/out_done.html",
        {**_tabs(request, "out", "out_done"), "form": form, "page": page},
    )


@org_required
def out_progress(request):
    """转出 · 转接进度: where each member of this organisation's subtree on the way out stands."""
    page = _page(
        request,
        selectors.outgoing_progress(request.org),
        selectors.PROGRESS_ORDERING,
        unsearched="out_progress",
    )
    return render(
        request,
        "transfers/out_progress.html",
        {**_tabs(request, "out", "out_progress"), "page": page},
    )


def _history(request, *, section, current, selector, date_label, export_url):
    if request.method == "POST":
        return idsearch.redirect_without_id(request)
    form = HistorySearchForm(idsearch.search_params(request) or None)
    filters = _filters(form)
    qs = selector(request.org, filters)
    unsearched = current if filters == selectors.Filters() else ""  # its compiled pages
    if form.is_bound and not form.is_valid():
        # a search that cannot be understood finds nothing, not everything
        qs, unsearched = qs.none(), ""
    page = _page(request, qs, selectors.HISTORY_ORDERING, unsearched=unsearched)
    return render(
        request,
        "transfers/history.html",
        {
            **_tabs(request, section, current),
            "form": form,
            "page": page,
            "date_label": date_label,
            "export_url": f"{reverse(export_url)}?{request.GET.urlencode()}",
            "export_limit": ROW_LIMIT,
        },
    )


def _filters(form) -> selectors.Filters:
    if not form.is_bound or not form.is_valid():
        return selectors.Filters()
    d = form.cleaned_data
    return selectors.Filters(
        name=d.get("name", ""),
        id_number=d.get("id_number", ""),
        transfer_type=d.get("transfer_type", ""),
        date_from=d.get("date_from"),
        date_to=d.get("date_to"),
    )


@org_required
def out_history(request):
    """转出 · 转出历史."""
    return _history(
        request,
        section="out",
        current="out_history",
        selector=selectors.outgoing_history,
        date_label="转出日期",
        export_url="transfers:out_history_export",
    )


@org_required
@idsearch.searched_by_post
def in_todo(request):
    """接收 · 待办工作."""
    form, _filters, page = _todo_page(request, selectors.incoming_todo(request.org), "in_todo")
    return render(
        request,
        "transfers/in_todo.html",
        {
            **_tabs(request, "in", "in_todo"),
            "form": form,
            "page": page,
            "can_inbound": can_initiate(request.org),
            **batch_context("in_todo", request.org),
        },
    )


@org_required
@idsearch.searched_by_post
def in_done(request):
    """接收 · 已办工作."""
    form, page = _done_page(request, selectors.incoming_done(request.org), "in_done")
    return render(
        request,
        "transfers/in_done.html",
        {**_tabs(request, "in", "in_done"), "form": form, "page": page},
    )


@org_required
def in_unreported(request):
    """接收 · 未报到: members received into this organisation's subtree, not yet reported."""
    if request.method == "POST":
        return idsearch.redirect_without_id(request)
    form = UnreportedSearchForm(idsearch.search_params(request) or None)
    filters = _filters(form)
    size = form.cleaned_data.get("size") if form.is_bound and form.is_valid() else None
    page = _page(
        request,
        selectors.not_reported(request.org, filters),
        selectors.NOT_REPORTED_ORDERING,
        size=size,
        unsearched="in_unreported" if filters == selectors.Filters() else "",
    )
    return render(
        request,
        "transfers/in_unreported.html",
        {
            **_tabs(request, "in", "in_unreported"),
            "form": form,
            "page": page,
            **batch_context("in_unreported", request.org),
        },
    )


@org_required
def in_history(request):
    """接收 · 接收历史."""
    return _history(
        request,
        section="in",
        current="in_history",
        selector=selectors.incoming_history,
        date_label="转入日期",
        export_url="transfers:in_history_export",
    )


@org_required
@export_view
def history_export(request, direction: str):
    """The history list as filtered, as an Excel file streamed as it is written."""
    from transfers.exports import history_response

    form = HistorySearchForm(idsearch.search_params(request) or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, "查询条件有误，请修正后再导出。")
        back = "transfers:out_history" if direction == "out" else "transfers:in_history"
        return redirect(f"{reverse(back)}?{request.GET.urlencode()}")
    filters = _filters(form)
    selector = selectors.outgoing_history if direction == "out" else selectors.incoming_history
    qs = selector(request.org, filters).order_by(*selectors.HISTORY_ORDERING)
    trail.record(
        EventType.EXPORT,
        object_type="transfers.transfer",
        detail=f"导出{'转出' if direction == 'out' else '接收'}历史",
    )
    return history_response(qs, direction=direction, org=request.org)
