"""The login form: the same message for every failure, and the per-username delay."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts import throttle
from ops.net import client_ip


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        # One message for an unknown user, a wrong password and a disabled account.
        "invalid_login": "请输入正确的用户名和密码（注意区分大小写）。",
        "inactive": "请输入正确的用户名和密码（注意区分大小写）。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        address = client_ip(self.request) if self.request is not None else ""
        if address and throttle.address_blocked(address):
            raise forms.ValidationError(
                "本机登录失败次数过多，请30分钟后再试，或联系安全管理员。", code="throttled"
            )
        wait = throttle.wait_seconds(username)
        if wait:
            raise forms.ValidationError(f"登录尝试过于频繁，请{wait}秒后再试。", code="throttled")
        try:
            data = super().clean()
        except forms.ValidationError:
            throttle.failed(username)
            if address:
                throttle.address_failed(address)
            raise
        throttle.succeeded(username)
        return data
