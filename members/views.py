from django.shortcuts import render

from members.forms import MemberSearchForm
from members.models import Member
from orgs.paging import paginate
from orgs.scoping import get_in_subtree_or_404, org_required


@org_required
def member_list(request):
    """党员信息管理 → 党员信息维护: the members of the logged-in organisation's subtree."""
    form = MemberSearchForm(request.GET or None)
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
    return render(request, "members/member_list.html", {"form": form, "page": page})


@org_required
def member_detail(request, pk: int):
    member = get_in_subtree_or_404(
        Member.objects.select_related("branch"), request.org, "branch_path", pk=pk
    )
    return render(request, "members/member_detail.html", {"member": member})
