from django.shortcuts import render

from orgs.scoping import org_required


@org_required
def index(request):
    """组织关系转接 (the subsystem arrives with the workflow; until then this page says so)."""
    return render(request, "transfers/index.html")
