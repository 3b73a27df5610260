"""组织关系转接: transfers, the steps of their path, their append-only event log, and letters.

Each model lives in a module of its own; every public name is importable from here.
"""

from transfers.models.choices import (
    ACTED_STEP_STATES,
    HISTORY_STATES,
    UNFINISHED_STATES,
    Direction,
    EventAction,
    InboundKind,
    StepRole,
    StepState,
    TransferState,
    TransferType,
)

# In the order the models were always registered (their content types and permissions).
# isort: off
from transfers.models.transfer import Transfer, TransferQuerySet
from transfers.models.steps import TransferStep, TransferStepQuerySet
from transfers.models.events import AppendOnlyQuerySet, TransferEvent, events_recorded, replay
from transfers.models.letters import Letter
from transfers.models.supervision import Reminder
from transfers.models.exchange import ExchangePackage
# isort: on

# Kept by database triggers (migration 0008); defined beside the code that reads it.
from transfers.volume import VolumeCount

__all__ = [
    "ACTED_STEP_STATES",
    "HISTORY_STATES",
    "UNFINISHED_STATES",
    "AppendOnlyQuerySet",
    "Direction",
    "EventAction",
    "ExchangePackage",
    "InboundKind",
    "Letter",
    "Reminder",
    "StepRole",
    "StepState",
    "Transfer",
    "TransferEvent",
    "TransferQuerySet",
    "TransferState",
    "TransferStep",
    "TransferStepQuerySet",
    "TransferType",
    "VolumeCount",
    "events_recorded",
    "replay",
]
