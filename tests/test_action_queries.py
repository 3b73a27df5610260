"""Every action over HTTP costs a handful of SQL queries, whatever the size of the data.

Counted for the POST that performs the action, the whole request: authentication, the acting
organisation, authorising the transfer, the change and its event, and the page's message. The
session store's own queries are left out: with sessions in the cache (production) there are none;
with the database backend add two (read and save).
"""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_transfer_views_access import ACTIONS
from tests.transfer_helpers import actor_for, org_of
from tests.transfer_view_helpers import stage, url
from transfers import services
from transfers.models import TransferState

pytestmark = pytest.mark.django_db

# The target is 8 for every action. The user and the acting organisation are one query
# (orgs.backends), the transfer is authorised and locked in one more, and each action ends with
# its events and the audit trail's rows (one INSERT each, however many). 报到 costs 7, 撤销 8,
# 不同意 7 (不同意 writes the round's steps in one UPDATE, whatever the path's length), 同意 8;
# an action that finishes the transfer (报到, 撤销, 办结) also closes its steps for 已办工作
# (TransferStep.transfer_open), one UPDATE.
# The others still write to more tables or check more: 退回 also the member and the letter's
# 回执; 办结 publishes to the exchange zone; 接收's form checks the branch and the member moves;
# 确认发起, 重新发起 and 更改 check the target (the form's one query, then one ancestry query),
# write the path and issue a letter. Their budgets are what they cost now, so that nothing grows.
BUDGET = {
    "approve": 8,
    "revoke": 8,
    "report": 7,
    "reject": 7,
    "conclude": 12,
    "receive": 11,
    "send_back": 9,
    "change": 12,
    "launch": 12,
    "relaunch": 11,
}


def action_queries(client, action, transfer, data):
    client.get("/")  # the acting organisation into the session
    form = data(transfer)  # the test's own look-ups are not the request's
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(action, transfer), form)
    assert response.status_code == 302, response.content.decode()[:2000]
    return [
        q["sql"]
        for q in ctx.captured_queries
        if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_action_costs_at_most_a_handful_of_queries(client_as, action):
    build, who, data, *_ = ACTIONS[action]
    transfer = build()
    queries = action_queries(client_as(who), action, transfer, data)
    assert len(queries) <= BUDGET[action], "\n".join(queries)


def test_a_return_costs_the_same_whatever_the_length_of_the_path():
    """不同意 at the receiver returns through two nodes, at the first approver through one."""
    counts = []
    for transfer, who in ((stage("launched"), "gxu"), (stage("at_receiver"), "ltx")):
        actor = actor_for(org_of(who))
        with CaptureQueriesContext(connection) as ctx:
            done = services.reject(actor=actor, transfer=transfer, reason="材料不全")
        assert done.state == TransferState.RETURNED
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(
    ("stage_name", "who", "budget"),
    [
        ("launched", "gxu", 5),
        # The receiving committee is met only on the route (one query to find it there), and
        # 接收's form lists its branches.
        ("at_receiver", "ltx", 7),
        ("received", "ltx_zb1", 5),
        ("completed", "wxy", 5),
        ("returned", "wxy", 5),
    ],
)
def test_the_page_after_an_action_reads_each_thing_once(client_as, stage_name, who, budget):
    """业务办理, where every action leads: the user with its organisation, the transfer with
    what the page shows of its member and organisations, the path (which also answers whose
    turn it is), the log and the letter — whatever the transfer's stage."""
    client = client_as(who)
    transfer = stage(stage_name)
    client.get("/")
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/transfers/t/{transfer.pk}/")
    assert response.status_code == 200
    queries = [
        q["sql"]
        for q in ctx.captured_queries
        if "django_session" not in q["sql"] and not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(queries) <= budget, "\n".join(queries)


# The actions whose screen authorises and locks the transfer in its own transaction (all but
# 确认发起, which locks the member first).
LOCKED_BY_THE_SCREEN = [a for a in ACTIONS if a != "launch"]


@pytest.mark.parametrize("action", LOCKED_BY_THE_SCREEN)
def test_an_action_runs_in_its_screens_transaction_without_a_savepoint_of_its_own(
    client_as, action
):
    """The test's own transaction turns the screen's into a savepoint; the service adds none
    (it would cost two statements on every action)."""
    build, who, data, *_ = ACTIONS[action]
    transfer = build()
    client = client_as(who)
    client.get("/")
    form = data(transfer)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(url(action, transfer), form)
    assert response.status_code == 302
    sql = [q["sql"] for q in ctx.captured_queries]
    # Not counting the database session store's own (the tests' settings; production has none).
    savepoints = [
        s
        for s, then in itertools.pairwise(sql)
        if s.startswith("SAVEPOINT") and "django_session" not in then
    ]
    # (接收 moves a member in a savepoint of its own only when it came from outside the system
    # and had left it before: its number may be in use again. Not these.)
    assert len(savepoints) == 1, "\n".join(q["sql"] for q in ctx.captured_queries)
