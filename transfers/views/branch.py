"""支部间转接: a committee moves members between two of its own branches."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render

from members.models import Member, MemberState
from orgs.paging import paginate
from orgs.scoping import committee_required
from transfers import services
from transfers.errors import TransferError
from transfers.models import Transfer, TransferType


class BranchMoveForm(forms.Form):
    from_branch = forms.ModelChoiceField(label="转出支部", queryset=None, empty_label="请选择")
    members = forms.ModelMultipleChoiceField(
        label="党员",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请选择需要转接的党员。"},
    )
    to_branch = forms.ModelChoiceField(label="转入支部", queryset=None, empty_label="请选择")
    confirmed = forms.BooleanField(label="确认将所选党员转入该支部", required=False)

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["from_branch"].queryset = branches
        self.fields["to_branch"].queryset = branches
        self.fields["members"].queryset = Member.objects.filter(
            branch__in=branches, state=MemberState.NORMAL
        )

    def clean(self):
        data = super().clean()
        source, target = data.get("from_branch"), data.get("to_branch")
        if source and target and source == target:
            self.add_error("to_branch", "转入支部不能与转出支部相同。")
        for member in data.get("members") or []:
            if source and member.branch_id != source.pk:
                self.add_error("members", f"{member.name}不在{source.name}。")
                break
        return data


@committee_required
def branch_move(request):
    """支部间转接: choose the source branch, its members and the destination; confirm."""
    branches = services.direct_branches(request.org)
    if request.method == "POST":
        form = BranchMoveForm(request.POST, branches=branches)
        if form.is_valid():
            d = form.cleaned_data
            try:
                moved = services.move_between_branches(
                    actor=services.Actor(user=request.user, org=request.org),
                    members=d["members"],
                    to_branch=d["to_branch"],
                    confirmed=d["confirmed"],
                )
            except TransferError as error:
                field = error.field if error.field in form.fields else None
                form.add_error(field, error.message)
            else:
                names = "、".join(t.member_name for t in moved)
                messages.success(
                    request,
                    f"已将{names}从{d['from_branch'].name}转入{d['to_branch'].name}，"
                    "支部间转接已完成。",
                )
                return redirect("transfers:branch")
        status = 400
    else:
        form = BranchMoveForm(
            initial={"from_branch": request.GET.get("from_branch")}, branches=branches
        )
        status = 200
    source_pk = (request.POST if request.method == "POST" else request.GET).get("from_branch", "")
    source = branches.filter(pk=source_pk).first() if source_pk.isdigit() else None
    source_members = (
        Member.objects.filter(branch=source, state=MemberState.NORMAL).order_by("id")
        if source
        else Member.objects.none()
    )
    history = paginate(
        Transfer.objects.filter(initiator=request.org, type=TransferType.BRANCH).select_related(
            "source_branch", "dest_branch"
        ),
        ["-id"],
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    return render(
        request,
        "transfers/branch_move.html",
        {
            "form": form,
            "source": source,
            "source_members": source_members[:500],
            "chosen": set(request.POST.getlist("members")),
            "page": history,
            "section": "branch",
            "subtabs": [],
            "branches": branches,
        },
        status=status,
    )
