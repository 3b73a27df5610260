"""The path and the log of 业务办理 (transfers/detail.html), written as tags.

Every action leads back to this page, so it is rendered once for every 同意, 接收 or 退回: its
path (three to a dozen steps, each with its organisation, role, state, who acted when and
their opinion) and its log (a row an event) were two thirds of the template's nodes. Written
here with ``format_html`` (every value escaped) as ``transfer_rows`` writes the lists' rows;
``tests/test_transfer_detail_tags.py`` compares them with the template markup they replaced.
"""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from transfers.templatetags.transfer_rows import _time

register = template.Library()

_STEP = (
    '<li class="timeline-step state-{}">'
    '<div class="timeline-head"><span class="path-org">{}</span>'
    '<span class="path-role">{}</span>'
    '<span class="state state-step-{}">{}</span></div>{}{}</li>\n'
)
_EVENT = "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} → {}</td></tr>\n"


def _step(step) -> str:
    if step.actor_id or step.acted_at:
        actor = step.actor
        who = (actor.get_full_name() or actor.username) if actor is not None else ""
        meta = format_html('<div class="timeline-meta">{} · {}</div>', who, _time(step.acted_at))
    elif step.state == "pending":
        meta = format_html(
            '<div class="timeline-meta">到达时间 {}</div>', _time(step.pending_since)
        )
    else:
        meta = ""
    opinion = (
        format_html('<div class="timeline-opinion">意见：{}</div>', step.opinion)
        if step.opinion
        else ""
    )
    return format_html(
        _STEP,
        step.state,
        step.org.name,
        step.get_role_display(),
        step.state,
        step.get_state_display(),
        meta,
        opinion,
    )


@register.simple_tag
def path_timeline(rounds) -> str:
    """转接路径: each round (newest first, titled when there are several), its steps in order."""
    parts = []
    for i, (number, steps) in enumerate(rounds):
        if len(rounds) > 1:
            current = "（当前）" if i == 0 else ""
            parts.append(format_html('<h3 class="round-title">第{}次发起{}</h3>', number, current))
        parts.append(
            format_html(
                '<ol class="timeline">\n{}</ol>\n',
                mark_safe("".join(_step(s) for s in steps)),  # noqa: S308 - format_html'd
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - each part format_html'd


@register.simple_tag
def log_rows(events) -> str:
    """办理记录: a row an event — 时间, 党组织, 操作人, 操作, 意见, 状态变化."""
    return mark_safe(  # noqa: S308 - each row format_html'd
        "".join(
            format_html(
                _EVENT,
                _time(e.at),
                e.org.name,
                e.actor_name,
                e.get_action_display(),
                e.opinion or "—",
                e.state_before_label,
                e.state_after_label,
            )
            for e in events
        )
    )
