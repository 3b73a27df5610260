from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group, Permission
from django.utils.html import format_html

from orgs.forms import ModelForm
from orgs.models import ACT_FOR_ORGANISATION, Organisation, OrganisationUserObjectPermission


class OrganisationCreateForm(ModelForm):
    """New organisations are placed under a parent given by its code (no 5-million-row select)."""

    parent_code = forms.CharField(
        label="上级党组织代码", max_length=32, required=False, help_text="留空则创建为根节点"
    )

    class Meta:
        model = Organisation
        fields = ["name", "short_name", "code", "level", "authority", "address", "phone", "fax"]
        fields += ["postcode", "is_active"]

    def clean_parent_code(self):
        code = self.cleaned_data["parent_code"].strip()
        if not code:
            return None
        parent = Organisation.objects.filter(code=code).first()
        if parent is None:
            raise forms.ValidationError("没有该代码的党组织。")
        if parent.is_branch:
            raise forms.ValidationError("党支部下不能再设党组织。")
        return parent


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["indented_name", "code", "level", "authority", "is_active"]
    list_filter = ["level", "authority", "is_active"]
    search_fields = ["name", "short_name", "code"]
    ordering = ["path"]
    show_full_result_count = False
    readonly_fields = ["parent_name"]
    list_per_page = 50

    @admin.display(description="党组织名称", ordering="path")
    def indented_name(self, obj):
        return format_html(
            '<span style="padding-left:{}em">{}</span>', (obj.depth - 1) * 1.5, obj.name
        )

    @admin.display(description="上级党组织")
    def parent_name(self, obj):
        parent = Organisation.objects.get_parent(obj) if obj.pk else None
        return parent.name if parent else "—"

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = OrganisationCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["parent_code", *OrganisationCreateForm.Meta.fields]
        return ["parent_name", *OrganisationCreateForm.Meta.fields]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save()
            return
        parent = form.cleaned_data.get("parent_code")
        if parent is None:
            Organisation.objects.add_root(instance=obj)
        else:
            Organisation.objects.add_child(parent, instance=obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting a node would orphan its subtree's members and history; deactivate instead.
        return False


class OrganisationRoleForm(ModelForm):
    class Meta:
        model = OrganisationUserObjectPermission
        fields = ["content_object"]

    def clean_content_object(self):
        org = self.cleaned_data["content_object"]
        held = OrganisationUserObjectPermission.objects.filter(
            user_id=self.instance.user_id,
            permission__codename=ACT_FOR_ORGANISATION,
            content_object=org,
        ).exclude(pk=self.instance.pk)
        if self.instance.user_id and held.exists():
            raise forms.ValidationError("该账号已在此党组织任职。")
        return org

    def save(self, commit=True):
        self.instance.permission = Permission.objects.get(
            codename=ACT_FOR_ORGANISATION, content_type__app_label="orgs"
        )
        return super().save(commit)


class OrganisationRoleFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        seen = set()
        for form in self.forms:
            if not getattr(form, "cleaned_data", None) or form.cleaned_data.get("DELETE"):
                continue
            org = form.cleaned_data.get("content_object")
            if org is not None and org.pk in seen:
                raise forms.ValidationError("同一党组织不能重复添加。")
            if org is not None:
                seen.add(org.pk)


class OrganisationRoleInline(admin.TabularInline):
    model = OrganisationUserObjectPermission
    form = OrganisationRoleForm
    formset = OrganisationRoleFormSet
    raw_id_fields = ["content_object"]
    extra = 1
    verbose_name = "任职党组织"
    verbose_name_plural = "任职党组织（该账号可以以这些党组织的身份办理业务）"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(permission__codename=ACT_FOR_ORGANISATION)
            .select_related("content_object")
        )


User = get_user_model()
admin.site.unregister(User)
# Rights come from 任职党组织 (a role on a node of the tree), never from Django's groups or
# model permissions: their screens would only offer switches that change nothing, in English.
admin.site.unregister(Group)


class SeparatedDutiesUserChangeForm(UserChangeForm):
    """三员分立: one account holds at most one of the three administrator groups."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "groups" in self.fields:
            self.fields["groups"].label = "管理员组"
            self.fields["groups"].help_text = (
                "三员分立：系统管理员、安全管理员、审计管理员，一个账号至多属于其中一个。"
                "办理业务的权限来自任职党组织，不来自用户组。"
            )

    def clean_groups(self):
        from accounts.admin_roles import GROUPS, may_combine

        groups = self.cleaned_data.get("groups")
        if groups is not None and not may_combine():
            held = [g.name for g in groups if g.name in GROUPS]
            if len(held) > 1:
                raise forms.ValidationError(
                    f"三员分立：一个账号只能属于一个管理员组（现选{'、'.join(held)}）。"
                )
        return groups


@admin.register(User)
class UserWithRolesAdmin(UserAdmin):
    form = SeparatedDutiesUserChangeForm
    inlines = [OrganisationRoleInline]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("个人信息", {"fields": ["first_name", "last_name", "email"]}),
        ("账号状态", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        # 三员分立: 系统管理员 / 安全管理员 / 审计管理员 (accounts.admin_roles), one at most.
        ("管理员角色（三员分立）", {"fields": ["groups"]}),
        ("重要日期", {"fields": ["last_login", "date_joined"]}),
    ]
    actions = ["reset_second_factor"]

    @admin.action(
        description="重置第二因素（丢失动态口令或恢复码时）", permissions=["reset_second_factor"]
    )
    def reset_second_factor(self, request, queryset):
        """The authenticator lost: its device and recovery codes removed, the account's
        sessions ended; at the next login it enrols a new one (accounts.otp.reset)."""
        from accounts import otp

        users = list(queryset)
        for user in users:
            otp.reset(user)
            # the user's history in the admin, and through it the audit trail (ADMIN_CHANGE)
            self.log_change(request, user, "重置第二因素：动态口令与恢复码已删除，须重新绑定")
        names = "、".join(u.get_username() for u in users[:10]) + ("等" if len(users) > 10 else "")
        self.message_user(
            request,
            f"已重置{names}共{len(users)}个账号的第二因素：已登录的会话随即结束，"
            "下次登录时须重新绑定动态口令。",
            messages.SUCCESS,
        )

    def has_reset_second_factor_permission(self, request) -> bool:
        """安全管理员 (accounts.admin_roles): the devices' delete permissions."""
        return request.user.has_perms(
            ["otp_totp.delete_totpdevice", "otp_static.delete_staticdevice"]
        )
