from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from orgs.middleware import SESSION_KEY
from orgs.roles import organisations_of


@require_POST
def switch_organisation(request):
    """The org switcher: act for another organisation the user holds a role on."""
    try:
        org = organisations_of(request.user).get(pk=int(request.POST.get("org", "")))
    except (ValueError, TypeError):
        raise Http404 from None
    except organisations_of(request.user).model.DoesNotExist:
        raise Http404 from None
    request.session[SESSION_KEY] = org.pk
    messages.success(request, f"已切换到：{org.name}")
    target = request.POST.get("next") or "home"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: the page of a form that went stale, in the site's layout, in Chinese,
    saying what to do (Django's own page is English and has no way back)."""
    return render(request, "403_csrf.html", status=403)
