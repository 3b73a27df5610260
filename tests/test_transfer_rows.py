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
    """``html`` as a browser lays it out: runs of white space as one space, none next to the
    table's and list's own tags (where it shows nothing); a space between inline elements
    (``</a> <a>``) is kept."""
    html = re.sub(r"\s+", " ", html.strip())
    return re.sub(r" ?(</?(?:tr|td|ol|li)\b[^>]*>) ?", r"\1", html)


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


# The other lists' rows as their templates wrote them before the tags took over.
TEMPLATE_ROWS = {
    "done": Template(
        """{% load transfer_rows %}
  {% for n, t in page.numbered %}
    <tr>
      <td>{{ n }}</td><td>{{ t.member_name }}</td><td>{{ t.gender_display }}</td><td class="mono">{{ t.masked_id_number }}</td>
      <td>{{ t.get_type_display }}</td><td class="wrap">{{ t.source_name }}</td><td class="wrap">{{ t.target_name }}</td>
      <td class="wrap">{{ t.current_org.name|default:"—" }}</td><td>{{ t.launched_at|date:"Y-m-d" }}</td>
      <td><span class="state state-{{ t.state }}">{{ t.get_state_display }}</span></td>
      <td class="actions"><a href="{% id_url "transfers:detail" t.pk %}">查看</a>
        {% if t.initiator_id == acting_org.pk and t.state != "received" %}<a href="{% id_url "transfers:revoke" t.pk %}" data-dialog="revoke-dialog" data-action="{% id_url "transfers:revoke" t.pk %}" data-version="{{ t.version }}">撤销</a>{% endif %}
      </td>
    </tr>
  {% empty %}
    <tr><td colspan="11" class="empty">暂无未办结的已办工作。</td></tr>
  {% endfor %}"""  # noqa: E501
    ),
    "history": Template(
        """{% load transfer_rows %}
  {% for n, t in page.numbered %}
    <tr>
      <td>{{ n }}</td><td>{{ t.member_name }}</td><td>{{ t.gender_display }}</td><td class="mono">{{ t.masked_id_number }}</td>
      <td>{{ t.get_type_display }}</td><td class="wrap">{{ t.source_name }}</td><td class="wrap">{{ t.dest_branch_name|default:t.target_name }}</td>
      <td>{{ t.launched_at|date:"Y-m-d" }}</td><td>{{ t.received_on|date:"Y-m-d"|default:"—" }}</td>
      <td><span class="state state-{{ t.state }}">{{ t.get_state_display }}</span></td>
      <td class="actions"><a href="{% id_url "transfers:detail" t.pk %}">查看</a></td>
    </tr>
  {% empty %}
    <tr><td colspan="11" class="empty">没有符合条件的记录。</td></tr>
  {% endfor %}"""  # noqa: E501
    ),
    "unreported": Template(
        """{% load transfer_rows %}
  {% for n, t in page.numbered %}
    <tr>
      <td class="check"><input type="checkbox" name="ids" value="{{ t.pk }}" aria-label="选择{{ t.member_name }}"{% if request.GET.select == "all" %} checked{% endif %}></td>
      <td>{{ n }}</td><td>{{ t.member_name }}</td><td>{{ t.gender_display }}</td><td class="mono">{{ t.masked_id_number }}</td>
      <td>{{ t.get_type_display }}</td><td class="wrap">{{ t.source_name }}</td><td class="wrap">{{ t.dest_branch_name }}</td>
      <td>{{ t.received_on|date:"Y-m-d" }}</td><td>{% letter_days t %}</td>
      <td class="actions"><a href="{% id_url "transfers:letter" t.pk %}">查看介绍信</a> <a href="{% id_url "transfers:detail" t.pk %}">业务办理</a></td>
    </tr>
  {% empty %}
    <tr><td colspan="11" class="empty">暂无未报到的党员。</td></tr>
  {% endfor %}"""  # noqa: E501
    ),
}
TAGS = {
    "done": Template("{% load transfer_rows %}{% done_rows page %}"),
    "history": Template("{% load transfer_rows %}{% history_rows page %}"),
    "unreported": Template("{% load transfer_rows %}{% unreported_rows page %}"),
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "who", "select"),
    [
        ("done", "wxy", ""),
        ("done", "gxu", ""),
        ("history", "wxy", ""),
        ("history", "ltx", ""),
        ("unreported", "ltx", ""),
        ("unreported", "ltx", "all"),
    ],
)
def test_the_list_rows_are_what_their_templates_wrote(rows, who, select, rf):
    from orgs.paging import paginate
    from tests.transfer_helpers import approve_all, conclude, org_of
    from tests.transfer_view_helpers import national, stage, wxy_members
    from transfers import selectors

    members = wxy_members(6)
    members[0].name = '<b>"甲"</b>&'
    members[0].save(update_fields=["name"])
    stage("launched", member=members[0])
    stage("at_receiver", member=members[1])
    stage("received", member=members[2])
    stage("completed", member=members[3])
    conclude(approve_all(national(member=members[4])))
    national(member=members[5])
    org = org_of(who)
    selector, ordering = {
        "done": (selectors.outgoing_done, selectors.DONE_ORDERING),
        "history": (
            selectors.outgoing_history if who == "wxy" else selectors.incoming_history,
            selectors.HISTORY_ORDERING,
        ),
        "unreported": (selectors.not_reported, selectors.NOT_REPORTED_ORDERING),
    }[rows]
    page = paginate(selector(org), ordering)
    assert page.rows
    request = rf.get("/", {"select": select} if select else {})
    context = {"page": page, "request": request, "acting_org": org}
    ours = TAGS[rows].render(Context(context))
    assert _squeezed(ours) == _squeezed(TEMPLATE_ROWS[rows].render(Context(context)))
    assert ours.count("<tr>") == len(page.rows)
    assert "<b>" not in ours
    if rows == "done":
        assert ("撤销" in ours) == (who == "wxy")  # the initiator's own, until received
    empty = {**context, "page": paginate(selector(org).none(), ordering)}
    assert _squeezed(TAGS[rows].render(Context(empty))) == _squeezed(
        TEMPLATE_ROWS[rows].render(Context(empty))
    )


