"""django-otp's device admin pages are English and show secrets; 系统管理 does without them.
A user who has lost both the authenticator and the recovery codes is helped from the shell
(``TOTPDevice.objects.filter(user=…).delete()``: the next login enrols again)."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
