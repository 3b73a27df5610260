"""The one public page: anyone holding a letter's verification code may check it (介绍信查验).

It says whether the letter is valid, expired, used or revoked, with the serial number, dates and
organisations, and the member's name masked (张*); never the ID number. An unknown code gets the
same answer as a malformed one, so codes cannot be probed, and each address may ask only a few
times in a window (``VERIFY_RATE_LIMIT``).
"""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ops.net import client_ip
from ops.ratelimit import over_limit
from transfers.letters import letter_status
from transfers.models import Letter

CODE_RE = re.compile(r"^[23456789A-HJ-NP-Z]{12}$")


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧***."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _over_limit(request) -> bool:
    """Counted per client address in the shared cache, so every worker and node agrees."""
    count, window = settings.VERIFY_RATE_LIMIT
    return over_limit(f"verify:{client_ip(request)}", limit=count, window=window)


@login_not_required
@never_cache
def verify(request, code: str = ""):
    code = (request.GET.get("code") or code or "").strip().upper()
    if not code:
        return render(request, "transfers/verify.html", {"asked": False})
    if _over_limit(request):
        return render(request, "transfers/verify.html", {"limited": True}, status=429)
    letter = None
    if CODE_RE.match(code):
        letter = (
            Letter.objects.filter(verification_code=code)
            .select_related("transfer")
            .only(
                "serial_number",
                "version",
                "is_current",
                "member_name",
                "from_org_name",
                "to_org_name",
                "seal_org_name",
                "issued_on",
                "expires_on",
                "transfer__state",
            )
            .first()
        )
    context = {"asked": True, "code": code, "found": letter is not None}
    if letter is not None:
        context.update(
            status=letter_status(letter),
            serial_number=letter.serial_number,
            version=letter.version,
            name=mask_name(letter.member_name),
            from_org=letter.from_org_name,
            to_org=letter.to_org_name,
            issuer=letter.seal_org_name,
            issued_on=letter.issued_on,
            expires_on=letter.expires_on,
        )
    return render(request, "transfers/verify.html", context)
