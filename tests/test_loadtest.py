"""manage.py loadtest against a live server: every action of ``--mode actions`` is accepted.

The load script is how the README's rates are measured; a form it posts wrong would measure a
refusal (a 400 or a 404 is cheap) instead of the action. A short run over a few prepared
transfers must show each action done, none failed, and the login page's rate beside them."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from transfers.models import Transfer, TransferState

pytestmark = pytest.mark.usefixtures("demo_db")


def _run(live_server, mode: str) -> str:
    out = StringIO()
    call_command("loadtest", url=live_server.url, mode=mode, seconds=1, threads=1, stdout=out)
    return out.getvalue()


def _counts(output: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in re.findall(r"^\| (\S+) \| (\d+) \|", output, re.M)}


def test_actions_mode_takes_each_action_on_what_the_one_before_left(live_server):
    call_command("loadtest", prepare=8, stdout=StringIO())
    output = _run(live_server, "actions")
    counts = _counts(output)
    assert not [kind for kind in counts if "失败" in kind], output
    # 同意 half of the eight, 接收 those, 报到 and 退回 two each, 不同意 the other four,
    # 撤销 the six that came back (four refused, two sent back).
    assert {k: counts.get(k) for k in ("同意", "接收", "报到", "退回", "不同意", "撤销")} == {
        "同意": 4,
        "接收": 4,
        "报到": 2,
        "退回": 2,
        "不同意": 4,
        "撤销": 6,
    }, output
    # Like a browser, each action's redirect is followed.
    assert counts["同意后打开的页面"] == 4
    assert counts["撤销后打开的页面"] == 6
    assert counts["登录页"] > 0
    assert re.search(r"^接收/s ÷ 登录页/s = [\d.]+ ÷ [\d.]+ = [\d.]+$", output, re.M), output
    states = Transfer.objects.filter(member_name__startswith="压测").values_list("state", flat=True)
    assert sorted(states) == sorted([TransferState.COMPLETED] * 2 + [TransferState.REVOKED] * 6)


def test_approve_mode_takes_every_waiting_transfer(live_server):
    call_command("loadtest", prepare=5, stdout=StringIO())
    counts = _counts(_run(live_server, "approve"))
    assert counts["同意"] == 5
    assert "同意（失败）" not in counts
