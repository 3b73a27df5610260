from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from orgs.models import COMMITTEE_LEVELS, Authority, Level, Organisation
from orgs.tree import (
    ancestor_paths,
    approval_nodes,
    common_path,
    county_domain_root,
    lowest_common_ancestor,
    national_node,
    nearest_committee,
    province_domain_root,
    receiving_committee,
    route_paths,
    subtree,
)


def names(orgs):
    return [o.short_name for o in orgs]


def test_the_subtree_of_the_university_holds_its_29_units(org):
    units = subtree(org("gxu")).filter(level=Level.GRASSROOTS)
    assert units.count() == 29
    assert not subtree(org("gxu")).filter(pk=org("qx").pk).exists()


def test_county_domain_of_a_university_unit_is_the_university(org):
    assert county_domain_root(org("wxy_zb1")) == org("gxu")
    assert county_domain_root(org("wxy")) == org("gxu")
    assert county_domain_root(org("qx_jd_zb1")) == org("qx")


def test_an_org_above_county_level_is_its_own_county_domain(org):
    assert county_domain_root(org("nn")) == org("nn")
    assert county_domain_root(org("gx")) == org("gx")


def test_province_domain(org):
    assert province_domain_root(org("wxy_zb1")) == org("gx")
    assert province_domain_root(org("yl_jd")) == org("hn")
    assert province_domain_root(org("gx")) == org("gx")


def test_lowest_common_ancestor(org):
    assert lowest_common_ancestor(org("wxy"), org("ltx")) == org("gxu")
    assert lowest_common_ancestor(org("wxy"), org("qx_jd")) == org("gx")
    assert lowest_common_ancestor(org("wxy"), org("yl_jd")) is None
    assert lowest_common_ancestor(org("gxu"), org("wxy_zb1")) == org("gxu")


def test_approval_nodes_between_two_university_units(org):
    assert names(approval_nodes(org("wxy"), org("ltx"))) == ["广西某大学党委", "离退休党委"]


def test_approval_nodes_from_a_unit_to_a_nanning_street_committee(org):
    route = approval_nodes(org("wxy"), org("qx_jd"))
    assert names(route) == [
        "广西某大学党委",
        "广西区党委",
        "南宁市委",
        "青秀区委",
        "新竹街道党工委",
    ]


def test_approval_nodes_skip_general_branches_and_branches(org):
    route = approval_nodes(org("wxy_zzb1_zb1"), org("ltx"))
    assert names(route) == ["文学院党委", "广西某大学党委", "离退休党委"]


def test_approval_nodes_up_to_an_ancestor_end_there(org):
    assert names(approval_nodes(org("wxy"), org("gxu"))) == ["广西某大学党委"]
    assert approval_nodes(org("wxy"), org("wxy")) == []


def test_receiving_committee_of_a_branch_is_its_grassroots_committee(org):
    assert receiving_committee(org("ltx_zb1")) == org("ltx")
    assert receiving_committee(org("wxy_zzb1_zb2")) == org("wxy")
    assert receiving_committee(org("qx_jd")) == org("qx_jd")


def test_national_node_of_a_unit_is_the_university(org):
    assert national_node(org("wxy")) == org("gxu")
    assert national_node(org("qx_jd")) == org("qx")
    assert national_node(org("gx")) == org("gx")


def test_nearest_committee_of_a_branch_under_a_general_branch(org):
    assert nearest_committee(org("wxy_zzb1_zb1")) == org("wxy")


def test_demo_authorities(org):
    for username in ["gx", "nn", "qx", "gxu", "hn", "cs", "yl"]:
        assert org(username).authority == Authority.NATIONAL, username
    for username in ["qx_jd", "wxy", "ltx", "yl_jd"]:
        assert org(username).authority == Authority.COUNTY, username
    for username in ["wxy_zb1", "wxy_zzb1", "ltx_zb1", "yl_jd_zb1"]:
        assert org(username).authority == Authority.NONE, username


