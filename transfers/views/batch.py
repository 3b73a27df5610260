"""Graduation season: 批量同意, 批量接收, 批量报到 and 打印介绍信 for many rows at once.

The lists (待办工作, 未报到) post nothing: their checkboxes send the chosen ids by GET to one of
these pages, which shows the rows, asks the confirmation once and, on POST, calls the batch
service (each member its own transaction and event). The outcome, row by row, is kept in the
session for the result page, so reloading it does not act again. Plain forms; JavaScript only
adds the 全选 box.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from orgs.forms import Form
from orgs.ids import parse_id
from orgs.scoping import committee_required, org_required
from transfers import rules, selectors, services
from transfers.errors import TransferError
from transfers.forms import DateField, IdChoiceField, ReceiveFields, TickField, TickInput
from transfers.models import Transfer
from transfers.rules import Action
from transfers.services import BATCH_LIMIT, CONFIRM_CHECKED, CONFIRM_REPORTED, Row
from transfers.views.common import _actor

# One PDF of many letters: WeasyPrint takes about 0.15 s a letter, so a request stays short.
LETTER_LIMIT = 50
BACK = {
    "out_todo": "transfers:out_todo",
    "in_todo": "transfers:in_todo",
    "in_unreported": "transfers:in_unreported",
}
RESULT_KEY = "batch_result"
# With JavaScript, 确定 stays grey until the box is ticked (the server checks it too).
CONFIRM_BOX = TickInput(attrs={"data-confirm": ""})


def batch_context(back: str, org) -> dict:
    """What a list needs for its batch bar: which batches it offers this organisation."""
    if back == "in_unreported":
        buttons = [("transfers:batch_report", "批量报到")]
    else:
        buttons = [("transfers:batch_approve", "批量同意")] if org.is_committee else []
        if back == "in_todo" and org.is_committee:
            buttons.append(("transfers:batch_receive", "批量接收"))
    buttons.append(("transfers:batch_letters", "打印介绍信"))
    return {
        "batch_back": back,
        "batch_buttons": buttons,
        "batch_limit": BATCH_LIMIT,
        "letter_limit": LETTER_LIMIT,
        "now": timezone.now(),
    }


class BatchApproveForm(Form):
    confirmed = TickField(label=CONFIRM_CHECKED, widget=CONFIRM_BOX)
    opinion = forms.CharField(
        label="审批意见（每条相同）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_confirmed(self):
        if not self.cleaned_data["confirmed"]:
            raise forms.ValidationError(f"请勾选“{CONFIRM_CHECKED}”。")
        return True


class BatchReportForm(Form):
    confirmed = TickField(label="已确认以上党员均已到本党组织报到", widget=CONFIRM_BOX)

    def clean_confirmed(self):
        if not self.cleaned_data["confirmed"]:
            raise forms.ValidationError("请勾选“已确认以上党员均已到本党组织报到”。")
        return True


class BatchReceiveForm(ReceiveFields):
    """批量接收: 接收's fields, with one 转入支部 for all or one per row."""

    field_order = ["received_on", "branch_mode", "branch"]
    # Messages of its own: the date's format message is then the one that names the field.
    received_on = DateField(
        label="转入本组织时间", error_messages={"required": "请填写转入本组织时间。"}
    )
    branch_mode = forms.ChoiceField(
        label="转入支部",
        choices=[("all", "全部编入同一党支部"), ("each", "按每行选择的党支部")],
        widget=forms.RadioSelect,
        initial="all",
    )
    branch = IdChoiceField(
        label="编入党支部", queryset=None, required=False, empty_label="请选择党支部"
    )

    def clean(self):
        data = super().clean()
        if data.get("branch_mode") == "all" and not data.get("branch"):
            self.add_error("branch", "请选择全部党员编入的党支部，或改为按每行选择。")
        for name, label in (
            ("confirmed_reported", CONFIRM_REPORTED),
            ("confirmed_checked", CONFIRM_CHECKED),
        ):
            if not data.get(name):
                self.add_error(name, f"请勾选“{label}”。")
        return data


