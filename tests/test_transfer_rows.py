"""The list cells written as template tags (transfers.templatetags.transfer_rows)."""

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import timezone

from transfers.models import Transfer

ROW = Template("{% load transfer_rows %}{% letter_days t %}")


def cell(expires_in_days: int | None) -> str:
    # As a list row reads it (selectors.row_values): the expiry as a value of the row.
    transfer = Transfer()
    transfer.row_letter_expires = None
    if expires_in_days is not None:
        transfer.row_letter_expires = timezone.localdate() + dt.timedelta(days=expires_in_days)
    return ROW.render(Context({"t": transfer}))


def test_the_letter_cell_says_how_long_the_letter_is_valid():
    assert cell(None) == "—"
    assert cell(30) == '<span class="badge">剩30天</span>'
    assert cell(8) == '<span class="badge">剩8天</span>'
    assert cell(7) == '<span class="badge badge-warn">剩7天</span>'
    assert cell(0) == '<span class="badge badge-warn">剩0天</span>'
    assert cell(-2) == '<span class="badge badge-danger">已过期2天</span>'


# 待办工作's row as the template wrote it before the tag (transfer_rows.todo_rows) took over:
# the tag must write the same cells.
TEMPLATE_ROW = Template(
    """{% load transfer_rows %}{% for n, step in page.numbered %}{% with t=step.transfer %}
    <tr>
      <td class="check"><input type="checkbox" name="ids" value="{{ t.pk }}" aria-label="选择{{ t.member_name }}"{% if request.GET.select == "all" %} checked{% endif %}></td>
      <td>{{ n }}</td><td>{{ t.member_name }}</td><td>{{ t.gender_display }}</td><td class="mono">{{ t.masked_id_number }}</td>
      <td>{{ t.get_type_display }}</td><td class="wrap">{{ t.source_name }}</td><td class="wrap">{{ t.target_name }}</td>
      <td>{{ t.launched_at|date:"Y-m-d" }}</td><td>{{ step.get_role_display }}</td>
      <td>{% if step.due_at and step.due_at < now %}<span class="badge badge-danger">超期 {{ step.waiting_days }} 天</span>{% else %}{{ step.waiting_days }} 天{% endif %}</td>
      <td>{% letter_days t %}</td>
      <td class="actions"><a href="{% id_url "transfers:letter" t.pk %}">查看介绍信</a> <a href="{% id_url "transfers:detail" t.pk %}">业务办理</a></td>
    </tr>
  {% endwith %}{% empty %}
    <tr><td colspan="13" class="empty">{{ empty_text }}</td></tr>
  {% endfor %}"""  # noqa: E501
)
TAG_ROWS = Template("{% load transfer_rows %}{% todo_rows page empty_text %}")


def _squeezed(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("select", ["", "all"])
def test_the_todo_rows_are_what_the_template_wrote(select, rf):
    from orgs.paging import paginate
    from tests.transfer_helpers import actor_for, draft_to, launch, org_of
    from transfers import selectors
    from transfers.models import TransferStep

    wxy = actor_for(org_of("wxy"))
    launched = [launch(draft_to(wxy, org_of("ltx_zb1"))) for _ in range(3)]
    launched[0].member_name = '<script>alert("x")</script>&'
    launched[0].save(update_fields=["member_name"])
    step = TransferStep.objects.filter(transfer=launched[1], state="pending").get()
    step.due_at = timezone.now() - dt.timedelta(days=1)  # 超期
    step.pending_since = timezone.now() - dt.timedelta(days=9)
    step.save(update_fields=["due_at", "pending_since"])
    org = step.org
    page = paginate(selectors.outgoing_todo(org), selectors.TODO_ORDERING)
    assert len(page.rows) == 3
    request = rf.get("/", {"select": select} if select else {})
    context = {"page": page, "request": request, "now": timezone.now(), "empty_text": "暂无。"}
    ours = TAG_ROWS.render(Context(context))
    assert _squeezed(ours) == _squeezed(TEMPLATE_ROW.render(Context(context)))
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;" in ours
    assert "超期 9 天" in ours
    assert ours.count(" checked") == (3 if select else 0)
    empty = {**context, "page": paginate(selectors.outgoing_todo(org_of("gx")), ["-id"])}
    assert _squeezed(TAG_ROWS.render(Context(empty))) == _squeezed(
        TEMPLATE_ROW.render(Context(empty))
    )
