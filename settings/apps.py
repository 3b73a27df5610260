"""Third-party apps under the names 系统管理 shows for them (their models: locale/zh_Hans)."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "登录安全"
