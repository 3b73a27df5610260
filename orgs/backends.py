"""The authentication backend: Django's model backend, except that the user is read in the same
query as the organisation the session acts for (``orgs.middleware``), one round trip per request
instead of two. Passwords, ``is_active`` and the session hash are checked exactly as Django does."""

from __future__ import annotations

import contextvars

from django.contrib.auth.backends import ModelBackend

from orgs.roles import user_and_role_organisation

# The acting organisation's id from the session, set by orgs.middleware around Django's
# get_user(); the backend is called with the user's id only.
acting_org_hint: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "acting_org_hint", default=None
)


class RoleBackend(ModelBackend):
    def get_user(self, user_id):
        org_id = acting_org_hint.get()
        if org_id is None:
            return super().get_user(user_id)
        user, org = user_and_role_organisation(user_id, org_id)
        if user is None or not self.user_can_authenticate(user):
            return None
        user.acting_role = (org_id, org)  # org None: no role on it now
        return user
