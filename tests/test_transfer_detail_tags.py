"""业务办理's path and log written by tags (transfers.templatetags.transfer_detail): the same
markup the template wrote, for every kind of step and event, escaped."""

import re

import pytest
from django.template import Context, Template

from tests.transfer_helpers import actor_for, org_of, receive
from tests.transfer_view_helpers import stage, wxy_members
from transfers import selectors, services

pytestmark = pytest.mark.django_db

# detail.html's path and log as the template wrote them before the tags took over.
TEMPLATE = Template(
    """<section>
  {% for round, steps in rounds %}
  {% if rounds|length > 1 %}<h3 class="round-title">第{{ round }}次发起{% if forloop.first %}（当前）{% endif %}</h3>{% endif %}
  <ol class="timeline">
    {% for step in steps %}
    <li class="timeline-step state-{{ step.state }}">
      <div class="timeline-head"><span class="path-org">{{ step.org.name }}</span><span class="path-role">{{ step.get_role_display }}</span><span class="state state-step-{{ step.state }}">{{ step.get_state_display }}</span></div>
      {% if step.actor or step.acted_at %}<div class="timeline-meta">{{ step.actor.get_full_name|default:step.actor.username }} · {{ step.acted_at|date:"Y-m-d H:i" }}</div>{% elif step.state == "pending" %}<div class="timeline-meta">到达时间 {{ step.pending_since|date:"Y-m-d H:i" }}</div>{% endif %}
      {% if step.opinion %}<div class="timeline-opinion">意见：{{ step.opinion }}</div>{% endif %}
    </li>
    {% endfor %}
  </ol>
  {% endfor %}
</section><table><tbody>
    {% for e in events %}
      <tr><td>{{ e.at|date:"Y-m-d H:i" }}</td><td>{{ e.org.name }}</td><td>{{ e.actor_name }}</td><td>{{ e.get_action_display }}</td><td>{{ e.opinion|default:"—" }}</td><td>{{ e.state_before_label }} → {{ e.state_after_label }}</td></tr>
    {% endfor %}
</tbody></table>"""  # noqa: E501
)
TAGS = Template(
    "{% load transfer_detail %}<section>{% path_timeline rounds %}</section>"
    "<table><tbody>{% log_rows events %}</tbody></table>"
)


def _squeezed(html: str) -> str:
    """``html`` as a browser lays it out: white space collapsed, none next to block tags."""
    html = re.sub(r"\s+", " ", html.strip())
    return re.sub(r" ?(</?(?:section|table|tbody|tr|td|ol|li|div|h3)\b[^>]*>) ?", r"\1", html)


def _context(transfer) -> dict:
    """What the detail view gives the template."""
    rounds = {}
    for step in selectors.path_steps(transfer):
        rounds.setdefault(step.round, []).append(step)
    return {
        "rounds": sorted(rounds.items(), reverse=True),
        "events": selectors.log_events(transfer),
    }


def _returned_and_relaunched():
    """Two rounds: 不同意 with an opinion that needs escaping, then launched again."""
    transfer = stage("launched")
    services.reject(
        actor=actor_for(org_of("gxu")), transfer=transfer, reason='<b>材料</b> & "不全"'
    )
    return services.relaunch(actor=actor_for(org_of("wxy")), transfer=transfer, confirmed=True)


@pytest.mark.parametrize(
    "build",
    [
        lambda: stage("draft"),
        lambda: stage("launched"),
        lambda: stage("at_receiver"),
        lambda: stage("received"),
        lambda: stage("completed"),
        lambda: stage("returned"),
        _returned_and_relaunched,
    ],
)
def test_the_path_and_the_log_are_what_the_template_wrote(build):
    transfer = build()
    context = _context(transfer)
    ours = TAGS.render(Context(context))
    assert _squeezed(ours) == _squeezed(TEMPLATE.render(Context(context)))
    assert "<b>" not in ours
    assert ours.count("<tr>") == len(context["events"])
    assert ours.count('<li class="timeline-step') == sum(len(s) for _, s in context["rounds"])


def test_a_name_and_an_opinion_are_escaped():
    member = wxy_members(1)[0]
    member.name = '<i>"甲"</i>&'
    member.save(update_fields=["name"])
    transfer = receive(stage("at_receiver", member=member), org_of("ltx_zb1"))
    ours = TAGS.render(Context(_context(transfer)))
    assert "<i>" not in ours
    assert _squeezed(ours) == _squeezed(TEMPLATE.render(Context(_context(transfer))))
