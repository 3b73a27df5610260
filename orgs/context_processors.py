from orgs.roles import organisations_of


def acting_organisation(request):
    """The logged-in organisation and, for the switcher, the others the user may act for."""
    org = getattr(request, "org", None)
    user = getattr(request, "user", None)
    if org is None or user is None:
        return {"acting_org": None, "switchable_orgs": []}
    return {
        "acting_org": org,
        # Only shown when there is more than one; a user holds roles on a handful of nodes.
        "switchable_orgs": lambda: list(organisations_of(user)[:50]),
    }
