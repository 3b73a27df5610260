"""业务交换区 pages: find a package (身份证号 + 介绍信编号), import it as a 跨省（系统）转入, upload
and download package files for deployments that are not connected.

Only the side a package is addressed to (``exchange.addressed_to``) can find, open or import it;
for anyone else it does not exist (404). The 身份证号 is sent by POST, never in a URL, and the
package is shown with the number masked."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import EventType
from orgs.forms import Form
from orgs.scoping import committee_required, org_required
from transfers import exchange, selectors, services
from transfers.errors import TransferError
from transfers.forms import (
    IdField,
    LetterFields,
    _resolve_target,
    inbound_candidates,
    inbound_kind_field,
)
from transfers.models import ExchangePackage, TransferState


class FindForm(Form):
    id_number = forms.CharField(label="身份证号", max_length=18)
    letter_serial = forms.CharField(label="介绍信编号", max_length=60)


class UploadForm(Form):
    file = forms.FileField(label="交换包文件", error_messages={"required": "请选择交换包文件。"})


class ImportForm(LetterFields):
    inbound_kind = inbound_kind_field()
    target = IdField()
    target_query = forms.CharField(label="目的地党组织", max_length=200, required=False)

    def __init__(self, *args, initiator, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiator = initiator
        self.target_org = None
        self.target_choices = []

    def clean(self):
        return _resolve_target(self, super().clean(), lambda: inbound_candidates(self.initiator))


@committee_required
def find_package(request):
    """通过业务交换区转入 = 是: look the package up by 身份证号 and 介绍信编号."""
    form = FindForm(request.POST if request.method == "POST" else None)
    package = None
    if form.is_bound and form.is_valid():
        package = exchange.find(
            form.cleaned_data["id_number"], form.cleaned_data["letter_serial"], org=request.org
        )
        if package is not None and package.is_withdrawn:
            form.add_error(None, exchange.WITHDRAWN)
            package = None
        elif package is None:
            form.add_error(
                None,
                "业务交换区中未找到该党员的交换包：请核对身份证号和介绍信编号，"
                "或确认转出方已办结；交换包只能使用一次。",
            )
    return render(
        request,
        "transfers/inbound_exchange.html",
        {
            "form": form,
            "package": package,
            "upload": UploadForm(),
            "section": "in",
            "subtabs": [],
        },
    )


@require_POST
@committee_required
def upload_package(request):
    """A package file from another deployment: verified before it is accepted."""
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > exchange.MAX_FILE_BYTES:
                raise TransferError("文件过大，不是有效的交换包。", field="file")
            package = exchange.from_file(upload.read(exchange.MAX_FILE_BYTES + 1), org=request.org)
        except TransferError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, "交换包文件已通过签名校验并导入业务交换区。")
            return redirect("transfers:inbound_import", package_id=package.package_id)
    return render(
        request,
        "transfers/inbound_exchange.html",
        {"form": FindForm(), "upload": form, "section": "in", "subtabs": []},
        status=400,
    )


@committee_required
def import_package(request, package_id):
    """Import the member from the package (data prefilled, not retyped): choose where to."""
    # Unused, or used by this committee's own unlaunched draft (【返回上一步】 from the path).
    package = get_object_or_404(
        exchange.addressed_to(request.org).filter(
            Q(claimed_at__isnull=True)
            | Q(claimed_transfer__state=TransferState.DRAFT, claimed_by_org=request.org)
        ),
        package_id=package_id,
    )
    if package.is_withdrawn:
        messages.error(request, exchange.WITHDRAWN)
        return redirect("transfers:inbound_exchange")
    member, letter = services.inbound_member_from(package)
    if request.method == "POST":
        form = ImportForm(request.POST, initiator=request.org)
        if form.is_valid():
            d = form.cleaned_data
            try:
                transfer = services.draft_inbound(
                    actor=services.Actor(user=request.user, org=request.org),
                    member=member,
                    target=form.target_org,
                    origin_name=letter["from_org_name"],
                    origin_letter_number=letter["serial_number"],
                    letter=services.LetterInput(
                        dues_paid_through=d["dues_paid_through"],
                        validity_days=d["validity_days"],
                        member_phone=d["member_phone"],
                        remarks=d["letter_remarks"],
                    ),
                    package=package,
                    inbound_kind=d["inbound_kind"],
                )
            except TransferError as error:
                field = error.field if error.field in form.fields else None
                if error.field == "target":
                    field = "target_query"
                form.add_error(field, error.message)
            else:
                return redirect("transfers:inbound_preview", pk=transfer.pk)
        status = 400
    else:
        form = ImportForm(
            initial={
                "dues_paid_through": dt.date.fromisoformat(letter["dues_paid_through"]),
                "validity_days": 90,
                "member_phone": letter.get("member_phone") or member.phone,
                **_destination(package, request.org),
            },
            initiator=request.org,
        )
        status = 200
    return render(
        request,
        "transfers/inbound_import.html",
        {
            "form": form,
            "package": package,
            "member": member,
            "letter": letter,
            "section": "in",
            "subtabs": [],
        },
        status=status,
    )


def _destination(package: ExchangePackage, org) -> dict:
    """目的地党组织 as the package names it (去向), chosen already when exactly one
    organisation of this committee's subtree bears that name."""
    name = (package.payload.get("addressed_to") or package.payload["letter"]["to_org_name"])[:200]
    matches = list(inbound_candidates(org).filter(name=name).values_list("pk", flat=True)[:2])
    return {"target_query": name, "target": matches[0] if len(matches) == 1 else None}


@org_required
def download_package(request, pk: int):
    """The package of a transfer concluded out of the system, as a signed file."""
    transfer = selectors.visible_transfer(request.org, pk)
    package = ExchangePackage.objects.filter(source_transfer=transfer).first()
    if package is None:
        raise Http404
    trail.record(
        EventType.EXPORT,
        object_type="transfers.exchangepackage",
        object_id=package.package_id,
        detail=f"下载交换包 {package.letter_serial}",
    )
    response = HttpResponse(exchange.to_file(package), content_type="application/json")
    filename = f"交换包-{package.letter_serial}.json"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