# -- pure path arithmetic ---------------------------------------------------------------------


def test_ancestor_paths_and_common_path():
    assert ancestor_paths("000100020003") == ["0001", "00010002"]
    assert ancestor_paths("000100020003", include_self=True)[-1] == "000100020003"
    assert common_path("000100020003", "00010002000A") == "00010002"
    assert common_path("00010002", "00010003") == "0001"
    assert common_path("0001", "0002") == ""


def test_route_paths_go_up_then_down():
    assert route_paths("000100020003", "000100040005") == [
        "00010002",
        "0001",
        "00010004",
        "000100040005",
    ]


# -- properties on random trees ----------------------------------------------------------------

LEVEL_ORDER = [
    Level.PROVINCE,
    Level.CITY,
    Level.COUNTY,
    Level.GRASSROOTS,
    Level.GENERAL_BRANCH,
    Level.BRANCH,
]


@st.composite
def random_trees(draw):
    """A list of (parent index or None, level) describing a tree, parents before children."""
    size = draw(st.integers(min_value=2, max_value=14))
    nodes = [(None, Level.PROVINCE)]
    for _ in range(size - 1):
        candidates = [i for i, (_, lv) in enumerate(nodes) if lv != Level.BRANCH]
        parent = draw(st.sampled_from(candidates))
        parent_level = LEVEL_ORDER.index(nodes[parent][1])
        level = draw(st.sampled_from(LEVEL_ORDER[parent_level + 1 :]))
        nodes.append((parent, level))
    a = draw(st.integers(min_value=0, max_value=size - 1))
    b = draw(st.integers(min_value=0, max_value=size - 1))
    return nodes, a, b


class RouteProperties(TestCase):
    @settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(random_trees())
    def test_the_route_connects_a_to_b_without_branches_or_repeats(self, case):
        nodes, a_index, b_index = case
        created: list[Organisation] = []
        root = Organisation.objects.add_root({"name": "根", "code": "R", "level": nodes[0][1]})
        created.append(root)
        for i, (parent, level) in enumerate(nodes[1:], start=1):
            fields = {"name": f"节点{i}", "code": f"R{i}", "level": level}
            created.append(Organisation.objects.add_child(created[parent], fields))
        a, b = created[a_index], created[b_index]
        a.refresh_from_db()
        b.refresh_from_db()

        route = route_paths(a.path, b.path)
        # Connected: every consecutive pair is parent/child, starting next to a and ending at b.
        walk = [a.path, *route]
        for x, y in pairwise(walk):
            assert x.startswith(y) or y.startswith(x)
            assert abs(len(x) - len(y)) == Organisation.steplen
        if a != b:
            assert route[-1] == b.path
        assert a.path not in route
        assert len(route) == len(set(route))

        nodes_ = approval_nodes(a, b)
        assert all(o.level in COMMITTEE_LEVELS for o in nodes_)
        assert len({o.pk for o in nodes_}) == len(nodes_)
        assert a not in nodes_
        assert [o.path for o in nodes_] == [p for p in route if p in {o.path for o in nodes_}]
        if b.level in COMMITTEE_LEVELS and a != b:
            assert nodes_[-1] == b


@pytest.mark.postgres
def test_path_columns_compare_in_c_collation_on_postgresql(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, collation_name FROM information_schema.columns "
            "WHERE column_name IN ('path', 'branch_path') AND table_schema = 'public'"
        )
        collations = dict(cursor.fetchall())
    assert collations == {
        "orgs_organisation": "C",
        "members_member": "C",
        "transfers_volumecount": "C",
    }
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'orgs_organisation' "
            "AND indexdef LIKE '%%(path%%'"
        )
        path_indexes = [row[0] for row in cursor.fetchall()]
    # One unique btree serves both LIKE 'p%' and ORDER BY path in the C collation.
    assert len(path_indexes) == 1, path_indexes
    assert "UNIQUE" in path_indexes[0]
    assert "pattern_ops" not in path_indexes[0]
