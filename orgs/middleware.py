from django.utils.cache import add_never_cache_headers

from orgs.roles import organisations_of, role_organisation

SESSION_KEY = "acting_org_id"


def acting_organisation(request):
    """The organisation this request acts for: the one kept in the session if the user still
    holds a role on it (one primary-key query), else the user's first one, else None."""
    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        org = role_organisation(user, chosen)
        if org is not None:
            return org
    org = organisations_of(user).first()
    if org is not None:
        request.session[SESSION_KEY] = org.pk
    else:
        request.session.pop(SESSION_KEY, None)
    return org


class ActingOrganisationMiddleware:
    """Sets ``request.org``, the logged-in organisation (当前登录党组织), or None."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.org = acting_organisation(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a logged-in user are never kept by the browser or a proxy (Cache-Control:
    no-store): they carry personal data, and the back button after 退出 must not show them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            add_never_cache_headers(response)
        return response