def _ids(data) -> list[int]:
    """The chosen ids, in the order chosen, each once; anything not a number is dropped."""
    seen: dict[int, None] = {}
    for raw in data.getlist("ids"):
        pk = parse_id(raw)
        if pk is not None:
            seen[pk] = None
    return list(seen)


def _back(data) -> str:
    return BACK.get(data.get("back", ""), "transfers:in_todo")


def _refusal(transfer: Transfer | None, org, action: Action) -> str:
    """Why ``org`` cannot take ``action`` on this row now ("" when it can), from the rules."""
    if transfer is None:
        return services.batch.NOT_FOUND
    step = transfer.pending_steps[0] if transfer.pending_steps else None
    try:
        rules.require(transfer, org, action, step=step)
    except TransferError as error:
        return error.message
    return ""


def _selection(request, action: Action):
    """(ids, back, rows for the page) or a redirect back to the list with the reason."""
    data = request.POST if request.method == "POST" else request.GET
    ids, back = _ids(data), _back(data)
    if not ids:
        messages.error(request, "请先勾选需要办理的党员。")
        return None, redirect(back)
    if len(ids) > BATCH_LIMIT:
        messages.error(request, f"一次最多办理{BATCH_LIMIT}条（已选择{len(ids)}条），请分批办理。")
        return None, redirect(back)
    transfers = selectors.batch_transfers(request.org, ids)
    rows = [
        {
            "pk": pk,
            "t": transfers.get(pk),
            "refusal": _refusal(transfers.get(pk), request.org, action),
        }
        for pk in ids
    ]
    return (ids, data.get("back", ""), transfers, rows), None


def _version(request, pk: int) -> int | None:
    return parse_id(request.POST.get(f"v{pk}", ""))


def _finish(request, title: str, result, back: str):
    request.session[RESULT_KEY] = {
        "title": title,
        "back": back if back in BACK else "",
        "ok": [[o.transfer_id, o.member_name] for o in result.succeeded],
        "failed": [[o.transfer_id, o.member_name, o.message] for o in result.failed],
    }
    return redirect("transfers:batch_result")


def _page(request, template, title, selection, form, status=200, **extra):
    back, rows = selection[1], selection[3]
    return render(
        request,
        template,
        {
            "title": title,
            "rows": rows,
            "form": form,
            "back": back,
            "back_url": reverse(_back({"back": back})),
            "can_count": sum(1 for r in rows if not r["refusal"]),
            "section": "in" if back != "out_todo" else "out",
            "subtabs": [],
            **extra,
        },
        status=status,
    )


@org_required
def batch_approve(request):
    """批量同意: tick 已审核过党员基本信息 once for all the chosen rows."""
    selection, refused = _selection(request, Action.APPROVE)
    if refused:
        return refused
    ids, back, transfers, _rows = selection
    form = BatchApproveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.batch_approve(
            actor=_actor(request),
            rows=[Row(pk, expected_version=_version(request, pk)) for pk in ids],
            transfers=transfers,
            confirmed=form.cleaned_data["confirmed"],
            opinion=form.cleaned_data["opinion"],
        )
        return _finish(request, "批量同意", result, back)
    status = 400 if request.method == "POST" else 200
    return _page(request, "transfers/batch_confirm.html", "批量同意", selection, form, status)


