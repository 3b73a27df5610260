from orgs.models import Organisation
from orgs.roles import role_org_ids


def _switchable(user, acting):
    """The organisations of the switcher: one query for the role rows, and a second one by
    primary key only when the user holds more than one role."""
    ids = role_org_ids(user)
    if len(ids) < 2:
        return [acting]
    return list(Organisation.objects.filter(pk__in=ids).order_by("path")[:50])


def acting_organisation(request):
    """The logged-in organisation and, for the switcher, the others the user may act for."""
    org = getattr(request, "org", None)
    user = getattr(request, "user", None)
    if org is None or user is None:
        return {"acting_org": None, "switchable_orgs": []}
    return {"acting_org": org, "switchable_orgs": lambda: _switchable(user, org)}
