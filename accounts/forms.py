"""The login form: the same message for every failure, and the per-username delay."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from accounts import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    error_messages = {
        # One message for an unknown user, a wrong password and a disabled account.
        "invalid_login": "请输入正确的用户名和密码（注意区分大小写）。",
        "inactive": "请输入正确的用户名和密码（注意区分大小写）。",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        wait = throttle.wait_seconds(username)
        if wait:
            raise forms.ValidationError(f"登录尝试过于频繁，请{wait}秒后再试。", code="throttled")
        try:
            data = super().clean()
        except forms.ValidationError:
            throttle.failed(username)
            raise
        throttle.succeeded(username)
        return data