@committee_required
def batch_receive(request):
    """批量接收: one 转入本组织时间, phone and remarks; one 转入支部 for all, or one per row."""
    selection, refused = _selection(request, Action.RECEIVE)
    if refused:
        return refused
    ids, back, transfers, rows = selection
    branches = services.direct_branches(request.org)
    by_id = {b.pk: b for b in branches}
    if request.method == "POST":
        form = BatchReceiveForm(request.POST, branches=branches)
        if form.is_valid():
            d = form.cleaned_data
            each = d["branch_mode"] == "each"
            result = services.batch_receive(
                actor=_actor(request),
                rows=[
                    Row(
                        pk,
                        expected_version=_version(request, pk),
                        branch=by_id.get(_row_branch(request, pk)) if each else None,
                    )
                    for pk in ids
                ],
                transfers=transfers,
                received_on=d["received_on"],
                branch=None if each else d["branch"],
                handler_phone=d["handler_phone"],
                remarks=d["remarks"],
                confirmed_reported=d["confirmed_reported"],
                confirmed_checked=d["confirmed_checked"],
            )
            return _finish(request, "批量接收", result, back)
        status = 400
    for row in rows:
        t = row["t"]
        chosen = _row_branch(request, row["pk"]) if request.method == "POST" else None
        preset = t.target_id if t is not None and t.target_id in by_id else None
        row["branch"] = chosen or preset  # 转入支部 preselected for a branch target
    if request.method != "POST":
        form = BatchReceiveForm(branches=branches, initial=_receive_initial(rows))
        status = 200
    return _page(
        request,
        "transfers/batch_receive.html",
        "批量接收",
        selection,
        form,
        status,
        branches=branches,
    )


def _receive_initial(rows: list[dict]) -> dict:
    """One branch for all when every row's target is that branch; one per row when the
    targets are different branches; otherwise the user picks one for all."""
    presets = {row["branch"] for row in rows}
    initial = {"received_on": timezone.localdate(), "branch_mode": "all"}
    if len(presets) == 1 and None not in presets:
        initial["branch"] = presets.pop()
    elif None not in presets:
        initial["branch_mode"] = "each"
    return initial


def _row_branch(request, pk: int) -> int | None:
    return parse_id(request.POST.get(f"b{pk}", ""))


@org_required
def batch_report(request):
    """批量报到 (from 未报到)."""
    selection, refused = _selection(request, Action.REPORT)
    if refused:
        return refused
    ids, back, transfers, _rows = selection
    form = BatchReportForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        result = services.batch_report(
            actor=_actor(request),
            rows=[Row(pk, expected_version=_version(request, pk)) for pk in ids],
            transfers=transfers,
        )
        return _finish(request, "批量报到", result, back)
    status = 400 if request.method == "POST" else 200
    return _page(request, "transfers/batch_confirm.html", "批量报到", selection, form, status)


@org_required
def batch_result(request):
    """成功 N 条 / 未成功 M 条, and why each that failed did."""
    result = request.session.get(RESULT_KEY)
    if not result:
        return redirect("transfers:in_todo")
    return render(
        request,
        "transfers/batch_result.html",
        {
            "result": result,
            "back_url": reverse(_back({"back": result["back"]})),
            "section": "out" if result["back"] == "out_todo" else "in",
            "subtabs": [],
        },
    )


@org_required
def batch_letters(request):
    """打印介绍信: the current letters of the chosen rows as one PDF, one letter per page."""
    from transfers.letters import letters_pdf_response

    ids, back = _ids(request.GET), _back(request.GET)
    if not ids:
        messages.error(request, "请先勾选需要打印介绍信的党员。")
        return redirect(back)
    if len(ids) > LETTER_LIMIT:
        messages.error(
            request,
            f"一次最多打印{LETTER_LIMIT}封介绍信（已选择{len(ids)}封），请分批打印。",
        )
        return redirect(back)
    transfers = selectors.batch_transfers(request.org, ids)
    letters = []
    for pk in ids:
        t = transfers.get(pk)
        if t is not None and t.current_letter is not None:
            t.current_letter.transfer = t  # its state says 有效 / 已作废 on the page
            letters.append(t.current_letter)
    if not letters:
        messages.error(request, "所选党员没有可打印的介绍信。")
        return redirect(back)
    return letters_pdf_response(request, letters)
