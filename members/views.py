from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import EventType
from members import idsearch
from members.forms import MemberForm, MemberSearchForm
from members.idcard import birth_date_of
from members.models import Member, MemberState
from orgs.paging import paginate
from orgs.scoping import committee_required, get_in_subtree_or_404, org_required


@org_required
def member_list(request):
    """党员信息管理 → 党员信息维护: the members of the logged-in organisation's subtree."""
    if request.method == "POST":
        return idsearch.redirect_without_id(request)
    form = MemberSearchForm(idsearch.search_params(request) or None)
    members = Member.objects.in_scope_of(request.org).in_system().select_related("branch")
    if form.is_valid():
        if form.cleaned_data["name"]:
            members = members.filter(name=form.cleaned_data["name"])
        if form.cleaned_data["id_number"]:
            members = members.filter(id_number=form.cleaned_data["id_number"])
    page = paginate(
        members,
        ["branch_path", "id"],
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "members/member_list.html",
        {"form": form, "page": page, "can_retrieve": request.org.is_committee},
    )


@org_required
def member_detail(request, pk: int):
    member = get_in_subtree_or_404(
        Member.objects.select_related("branch"), request.org, "branch_path", pk=pk
    )
    from transfers.selectors import member_transfers

    transfers = paginate(
        member_transfers(member, request.org),
        ["-id"],
        after=request.GET.get("t_after"),
        before=request.GET.get("t_before"),
        size=10,
    )
    return render(
        request,
        "members/member_detail.html",
        {
            "member": member,
            "can_edit": member.state == MemberState.NORMAL,
            "transfers": transfers,
        },
    )


@require_POST
@org_required
def member_full_id(request, pk: int):
    """【显示完整身份证号】 for a member of the organisation's subtree: audited."""
    member = get_in_subtree_or_404(Member.objects.all(), request.org, "branch_path", pk=pk)
    trail.record(
        EventType.FULL_ID_VIEW,
        object_type="members.member",
        object_id=member.pk,
        detail=f"查看{member.name}的完整身份证号",
    )
    return render(
        request,
        "full_id.html",
        {
            "name": member.name,
            "number": member.id_number,
            "back_url": reverse("members:detail", args=[member.pk]),
        },
    )


@org_required
def member_edit(request, pk: int):
    """党员信息维护 · 修改: the member's own data (moving branch is a transfer)."""
    member = get_in_subtree_or_404(
        Member.objects.select_related("branch"), request.org, "branch_path", pk=pk
    )
    if member.state != MemberState.NORMAL:
        messages.error(
            request, f"该党员当前状态为“{member.get_state_display()}”，请在转接办结后再修改。"
        )
        return redirect("members:detail", pk=pk)
    if request.method == "POST":
        form = MemberForm(request.POST, instance=member)
        if form.is_valid():
            with transaction.atomic():
                current = Member.objects.select_for_update().get(pk=pk)
                if current.state != MemberState.NORMAL or (
                    form.cleaned_data["loaded_at"] != current.updated_at.isoformat()
                ):
                    form.add_error(None, "该党员信息已被他人修改或已进入转接，请刷新页面后重试。")
                else:
                    edited = form.save(commit=False)
                    edited.birth_date = birth_date_of(edited.id_number)
                    edited.dues_paid_through = form.cleaned_data["dues_paid_through"]
                    edited.save()
                    messages.success(request, f"已保存{edited.name}的党员信息。")
                    return redirect("members:detail", pk=pk)
        status = 400
    else:
        form = MemberForm(instance=member)
        status = 200
    return render(
        request, "members/member_edit.html", {"form": form, "member": member}, status=status
    )


@committee_required
def retrieve(request):
    """【找回】: a member concluded out of the system by mistake is restored to the branch.

    GET with a 身份证号 shows the match; POST restores it. The record of the transfer is kept.
    """
    from transfers import services
    from transfers.errors import TransferError
    from transfers.forms import RetrieveForm

    actor = services.Actor(user=request.user, org=request.org)
    lookup = request.method == "POST" and request.POST.get("lookup") == "1"
    if request.method == "POST" and not lookup:
        form = RetrieveForm(request.POST)
        if form.is_valid():
            try:
                transfer = services.retrieve(actor=actor, id_number=form.cleaned_data["id_number"])
            except TransferError as error:
                form.add_error("id_number", error.message)
            else:
                messages.success(
                    request,
                    f"已找回{transfer.member_name}，已恢复到{transfer.source_branch.name}；"
                    "原转接记录保留（状态：已找回）。",
                )
                return redirect("members:detail", pk=transfer.member_id)
        match = None
        status = 400
    else:
        # The lookup is a POST (the 身份证号 never in a URL) that changes nothing.
        form = RetrieveForm(request.POST if lookup else None)
        match = None
        if form.is_bound and form.is_valid():
            match = services.retrievable(actor=actor, id_number=form.cleaned_data["id_number"])
            if match is None:
                form.add_error(
                    "id_number",
                    "未找到可找回的党员：仅能找回本党委所属党支部因误操作转出到系统外并已办结的党员。",
                )
        status = 200
    template = (
        "members/_retrieve_result.html" if request.POST.get("partial") else "members/retrieve.html"
    )
    return render(request, template, {"form": form, "match": match}, status=status)
