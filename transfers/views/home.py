"""首页: the modules of the system and, for the logged-in organisation, what waits for it."""

from django.shortcuts import render

from orgs.paging import count_display
from orgs.scoping import org_required
from transfers import selectors, supervision
from transfers.models import StepState, TransferStep


@org_required
def home(request):
    org = request.org
    overdue_here = TransferStep.objects.filter(
        org=org, state=StepState.PENDING, pending_since__lt=supervision.overdue_limit()
    )
    summary = {
        "out_todo": selectors.outgoing_todo_count(org),
        "in_todo": count_display(selectors.incoming_todo(org)),
        "unreported": count_display(selectors.not_reported(org)),
        "overdue": overdue_here.count(),
        "overdue_below": count_display(supervision.overdue_steps(org)),
    }
    reminders = list(supervision.active_reminders(org)[:20])
    return render(request, "home.html", {"summary": summary, "reminders": reminders})
