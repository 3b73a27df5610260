from orgs.models import Organisation
from orgs.roles import role_org_ids


def _switchable(user, acting):
    """The organisations of the switcher. A user read with its acting organisation knows
    whether it holds more than one role (orgs.roles.user_and_role_organisation): a single role
    costs no query; otherwise the role rows, then the organisations by primary key."""
    if getattr(user, "holds_several_roles", True) is False:
        return [acting]
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
