"""首页: the modules of the system and, for the logged-in organisation, what waits for it."""

from django.shortcuts import render

from orgs.paging import Count, badge, count_together
from orgs.scoping import org_required
from transfers import list_statements, supervision
from transfers.models import StepState, TransferStep


def home(request):
    org = request.org
    if org is None and request.user.is_staff:
        # 系统管理员 holds no role in the tree: 首页 leads to 系统管理, not to a refusal.
        return render(request, "home_admin.html")
    return _home(request)


@org_required
def _home(request):
    org = request.org
    overdue_here = TransferStep.objects.filter(
        org=org, state=StepState.PENDING, pending_since__lt=supervision.overdue_limit()
    )
    counts = count_together(
        {
            # The tabs' own counts, compiled once per process (list_statements.tab_count).
            "out_todo": list_statements.tab_count("out_todo", org),
            "in_todo": list_statements.tab_count("in_todo", org),
            "unreported": list_statements.tab_count("in_unreported", org),
            "overdue": Count((overdue_here,)),
            "overdue_below": supervision.overdue_steps(org),
            "progress": list_statements.tab_count("out_progress", org),
        }
    )
    exact = ("out_todo", "overdue")
    summary = {key: n if key in exact else badge(n) for key, n in counts.items()}
    reminders = list(supervision.active_reminders(org)[:20])
    return render(request, "home.html", {"summary": summary, "reminders": reminders})