# 转接进度's row as out_progress.html wrote it before the tag took over.
PROGRESS_TEMPLATE = Template(
    """{% load transfer_rows %}
  {% for n, t in page.numbered %}
    {% with now=t.where_now %}
    <tr>
      <td data-label="序号">{{ n }}</td>
      <td data-label="姓名">{{ t.member_name }}</td>
      <td data-label="身份证号" class="mono">{{ t.masked_id_number }}</td>
      <td data-label="转接类型">{{ t.get_type_display }}</td>
      <td data-label="转出党支部" class="wrap">{{ t.source_name }}</td>
      <td data-label="目的地党组织" class="wrap">{{ t.target_name }}</td>
      <td data-label="当前环节" class="wrap">
        {% if now %}<strong>{{ now.org.name }}</strong> <span class="state state-in_progress">{{ now.get_role_display }}</span>
        {% elif t.state == "received" %}<strong>{{ t.dest_branch_name|default:t.target_name }}</strong> <span class="state state-received">已接收，待报到</span>
        {% elif t.state == "returned" %}<span class="state state-returned">已退回</span> 待发起党组织修改后重新发起或撤销
        {% else %}<span class="state state-draft">{{ t.get_state_display }}</span> 待发起党组织确认发起{% endif %}
      </td>
      <td data-label="等待起始">{% if now %}{{ now.pending_since|date:"Y-m-d H:i" }}{% elif t.state == "received" %}{{ t.received_on|date:"Y-m-d" }}{% else %}{{ t.launched_at|default:t.created_at|date:"Y-m-d H:i" }}{% endif %}</td>
      <td data-label="转接路径" class="wrap">
        <ol class="route" aria-label="转接路径">{% for s in t.route %}<li class="route-step state-{{ s.state }}"{% if s.state == "pending" %} aria-current="step"{% endif %}>{{ s.org.short_name|default:s.org.name }}<span class="route-role">（{{ s.get_role_display }}{% if s.state != "waiting" and s.state != "pending" %}·{{ s.get_state_display }}{% endif %}）</span></li>{% endfor %}</ol>
      </td>
      <td data-label="操作" class="actions"><a href="{% id_url "transfers:detail" t.pk %}">查看<span class="visually-hidden">{{ t.member_name }}的转接</span></a></td>
    </tr>
    {% endwith %}
  {% empty %}
    <tr><td colspan="10" class="empty">{% if acting_org.is_branch %}本支部{% else %}本级及下级{% endif %}暂无正在办理的组织关系转接。</td></tr>
  {% endfor %}"""  # noqa: E501
)
PROGRESS_TAG = Template("{% load transfer_rows %}{% progress_rows page %}")


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["wxy", "wxy_zb1", "gx"])
def test_the_progress_rows_are_what_the_template_wrote(who):
    """Every state a transfer on its way can be in: pending at a node (the current step), 已接收
    待报到, 已退回, 未发起; the path with what each node did; the empty list at a branch and
    above it."""
    from orgs.paging import paginate
    from tests.transfer_helpers import org_of
    from tests.transfer_view_helpers import stage, wxy_members
    from transfers import selectors

    members = wxy_members(5)
    members[0].name = '<i>"乙"</i>&'
    members[0].save(update_fields=["name"])
    for member, kind in zip(
        members, ["launched", "at_receiver", "received", "returned", "draft"], strict=True
    ):
        stage(kind, member=member)
    org = org_of(who)
    page = paginate(selectors.outgoing_progress(org), selectors.PROGRESS_ORDERING)
    context = {"page": page, "acting_org": org}
    ours = PROGRESS_TAG.render(Context(context))
    assert _squeezed(ours) == _squeezed(PROGRESS_TEMPLATE.render(Context(context)))
    if who != "gx" or page.rows:
        assert ours.count("<tr>") == len(page.rows)
    assert "<i>" not in ours
    empty = {**context, "page": paginate(selectors.outgoing_progress(org).none(), ["-id"])}
    assert _squeezed(PROGRESS_TAG.render(Context(empty))) == _squeezed(
        PROGRESS_TEMPLATE.render(Context(empty))
    )
