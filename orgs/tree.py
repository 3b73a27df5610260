"""Questions about the organisation tree, each answered with at most one indexed query.

Every organisation's ancestors are the prefixes of its materialized path, so "who is above X" is
string arithmetic plus one ``path IN (...)`` lookup, and "who is below X" is one
``path LIKE 'X%'`` range scan. Nothing here walks the tree row by row.
"""

from __future__ import annotations

from django.db.models import QuerySet

from ops.compiled import Compiled
from orgs.models import COMMITTEE_LEVELS, LEVEL_RANK, Authority, Level, Organisation

STEPLEN = Organisation.steplen


def ancestor_paths(path: str, *, include_self: bool = False) -> list[str]:
    """The paths of the ancestors of ``path``, top first."""
    end = len(path) + (STEPLEN if include_self else 0)
    return [path[:i] for i in range(STEPLEN, end, STEPLEN)]


def common_path(a: str, b: str) -> str:
    """The path of the lowest common ancestor-or-self of two paths ('' when there is none)."""
    length = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        length += 1
    return a[: length - length % STEPLEN]


def subtree(org: Organisation) -> QuerySet[Organisation]:
    """``org`` and everything below it (本级及所有下级)."""
    return Organisation.objects.filter(path__startswith=org.path)


def ancestors(org: Organisation, *, include_self: bool = False) -> list[Organisation]:
    """The organisations above ``org``, top first."""
    paths = ancestor_paths(org.path, include_self=include_self)
    return list(Organisation.objects.filter(path__in=paths).order_by("path"))


def nearest_ancestor(
    org: Organisation, *, include_self: bool = True, **filters
) -> Organisation | None:
    """The closest organisation at or above ``org`` that matches ``filters``."""
    paths = ancestor_paths(org.path, include_self=include_self)
    return Organisation.objects.filter(path__in=paths, **filters).order_by("-depth").first()


def county_domain_root(org: Organisation) -> Organisation:
    """The root of ``org``'s county domain (县内): its nearest county-level committee.

    A university committee counts as county level, so 县内转移 is 校内转移.
    """
    return Ancestry(org).domain_root(org, Level.COUNTY)


def province_domain_root(org: Organisation) -> Organisation:
    """The root of ``org``'s province domain (省内): its nearest province-level committee."""
    return Ancestry(org).domain_root(org, Level.PROVINCE)


def lowest_common_ancestor(a: Organisation, b: Organisation) -> Organisation | None:
    path = common_path(a.path, b.path)
    if path == a.path:
        return a
    if path == b.path:
        return b
    return Organisation.objects.filter(path=path).first() if path else None


def route_paths(a_path: str, b_path: str) -> list[str]:
    """The tree route from a up to LCA(a, b) and down to b, as paths: a excluded, b included."""
    lca = common_path(a_path, b_path)
    up = [p for p in reversed(ancestor_paths(a_path)) if len(p) >= len(lca)]
    down = [p for p in ancestor_paths(b_path, include_self=True) if len(p) > len(lca)]
    return up + down


# The organisations with these paths: compiled once for each number of paths (a tree's depth or
# a few times it), as every path planned and every target checked reads them.
_BY_PATHS = Compiled(lambda paths: Organisation.objects.filter(path__in=paths))


class Ancestry:
    """The organisations at and above ``orgs``, read in one ``path IN (...)`` query, and the
    answers about them: domains, receiving committee, national node, approving committees.
    The functions of this module ask it about one organisation; a caller planning a path for
    several reads them all at once."""

    def __init__(self, *orgs: Organisation | None):
        paths = {
            p for o in orgs if o is not None for p in ancestor_paths(o.path, include_self=True)
        }
        self.by_path = {o.path: o for o in _BY_PATHS.all(paths=sorted(paths))}

    def _above(self, org: Organisation, *, include_self: bool = True) -> list[Organisation]:
        """Nearest first."""
        paths = reversed(ancestor_paths(org.path, include_self=include_self))
        return [self.by_path[p] for p in paths if p in self.by_path]

    def domain_root(self, org: Organisation, level: Level) -> Organisation:
        """``org`` itself at ``level`` or above, else its nearest ancestor of exactly that level;
        an organisation hanging directly under a higher committee (a provincial organ's
        committee, say) belongs to that committee's domain."""
        if org.rank >= LEVEL_RANK[level]:
            return org
        candidates = [
            c for c in self._above(org, include_self=False) if c.rank >= LEVEL_RANK[level]
        ]
        root = next((c for c in candidates if c.level == level), None)
        return root or next(iter(candidates), None) or org

    def receiving_committee(self, target: Organisation) -> Organisation | None:
        return next((o for o in self._above(target) if o.authority >= Authority.COUNTY), None)

    def national_node(self, org: Organisation) -> Organisation | None:
        return next((o for o in self._above(org) if o.authority == Authority.NATIONAL), None)

    def approval_nodes(self, a: Organisation, b: Organisation) -> list[Organisation]:
        """``a`` and ``b`` must be at or below organisations read here."""
        route = [self.by_path.get(p) for p in route_paths(a.path, b.path)]
        return [o for o in route if o is not None and o.level in COMMITTEE_LEVELS]


def approval_nodes(a: Organisation, b: Organisation) -> list[Organisation]:
    """The committees on the route from ``a`` to ``b`` (a excluded, b included), in route order.

    General branches and branches (总支/支部) never approve, so they are left out.
    """
    return Ancestry(a, b).approval_nodes(a, b)


def receiving_committee(target: Organisation) -> Organisation | None:
    """The committee that receives a member sent to ``target``: the nearest ancestor-or-self
    with at least county transfer authority (县内转接权限)."""
    return Ancestry(target).receiving_committee(target)


def national_node(org: Organisation) -> Organisation | None:
    """The nearest ancestor-or-self with national transfer authority, where a 全国 transfer
    leaving the system is concluded (办结)."""
    return Ancestry(org).national_node(org)


def nearest_committee(org: Organisation, *, include_self: bool = True) -> Organisation | None:
    """The closest 党委 at or above ``org`` (the committee a branch belongs to)."""
    return nearest_ancestor(org, include_self=include_self, level__in=COMMITTEE_LEVELS)


def branches_under(org: Organisation) -> QuerySet[Organisation]:
    return subtree(org).filter(level=Level.BRANCH)
