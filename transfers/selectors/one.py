"""One transfer by its key, for 业务办理 and every action: whether an organisation may open it
(``visible_transfer``, the rule of ``lists.visible_transfers`` for one row), locked for an
action or not, with its path, its log, its current letter and its exchange package; and the
drafts 确认发起 launches. Each statement is compiled once per process (ops.compiled)."""

from __future__ import annotations

from django.http import Http404

from ops.compiled import Compiled
from orgs.models import Organisation
from transfers.locking import mark_locked
from transfers.models import (
    ExchangePackage,
    Letter,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferStep,
)
from transfers.models.letters import current_letter_of
from transfers.selectors.lists import DETAIL_RELATED

_INITIATED = Compiled(
    lambda ids, org: (
        Transfer.objects.filter(pk__in=ids, initiator_id=org)
        .select_related("member", "target", "source_branch")
        .order_by("pk")
    )
)


def initiated_by(org: Organisation, ids: list[int]) -> list[Transfer]:
    """The transfers ``ids`` that ``org`` initiated, in any state (确认发起's, to launch its
    drafts or say which were launched or withdrawn meanwhile), with their member and branches."""
    return _INITIATED.all(ids=ids, org=org.pk)


# The statements of 业务办理 and of every action, compiled once per process (ops.compiled): a
# transfer by its key (per lock and joins), its path, its log and its current letter.
_BY_KEY: dict[tuple[bool, tuple[str, ...]], Compiled] = {}


def _transfer_by_key(lock: bool, related: tuple[str, ...]) -> Compiled:
    statement = _BY_KEY.get((lock, related))
    if statement is None:

        def build(pk):
            qs = Transfer.objects.filter(pk=pk)
            if lock:
                qs = qs.select_for_update(of=("self",))
            return qs.select_related(*related)[:1]  # the primary key: no ORDER BY needed

        statement = _BY_KEY[lock, related] = Compiled(build)
    return statement


_PATH = Compiled(
    lambda pk: (
        TransferStep.objects.filter(transfer_id=pk)
        .select_related("org", "actor")
        .order_by("round", "order")
    )
)
_LOG = Compiled(lambda pk: TransferEvent.objects.filter(transfer_id=pk).select_related("org"))


def path_steps(transfer: Transfer) -> list[TransferStep]:
    """Every step of every round, in order, with its organisation and actor."""
    return _PATH.all(pk=transfer.pk, known={"transfer": transfer})


def log_events(transfer: Transfer) -> list[TransferEvent]:
    """The transfer's log in the order it was appended, with each event's organisation."""
    return _LOG.all(pk=transfer.pk, known={"transfer": transfer})


def letter_of(transfer: Transfer) -> Letter | None:
    """The current 介绍信, if one was issued."""
    return current_letter_of(transfer)


_PACKAGE = Compiled(lambda pk: ExchangePackage.objects.filter(source_transfer_id=pk))


def package_of(transfer: Transfer) -> ExchangePackage | None:
    """The exchange package 办结 published for the transfer, if any (one compiled query)."""
    packages = _PACKAGE.all(pk=transfer.pk, known={"source_transfer": transfer})
    return packages[0] if packages else None


def visible_transfer(
    org: Organisation, pk: int, *, lock: bool = False, related: tuple[str, ...] = ()
) -> Transfer:
    """One transfer ``org`` may open, by the rule of ``visible_transfers``; anything else does
    not exist for it (404).

    One primary-key lookup: the paths copied onto the transfer answer for the source, destination
    and initiating sides, so the route is read (one indexed query more) only for an organisation
    met nowhere else on the way, such as an approving or receiving committee of the other side.

    ``lock=True`` (inside a transaction) also locks the row, for the action about to change it,
    joined only to the ``related`` rows that action reads: the page's six joins cost more to
    compile than the approval spends in the database. Without a lock, ``related`` defaults to
    ``DETAIL_RELATED``; a page passes what it shows, as each join costs PostgreSQL planning
    time (eight tables: 2.1 ms to plan, six: 0.5 ms, to run 0.1 ms).
    """
    related = tuple(related) if lock else tuple(related or DETAIL_RELATED)
    transfer = _transfer_by_key(lock, related).first(pk=pk)
    if transfer is None:
        raise Http404
    if lock:
        mark_locked(transfer)
    if transfer.state == TransferState.DRAFT:
        if transfer.initiator_id == org.pk:
            return transfer
        raise Http404  # an unlaunched draft exists only for its initiator
    prefix = org.path
    paths = (transfer.source_path, transfer.dest_path, transfer.initiator_path)
    if any(path and path.startswith(prefix) for path in paths):
        return transfer
    if _on_route(pk, prefix):
        return transfer
    raise Http404


_ON_ROUTE = Compiled(
    lambda pk, prefix: (
        TransferStep.objects.filter(transfer_id=pk, org_path__startswith=prefix)
        .exclude(state__in=[StepState.SUPERSEDED, StepState.CANCELLED])
        .values("id")[:1]
    ),
    keyed=True,  # a transfer's few steps, by its id
)


def _on_route(pk: int, prefix: str) -> bool:
    """Whether an organisation of the subtree at ``prefix`` is on the transfer's path (a step
    not superseded or cancelled): one indexed query."""
    return bool(_ON_ROUTE.all(pk=pk, prefix=prefix))
