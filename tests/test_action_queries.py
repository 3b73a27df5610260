"""Every action over HTTP costs a handful of SQL queries, whatever the size of the data.

Counted for the POST that performs the action, the whole request: authentication, the acting
organisation, authorising the transfer, the change and its event, and the page's message. The
session store's own queries are left out: with sessions in the cache (production) there are none;
with the database backend add two (read and save).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.test_transfer_views_access import ACTIONS
from tests.transfer_view_helpers import url

pytestmark = pytest.mark.django_db

# The target is 8 for every action. The user and the acting organisation are one query
# (orgs.backends); 同意 and 撤销 cost 8 with the audit trail's row (安全审计), 报到 7. The others
# still write more rows one query at a time (不同意 returns node by node with an event each, 办结
# publishes to the exchange zone, 接收 and 更改 rebuild the member and the path): their budgets
# are what they cost now, so that nothing grows while they are brought down.
BUDGET = {
    "approve": 8,
    "revoke": 7,
    "report": 6,
    "reject": 8,
    "conclude": 11,
    "receive": 11,
    "send_back": 9,
    "change": 13,
    "launch": 12,
    "relaunch": 12,
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
