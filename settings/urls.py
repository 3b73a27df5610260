from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from accounts import otp_views
from accounts import views as account_views
from accounts.forms import ThrottledAuthenticationForm
from orgs import views as org_views
from transfers import public_views
from transfers.views import home


class FaviconRedirect(RedirectView):
    """/favicon.ico → the hashed favicon.svg, looked up per request: under the manifest storage
    a lookup at import time would fail before collectstatic (and so break migrate and check)."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("favicon.svg")


admin.site.site_header = "全国党员管理信息系统 · 系统管理"
admin.site.site_title = "系统管理"
admin.site.index_title = "党组织、党员与账号"

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("accounts/password/", account_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/done/",
        account_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/otp/", otp_views.verify, name="otp_verify"),
    path("accounts/otp/enrol/", otp_views.enrol, name="otp_enrol"),
    path("accounts/otp/recovery-codes/", otp_views.recovery_codes, name="otp_recovery_codes"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/switch/", org_views.switch_organisation, name="switch_org"),
    path("members/", include("members.urls")),
    path("transfers/", include("transfers.urls")),
    path("verify/", public_views.verify, name="verify"),
    path("verify/<str:code>/", public_views.verify, name="verify_code"),
    path("admin/", admin.site.urls),
    path(
        "favicon.ico",
        login_not_required(FaviconRedirect.as_view()),
        name="favicon",
    ),
]
