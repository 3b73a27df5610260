"""Control characters are removed when text is saved, and one stored before cannot break an
export (openpyxl refuses C0 characters with IllegalCharacterError)."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from members.models import Member, MemberState
from members.text import clean_text, has_control_characters
from tests.transfer_view_helpers import stage, url
from transfers.exports import write_rows
from transfers.models import Transfer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("王\x00小明", "王小明"),
        ("王\x07\x1b小明\x7f", "王小明"),
        ("\u202e王小明\u2066", "王小明"),
        ("  王小明\t\n", "王小明"),
        ("第一行\r\n第二行", "第一行 第二行"),
        ("😀王", "😀王"),
        ("=1+2", "=1+2"),  # formulas are an export's concern, written as text there
    ],
)
def test_clean_text_removes_what_cannot_be_seen(raw, clean):
    assert clean_text(raw) == clean
    assert not has_control_characters(clean_text(raw))


def test_multiline_text_keeps_its_lines():
    assert clean_text("一\r\n二\x00\n三", multiline=True) == "一\n二\n三"


def test_a_member_edit_saves_the_name_without_control_characters(client_as, org):
    member = Member.objects.filter(branch=org("wxy_zb1"), state=MemberState.NORMAL)[0]
    client = client_as("wxy")
    form = client.get(reverse("members:edit", args=[member.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["name"] = "李\x07\u202e四\x1b"
    response = client.post(reverse("members:edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "李四"


def test_a_name_of_control_characters_only_is_empty_and_refused(client_as, org):
    member = Member.objects.filter(branch=org("wxy_zb1"), state=MemberState.NORMAL)[0]
    client = client_as("wxy")
    form = client.get(reverse("members:edit", args=[member.pk])).context["form"]
    data = {name: form[name].value() or "" for name in form.fields}
    data["name"] = "\x07\x08"
    assert client.post(reverse("members:edit", args=[member.pk]), data).status_code == 400


def test_an_opinion_is_saved_without_control_characters(client_as):
    transfer = stage("launched")
    client_as("gxu").post(
        url("reject", transfer), {"version": transfer.version, "reason": "材料\x00不\x1b全"}
    )
    assert transfer.events.last().opinion == "材料不全"


def test_a_control_character_already_stored_does_not_break_an_export(client_as):
    transfer = stage("completed")
    Transfer.objects.filter(pk=transfer.pk).update(member_name="坏\x01名\x1f字")
    response = client_as("wxy").post(url("out_history_export"))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert "坏名字" in [c.value for c in sheet[2]]


def test_the_cell_writer_drops_illegal_characters():
    stream = io.BytesIO()
    write_rows([["a\x00b\x0bc"]], stream, title="t", headers=["序号", "x"])
    sheet = openpyxl.load_workbook(io.BytesIO(stream.getvalue())).active
    assert sheet["B2"].value == "abc"
