"""Helpers for the Playwright journeys (Debian's Chromium, see conftest)."""

from __future__ import annotations

import os
from pathlib import Path

from transfers.management.commands.demo import DEMO_PASSWORD

SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", "artifacts/screenshots"))


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def logout(page) -> None:
    page.click("form.logout button")


def screenshot(page, name: str) -> None:
    """Keep a picture of the page for a person to look at (artifacts/screenshots/)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
