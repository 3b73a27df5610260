"""身份证号 searches never travel in a URL (PIPL; access logs and browser history keep URLs).

A search form that has a 身份证号 field is sent by POST. The view answers with a redirect to
the same list whose query string carries an opaque token (``idq``) instead of the number; the
number itself stays in the user's session. Paging and export links keep the token, so the list
works as before, and a URL copied elsewhere finds nothing without that session.
"""

from __future__ import annotations

import re
import secrets
from functools import wraps

from django.http import HttpRequest, HttpResponseRedirect, QueryDict

SEARCH_PARAM = "idq"
SESSION_KEY = "id_searches"
KEEP = 20
LOOKS_LIKE_ID = re.compile(r"^\s*[0-9]{15}([0-9]{2}[0-9Xx])?\s*$")


def _stash(request: HttpRequest, value: str) -> str:
    token = secrets.token_urlsafe(9)
    searches = dict(list(request.session.get(SESSION_KEY, {}).items())[-(KEEP - 1) :])
    searches[token] = value
    request.session[SESSION_KEY] = searches
    return token


def redirect_without_id(request: HttpRequest, fields: tuple[str, ...] = ("id_number",)):
    """The POSTed search as a GET redirect, the 身份证号 in ``fields`` swapped for a token.

    A field in ``fields`` other than ``id_number`` (a box that takes a name or a number) is
    swapped only when its value looks like an ID number.
    """
    data = request.POST.copy()
    data.pop("csrfmiddlewaretoken", None)
    for field in fields:
        value = data.pop(field, [""])[-1].strip()[:40]
        if not value:
            continue
        if field == "id_number" or LOOKS_LIKE_ID.match(value):
            data[SEARCH_PARAM] = _stash(request, f"{field}={value}")
        else:
            data[field] = value
    query = data.urlencode()
    return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)


def searched_by_post(view):
    """A list view whose search form has a 身份证号: a POST is the search, answered with the
    redirect that carries the token (``search_params`` reads it back)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "POST":
            return redirect_without_id(request)
        return view(request, *args, **kwargs)

    return wrapper


def search_params(request: HttpRequest) -> QueryDict:
    """The list's GET parameters with the token resolved back to its field and number."""
    params = request.GET.copy()
    params.pop("id_number", None)  # a number typed into a URL is not searched for
    token = params.pop(SEARCH_PARAM, [""])[-1]
    stashed = request.session.get(SESSION_KEY, {}).get(token, "") if token else ""
    if stashed:
        field, _, value = stashed.partition("=")
        params[field] = value
    return params
