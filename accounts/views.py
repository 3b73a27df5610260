"""修改密码: every user changes their own password (the old one is asked first)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy

from audit import trail
from audit.models import EventType


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        # Django keeps this session and ends every other session of the user (the session
        # hash follows the password).
        response = super().form_valid(form)
        trail.record(
            EventType.PASSWORD_CHANGE, object_type="auth.user", object_id=self.request.user.pk
        )
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"
