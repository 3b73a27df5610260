"""django-otp's device admin pages are English and show secrets; 系统管理 does without them.
A user who has lost the authenticator is helped by the security administrator: the user list's
action 重置第二因素 (``orgs.admin.UserWithRolesAdmin``, ``accounts.otp.reset``)."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
