"""【查看介绍信】 as HTML and as PDF."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render

from audit import trail
from audit.models import EventType
from orgs.scoping import org_required
from transfers import selectors

# -- the letter ---------------------------------------------


@org_required
def letter(request, pk: int):
    """【查看介绍信】: the three-part form (存根 / 介绍信 / 回执)."""
    from transfers.letters import letter_context

    transfer = selectors.visible_transfer(request.org, pk)
    current = transfer.letters.filter(is_current=True).select_related("issuer").first()
    if current is None:
        raise Http404
    trail.record(
        EventType.LETTER_VIEW,
        object_type="transfers.letter",
        object_id=current.pk,
        detail=f"介绍信 {current.serial_number}",
    )
    return render(
        request,
        "transfers/letter.html",
        {**letter_context(current, request), "transfer": transfer, "subtabs": []},
    )


@org_required
def letter_pdf(request, pk: int):
    from transfers.letters import pdf_response

    transfer = selectors.visible_transfer(request.org, pk)
    current = transfer.letters.filter(is_current=True).select_related("issuer").first()
    if current is None:
        raise Http404
    trail.record(
        EventType.LETTER_PDF,
        object_type="transfers.letter",
        object_id=current.pk,
        detail=f"介绍信 {current.serial_number}",
    )
    return pdf_response(request, current)
