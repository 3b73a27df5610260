"""放大镜's name fragment search is served by a trigram index on PostgreSQL."""

import pytest
from django.db import connection

from orgs.models import Organisation
from tests.transfer_helpers import org_of
from transfers.models import TransferType
from transfers.paths import target_candidates

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_a_name_fragment_search_can_use_the_trigram_index():
    qs = Organisation.objects.filter(name__contains="南宁市")
    with connection.cursor() as c:
        # The demo tree is small enough for a scan; forbid it to see the index serve the search.
        c.execute("SET LOCAL enable_seqscan = off")
        plan = qs.explain()
    assert "orgs_org_name_trgm" in plan
    found = target_candidates(
        initiator=org_of("wxy"), transfer_type=TransferType.PROVINCE, name="南宁市"
    )
    assert found.exists()
    assert all("南宁市" in o.name for o in found)


def test_the_member_name_search_reads_the_subtree_and_its_order_from_one_index():
    """党员信息维护 by name: a common name is in thousands of branches nationwide; the index on
    (name, branch_path, id) finds a subtree's ones without visiting the others' rows."""
    from members.models import Member

    qs = (
        Member.objects.in_scope_of(org_of("wxy"))
        .filter(name="张三")
        .order_by("branch_path", "id")
        .values("pk")
    )
    with connection.cursor() as c:
        c.execute("SET LOCAL enable_seqscan = off")
        c.execute("SET LOCAL enable_bitmapscan = off")
        plan = qs.explain()
    assert "using members_name_path_idx" in plan, plan
    assert "Sort" not in plan, plan
