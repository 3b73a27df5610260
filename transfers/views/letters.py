"""【查看介绍信】 as HTML and as PDF."""

from __future__ import annotations

from django import forms
from django.http import Http404
from django.shortcuts import render

from audit import trail
from audit.models import EventType
from orgs.scoping import org_required
from transfers import selectors, services
from transfers.forms import VersionForm
from transfers.views.actions import _action, _perform


class ReissueForm(VersionForm):
    validity_days = forms.IntegerField(
        label="新介绍信有效期（天）",
        initial=90,
        min_value=1,
        max_value=90,
        error_messages={
            "required": "请填写有效期。",
            "min_value": "介绍信有效期应为1至90天（最长3个月）。",
            "max_value": "介绍信有效期应为1至90天（最长3个月）。",
            "invalid": "请填写1至90之间的天数。",
        },
    )


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


@org_required
def reissue(request, pk: int):
    """换发介绍信: the expired letter of a member not yet reported, as a new version."""
    return _action(
        request,
        pk,
        action="reissue",
        form_class=ReissueForm,
        title="换发介绍信",
        done="已换发介绍信（新版本），原介绍信已作废。",
        perform=_perform(request, services.reissue_letter, "validity_days"),
        related=("member", "initiator", "receiver"),  # what the new letter prints
    )
