"""Which transfer types allow which targets, and the path (转接路径) a transfer takes.

``plan_path`` is the one place the path is computed; DESIGN.md §4 defines it:

- 县内/省内: R = the receiving committee of the target (nearest ancestor-or-self with at least
  county authority); path = [initiator] + approval_nodes(initiator, R); R does 接收.
- 全国, or a target outside the tree: F = the initiator's nearest node with national authority;
  path = [initiator] + approval_nodes(initiator, F); F does 办结.
- 跨省（系统）转入: created by C; path = [C] + approval_nodes(C, R).
- 更改 re-plans from the current node the same way.

Both read the organisations above those involved once (``orgs.tree.Ancestry``) and answer the
tree's questions (domains, receiving committee, approving committees) from that one query.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce

from ops.compiled import Compiled
from orgs.models import COMMITTEE_LEVELS, LEVEL_RANK, Authority, Level, Organisation
from orgs.tree import Ancestry, ancestor_paths
from transfers.errors import TransferError
from transfers.models import Direction, StepRole, TransferType


@dataclass(frozen=True)
class PlannedStep:
    org: Organisation
    role: StepRole
    direction: Direction


@dataclass(frozen=True)
class Plan:
    steps: list[PlannedStep]  # after the starting node
    end: Organisation  # R (接收) or F (办结)

    @property
    def concludes(self) -> bool:
        return self.steps[-1].role == StepRole.CONCLUDE


def check_target(
    *,
    initiator: Organisation,
    transfer_type: str,
    target: Organisation | None,
    out_of_system: bool,
    target_name: str = "",
    tree: Ancestry | None = None,
) -> None:
    """Raise a TransferError (in Chinese, next to the field) unless ``target`` suits the type.
    ``tree``: the ancestry of the initiator and the target, if the caller has read it."""
    if transfer_type == TransferType.NATIONAL and not out_of_system:
        raise TransferError("全国直接转接必须转出到系统外。", field="out_of_system")
    if out_of_system:
        if not target_name.strip():
            raise TransferError("请填写目的地党组织名称。", field="target_name")
        return
    if target is None:
        raise TransferError("请选择目的地党组织。", field="target")
    if not target.is_active:
        raise TransferError("目的地党组织已撤销，不能选择。", field="target")
    tree = tree or Ancestry(initiator, target)
    if transfer_type == TransferType.COUNTY:
        domain = tree.domain_root(initiator, Level.COUNTY)
        if not target.is_in_subtree_of(domain):
            raise TransferError(
                f"县内直接转接的目的地党组织须在{domain.name}范围内，请改选转接类型。",
                field="target",
            )
    elif transfer_type == TransferType.PROVINCE:
        province = tree.domain_root(initiator, Level.PROVINCE)
        county = tree.domain_root(initiator, Level.COUNTY)
        if not target.is_in_subtree_of(province):
            raise TransferError(
                f"省内（系统内）转接的目的地党组织须在{province.name}范围内；"
                "转出本省请选择全国直接转接。",
                field="target",
            )
        if target.is_in_subtree_of(county):
            raise TransferError(
                f"目的地党组织在{county.name}范围内，请选择县内直接转接。", field="target"
            )
    else:
        raise TransferError("请选择转接类型。", field="transfer_type")
    receiver = tree.receiving_committee(target)
    if receiver is None:
        raise TransferError("目的地党组织上级没有可以接收的党委。", field="target")
    if receiver == initiator:
        raise TransferError(
            "目的地党组织由本党组织直接接收，请使用【支部间转接】。", field="target"
        )


def _direction(org: Organisation, role: StepRole, source_path: str) -> Direction:
    if role == StepRole.RECEIVE:
        return Direction.IN
    if role == StepRole.CONCLUDE:
        return Direction.OUT
    # On the way up (and at the top) the member is leaving this org's subtree: 转出.
    return Direction.OUT if source_path and source_path.startswith(org.path) else Direction.IN


def plan_path(
    *,
    start: Organisation,
    target: Organisation | None,
    out_of_system: bool,
    source_path: str,
    tree: Ancestry | None = None,
) -> Plan:
    """The nodes after ``start`` up to the receiving (or concluding) committee. ``tree``: the
    ancestry of ``start`` and ``target``, if the caller has read it."""
    tree = tree or Ancestry(start, None if out_of_system else target)
    if out_of_system:
        end = tree.national_node(start)
        if end is None:
            raise TransferError("上级没有具有全国转接权限的党组织，无法办结转出。")
        last_role = StepRole.CONCLUDE
    else:
        end = tree.receiving_committee(target)
        if end is None:
            raise TransferError("目的地党组织上级没有可以接收的党委。", field="target")
        last_role = StepRole.RECEIVE
    nodes = tree.approval_nodes(start, end) or [start]
    steps = [
        PlannedStep(
            org=node,
            role=last_role if i == len(nodes) - 1 else StepRole.APPROVE,
            direction=_direction(
                node, last_role if i == len(nodes) - 1 else StepRole.APPROVE, source_path
            ),
        )
        for i, node in enumerate(nodes)
    ]
    return Plan(steps=steps, end=end)


def target_candidates(
    *, initiator: Organisation, transfer_type: str, name: str = "", lazy: bool = False
) -> QuerySet[Organisation]:
    """The organisations the 放大镜 dialog offers for ``transfer_type``, by name fragment.

    Only valid choices are offered; ``check_target`` still has the last word on the server.
    ``lazy``: the domains are subqueries of the one query, for checking a chosen organisation by
    its key (a list by name reads them first, so that the path index serves its range).
    """
    if transfer_type not in (TransferType.COUNTY, TransferType.PROVINCE):
        return Organisation.objects.none()
    above = None if lazy else Ancestry(initiator)  # one query for both domains
    orgs = _candidates(
        transfer_type,
        initiator,
        depth_limit=initiator.depth + 2,
        domains=lambda level: _domain_path(initiator, level, above),
    )
    if name.strip():
        orgs = orgs.filter(name__contains=name.strip())
    return orgs


def target_candidate(
    *, initiator: Organisation, transfer_type: str, pk: int
) -> Organisation | None:
    """The organisation ``pk`` if ``target_candidates`` offers it, else None: the lazy query for
    one key, compiled once for each type and level of initiator (the 放大镜's choice, checked
    on every 确认发起 and 更改)."""
    if transfer_type not in (TransferType.COUNTY, TransferType.PROVINCE):
        return None
    own = Level(initiator.level)
    widest = Level.COUNTY if transfer_type == TransferType.COUNTY else Level.PROVINCE
    values = {"pk": pk, "path": initiator.path, "depth_limit": initiator.depth + 2}
    if LEVEL_RANK[own] < LEVEL_RANK[widest]:  # a domain above it: found among its ancestors
        values["ancestors"] = ancestor_paths(initiator.path)
    key = (transfer_type, own)
    statement = _CANDIDATE.get(key)
    if statement is None:
        statement = _CANDIDATE[key] = Compiled(
            lambda pk, path, depth_limit, ancestors=None: _candidates(
                transfer_type,
                Organisation(path=path, level=own),
                depth_limit=depth_limit,
                domains=lambda level: _nearest_domain(path, own, level, ancestors),
            ).filter(pk=pk),
            keyed=True,
        )
    return statement.first(**values)


_CANDIDATE: dict[tuple[str, str], Compiled] = {}


def _candidates(transfer_type: str, initiator: Organisation, *, depth_limit, domains):
    """``target_candidates``' rule, the domains' paths given by ``domains(level)``."""
    county = domains(Level.COUNTY)
    if transfer_type == TransferType.COUNTY:
        orgs = Organisation.objects.filter(path__startswith=county)
    else:
        province = domains(Level.PROVINCE)
        orgs = Organisation.objects.filter(path__startswith=province).exclude(
            path__startswith=county
        )
    # What the initiator receives itself (its own branches) is 支部间转接, not a transfer.
    orgs = orgs.exclude(path=initiator.path).exclude(
        Q(path__startswith=initiator.path)
        & ~Q(level__in=COMMITTEE_LEVELS)
        & Q(depth__lte=depth_limit)
    )
    return orgs.filter(is_active=True)


def _domain_path(org: Organisation, level: Level, above: Ancestry | None) -> str | Coalesce:
    """The path of ``org``'s county or province domain, from ``above`` (``orgs.tree``), or
    without it the same rule as a subquery: the nearest ancestor of exactly that level, else
    the nearest higher one, else ``org``."""
    if above is not None:
        return above.domain_root(org, level).path
    return _nearest_domain(org.path, org.level, level, ancestor_paths(org.path))


def _nearest_domain(path: str, own: Level, level: Level, ancestors: list[str]) -> str | Coalesce:
    """``_domain_path`` as a subquery, for an organisation at ``path`` of level ``own`` with
    the ``ancestors``' paths."""
    rank = LEVEL_RANK[level]
    if LEVEL_RANK[own] >= rank:
        return path
    nearest = (
        Organisation.objects.filter(
            path__in=ancestors,
            level__in=[lv for lv, r in LEVEL_RANK.items() if r >= rank],
        )
        .order_by(Case(When(level=level, then=Value(0)), default=Value(1)), "-depth")
        .values("path")[:1]
    )
    return Coalesce(Subquery(nearest), Value(path))


def can_initiate(org: Organisation) -> bool:
    """转出申请 needs a committee with at least county transfer authority (县内转接权限)."""
    return org.is_committee and org.authority >= Authority.COUNTY
