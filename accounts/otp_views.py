"""动态口令验证 and 绑定: the page after the password, and enrolment for those without a device."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import otp
from audit import trail
from audit.models import EventType, Outcome

WRONG_CODE = "动态口令或恢复码不正确，请重新输入。"
WRONG_ENROL_CODE = "动态口令不正确，请核对手机时间后输入身份验证器当前显示的6位数字。"
NEXT_KEY = "otp_next"


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=20,
        error_messages={"required": "请输入6位动态口令或8位恢复码。"},
    )


def _next_url(request) -> str:
    target = request.session.get(NEXT_KEY) or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


def _locked(request):
    # axes' user_locked_out signal has put the lockout on the audit trail (audit/signals.py).
    logout(request)
    return render(request, "registration/locked_out.html", status=429)


def _failed(request, form, what: str, message: str = WRONG_CODE):
    trail.record(
        EventType.OTP_VERIFY, outcome=Outcome.FAILURE, request=request, detail=f"{what}不正确"
    )
    if otp.count_failure(request, request.user.get_username()):
        return _locked(request)
    form.add_error("code", message)
    return None


@require_http_methods(["GET", "POST"])
def verify(request):
    """输入动态口令: after the password, before anything else."""
    if request.user.is_verified():
        return redirect(_next_url(request))
    if otp.confirmed_totp(request.user) is None:
        return redirect("otp_enrol")
    if request.GET.get("next"):
        request.session[NEXT_KEY] = request.GET["next"]
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = otp.verify(request.user, form.cleaned_data["code"])
        if device is None:
            response = _failed(request, form, "动态口令")
            if response is not None:
                return response
        else:
            otp_login(request, device)
            if isinstance(device, StaticDevice):
                left = device.token_set.count()
                trail.record(EventType.OTP_RECOVERY, request=request, detail=f"剩余恢复码{left}个")
                messages.warning(request, f"您使用了一个恢复码，还剩{left}个。")
            else:
                trail.record(EventType.OTP_VERIFY, request=request)
            return redirect(_next_url(request))
    return render(request, "registration/otp_verify.html", {"form": form})


@require_http_methods(["GET", "POST"])
def enrol(request):
    """绑定动态口令: scan the QR code (or type the secret), confirm with one code."""
    if otp.confirmed_totp(request.user) is not None:
        return redirect("otp_verify")
    device = otp.pending_totp(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = "".join(form.cleaned_data["code"].split())
        if token.isdigit() and len(token) == 6 and device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            request.session["otp_recovery_codes"] = otp.new_recovery_codes(request.user)
            trail.record(
                EventType.OTP_ENROL,
                request=request,
                object_type="auth.user",
                object_id=request.user.pk,
                detail="绑定动态口令并生成恢复码",
            )
            return redirect("otp_recovery_codes")
        response = _failed(request, form, "绑定时的动态口令", WRONG_ENROL_CODE)
        if response is not None:
            return response
    context = {
        "form": form,
        "qr": otp.qr_svg_data_uri(device),
        "secret": otp.secret_text(device),
    }
    return render(request, "registration/otp_enrol.html", context)


@require_http_methods(["GET"])
def recovery_codes(request):
    """The recovery codes, shown once right after enrolment."""
    codes = request.session.pop("otp_recovery_codes", None)
    if not codes:
        return redirect(_next_url(request))
    return render(
        request,
        "registration/otp_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )
