"""The system check that refuses to run letters without a CJK font."""

from django.test import override_settings

from ops import checks


def test_no_cjk_font_is_an_error_naming_the_package(monkeypatch):
    monkeypatch.setattr(checks, "cjk_fonts", lambda: [])
    (problem,) = checks.check_cjk_font(None)
    assert problem.id == "ops.E001"
    assert problem.is_serious()
    assert "fonts-noto-cjk" in problem.hint


def test_no_fontconfig_is_an_error_too(monkeypatch):
    monkeypatch.setattr(checks.shutil, "which", lambda name: None)
    (problem,) = checks.check_cjk_font(None)
    assert problem.id == "ops.E001"
    assert "fontconfig" in problem.msg


@override_settings(DEBUG=True)
def test_the_demo_only_warns(monkeypatch):
    monkeypatch.setattr(checks, "cjk_fonts", lambda: [])
    (problem,) = checks.check_cjk_font(None)
    assert problem.id == "ops.W001"
    assert not problem.is_serious()


def test_an_installed_cjk_font_passes(monkeypatch):
    monkeypatch.setattr(checks, "cjk_fonts", lambda: ["Noto Sans CJK SC"])
    assert checks.check_cjk_font(None) == []


def test_this_machine_has_one():
    """The letters' tests need it anyway; fc-list really runs here."""
    assert checks.cjk_fonts()
