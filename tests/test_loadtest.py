"""manage.py loadtest against a live server: every action of ``--mode actions`` is accepted.

The load script is how the README's rates are measured; a form it posts wrong would measure a
refusal (a 400 or a 404 is cheap) instead of the action. A short run over a few prepared
transfers must show each action done, none failed, and the login page's rate beside them."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from transfers.models import Letter, Transfer, TransferState, TransferType

pytestmark = pytest.mark.usefixtures("demo_db")


def _run(live_server, mode: str) -> str:
    out = StringIO()
    call_command("loadtest", url=live_server.url, mode=mode, seconds=1, threads=1, stdout=out)
    return out.getvalue()


def _counts(output: str) -> dict[str, int]:
    return {kind: int(n) for kind, n in re.findall(r"^\| (\S+) \| (\d+) \|", output, re.M)}


def test_actions_mode_takes_each_action_on_what_the_one_before_left(live_server):
    call_command("loadtest", prepare=8, stdout=StringIO())
    prepared = Transfer.objects.filter(member_name__startswith="压测")
    drafts = sorted(prepared.filter(state=TransferState.DRAFT).values_list("pk", flat=True))
    assert len(drafts) == 2
    expired = prepared.filter(letter_expires_on__lt=timezone.localdate())
    assert expired.count() == 2
    assert Letter.objects.filter(transfer__in=expired, expires_on__lt=timezone.localdate()).count()
    county = sorted(prepared.filter(type=TransferType.COUNTY).values_list("pk", flat=True))
    assert len(county) == 10  # 8 waiting and the 2 drafts 确认发起 launches first
    assert prepared.filter(type=TransferType.NATIONAL).count() == 2
    approved = [pk for pk in county if pk % 3 == 0]
    reported = [pk for pk in approved if pk % 2 == 0]
    sent_back = [pk for pk in approved if pk % 2]
    changed = [pk for pk in county if pk % 3 == 1]
    rejected = [pk for pk in county if pk % 3 == 2]
    relaunched = [pk for pk in sent_back + rejected if pk % 2 == 0]
    output = _run(live_server, "actions")
    counts = _counts(output)
    assert not [kind for kind in counts if "失败" in kind], output
    done = {
        "确认发起": 2,
        "换发介绍信": 2,
        "同意": len(approved),
        "接收": len(approved),
        "报到": len(reported),
        "退回": len(sent_back),
        "更改": len(changed),
        "办结": 2,
        "登记回执": 2,
        "不同意": len(rejected),
        "重新发起": len(relaunched),
        "撤销": len(rejected) + len(sent_back) - len(relaunched),
    }
    assert {kind: counts.get(kind, 0) for kind in done} == done, output
    # Like a browser, each action's redirect is followed.
    assert all(counts.get(f"{kind}后打开的页面", 0) == n for kind, n in done.items()), output
    assert counts["登录页"] > 0
    assert re.search(r"^接收/s ÷ 登录页/s = [\d.]+ ÷ [\d.]+ = [\d.]+$", output, re.M), output
    states = dict(prepared.values_list("pk", "state"))
    assert sorted(states.values()) == sorted(
        [TransferState.COMPLETED] * len(reported)
        + [TransferState.IN_PROGRESS] * (len(changed) + len(relaunched))  # waiting again
        + [TransferState.CONCLUDED] * 2
        + [TransferState.REVOKED] * done["撤销"]
    )
    assert all(states[pk] == TransferState.IN_PROGRESS for pk in changed + relaunched)
    # Each letter renewed, each 回执 recorded: nothing of either left for a second round.
    assert not prepared.filter(letter_expires_on__lt=timezone.localdate()).exists()
    concluded = Letter.objects.filter(
        transfer__in=prepared, transfer__state=TransferState.CONCLUDED, is_current=True
    )
    assert sorted(concluded.values_list("receipt_is_paper", flat=True)) == [True, True]


def test_approve_mode_takes_every_waiting_transfer(live_server):
    call_command("loadtest", prepare=5, stdout=StringIO())
    counts = _counts(_run(live_server, "approve"))
    assert counts["同意"] == 5
    assert "同意（失败）" not in counts


def test_only_measures_the_actions_named(live_server):
    call_command("loadtest", prepare=8, stdout=StringIO())
    out = StringIO()
    call_command(
        "loadtest",
        url=live_server.url,
        mode="actions",
        only="确认发起",
        seconds=1,
        threads=1,
        stdout=out,
    )
    counts = _counts(out.getvalue())
    assert counts["确认发起"] == 2
    assert set(counts) == {"确认发起", "确认发起后打开的页面", "登录页"}, out.getvalue()
    assert not Transfer.objects.filter(state=TransferState.DRAFT, member_name__startswith="压测")


def test_only_refuses_an_action_it_does_not_know(live_server):
    with pytest.raises(CommandError, match="没有这些动作：审批"):
        call_command("loadtest", url=live_server.url, mode="actions", only="审批,同意")
