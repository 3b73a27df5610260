"""The one scoping helper every view uses: what the logged-in organisation may see.

An organisation sees itself and everything below it (本级及所有下级). The filter is a prefix match
on a materialized path column, so it is one indexed range scan at any depth. An object outside the
subtree does not exist for the request: 404, never 403, so no one can probe for foreign records.
"""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import render

from orgs.models import Organisation


def in_subtree(queryset: QuerySet, org: Organisation, path_field: str = "path") -> QuerySet:
    """``queryset`` limited to rows whose ``path_field`` lies in ``org``'s subtree."""
    return queryset.filter(**{f"{path_field}__startswith": org.path})


def get_in_subtree_or_404(
    queryset: QuerySet, org: Organisation, path_field: str = "path", **lookup
) -> Model:
    try:
        return in_subtree(queryset, org, path_field).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def org_required(view):
    """The view needs a logged-in organisation: a user with no role gets an explanation."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.org is None:
            return render(request, "orgs/no_organisation.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def committee_required(view):
    """The view is for 党委 only; a 总支 or 支部 gets 403."""

    @org_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.org.is_committee:
            raise PermissionDenied("该功能仅限党委使用")
        return view(request, *args, **kwargs)

    return wrapper
