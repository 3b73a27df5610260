"""System checks for what the letters need from the machine."""

from __future__ import annotations

import shutil
import subprocess

from django.conf import settings
from django.core.checks import Error, Warning, register

FONT_HINT = "apt-get install fonts-noto-cjk (Debian/Ubuntu), then restart the application."


def cjk_fonts() -> list[str] | None:
    """Font families fontconfig has for Chinese, or None if fontconfig is not there."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run(  # noqa: S603 -- a fixed command, no input
        [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


@register()
def check_cjk_font(app_configs, **kwargs):
    """Without a CJK font every Chinese character of a letter PDF is an empty box. An error in
    production and tests; a warning under DEBUG so that the demo still starts."""
    fonts = cjk_fonts()
    if fonts:
        return []
    level = Warning if settings.DEBUG else Error
    what = "fontconfig (fc-list) is not installed" if fonts is None else "no CJK font is installed"
    return [
        level(
            f"{what}: letter PDFs would print every Chinese character as a box "
            "(未安装中文字体，介绍信PDF中的汉字将无法显示).",
            hint=FONT_HINT,
            id="ops.E001" if level is Error else "ops.W001",
        )
    ]
