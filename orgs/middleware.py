from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.utils.cache import add_never_cache_headers
from django.utils.functional import LazyObject, SimpleLazyObject, empty

from orgs.backends import acting_org_hint
from orgs.roles import organisations_of, role_organisation

SESSION_KEY = "acting_org_id"


def _user(request):
    """Django's get_user(), with the session's acting organisation handed to the backend so it
    reads both in one query (orgs.backends)."""
    chosen = request.session.get(SESSION_KEY)
    token = acting_org_hint.set(chosen if isinstance(chosen, int) else None)
    try:
        return auth.get_user(request)
    finally:
        acting_org_hint.reset(token)


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's authentication middleware, reading the user through ``_user``."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: _user(request))


def acting_organisation(request):
    """The organisation this request acts for: the one kept in the session if the user still
    holds a role on it (one primary-key query), else the user's first one, else None."""
    user = request.user
    if not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    if chosen is not None:
        read = getattr(user, "acting_role", None)  # read with the user (orgs.backends)
        org = read[1] if read and read[0] == chosen else role_organisation(user, chosen)
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
        if getattr(request, "user", None) is not None:
            request.user = unwrapped(request.user)
        request.org = acting_organisation(request)
        return self.get_response(request)


def unwrapped(user):
    """The user itself, read now, out of the lazy objects around it (authentication's and
    django-otp's, which has set ``otp_device`` on it): every page reads the user anyway (the
    acting organisation, the header), and each attribute read through two wrappers costs two
    calls more."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


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
