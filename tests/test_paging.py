"""orgs.paging.paginate: keyset pages over the demo members, walked both ways; a capped count."""

import base64
import json
from dataclasses import replace
from unittest.mock import patch

import pytest

from members.models import Member
from orgs.paging import Page, paginate

pytestmark = pytest.mark.django_db

ORDERINGS = [
    ["branch_path", "id"],  # the member list's own ordering
    ["-birth_date", "-id"],  # descending, on a date
    ["name", "id"],  # many ties on the leading key (common Chinese names)
    ["gender", "-birth_date", "id"],  # three keys, mixed directions
    ["-branch__code", "id"],  # a key across a relation
]
ORDERING_IDS = ["-".join(o) for o in ORDERINGS]


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor(payload) -> str:
    return b64(json.dumps(payload).encode())


def pks(page: Page) -> list[int]:
    return [row.pk for row in page.rows]


def walk_forward(queryset, ordering, size=None) -> list[Page]:
    pages = [paginate(queryset, ordering, size=size)]
    while pages[-1].next_cursor:
        pages.append(paginate(queryset, ordering, after=pages[-1].next_cursor, size=size))
        assert len(pages) < 1000, "next_cursor never ran out"
    return pages


def walk_backward(queryset, ordering, last: Page, size=None) -> list[Page]:
    pages = [last]
    while pages[-1].prev_cursor:
        pages.append(paginate(queryset, ordering, before=pages[-1].prev_cursor, size=size))
        assert len(pages) < 1000, "prev_cursor never ran out"
    return pages


def expected_pks(queryset, ordering) -> list[int]:
    """The database's own order (collations differ between SQLite and PostgreSQL)."""
    return list(queryset.order_by(*ordering).values_list("pk", flat=True))


@pytest.mark.parametrize("ordering", ORDERINGS, ids=ORDERING_IDS)
@pytest.mark.parametrize("size", [7, 10])
def test_it_visits_every_row_exactly_once_in_order_walking_forward(ordering, size):
    members = Member.objects.all()
    pages = walk_forward(members, ordering, size)
    seen = [pk for page in pages for pk in pks(page)]
    assert seen == expected_pks(members, ordering)
    assert len(seen) == len(set(seen)) == Member.objects.count()
    assert all(len(page.rows) == size for page in pages[:-1])
    assert 1 <= len(pages[-1].rows) <= size


@pytest.mark.parametrize("ordering", ORDERINGS, ids=ORDERING_IDS)
def test_it_gives_the_same_pages_in_reverse_walking_backward_from_the_last_page(ordering):
    members = Member.objects.all()
    forward = walk_forward(members, ordering, size=7)
    backward = walk_backward(members, ordering, forward[-1], size=7)
    assert [pks(p) for p in backward] == [pks(p) for p in reversed(forward)]
    assert [p.first_index for p in backward] == [p.first_index for p in reversed(forward)]


@pytest.mark.parametrize("ordering", ORDERINGS, ids=ORDERING_IDS)
def test_it_numbers_the_rows_right_on_every_page_forward_and_backward(ordering):
    members = Member.objects.all()
    forward = walk_forward(members, ordering, size=7)
    backward = walk_backward(members, ordering, forward[-1], size=7)
    position = {pk: n for n, pk in enumerate(expected_pks(members, ordering), start=1)}
    for page in forward + backward:
        assert page.first_index == position[page.rows[0].pk]
        assert [n for n, _ in page.numbered()] == [position[pk] for pk in pks(page)]
    assert forward[0].first_index == 1
    assert backward[-1].first_index == 1


def test_it_offers_cursors_only_where_there_is_somewhere_to_go(org):
    members = Member.objects.in_scope_of(org("gxu"))
    forward = walk_forward(members, ["branch_path", "id"], size=4)
    assert len(forward) >= 3
    assert forward[0].prev_cursor is None
    assert forward[-1].next_cursor is None
    assert all(p.next_cursor and p.prev_cursor for p in forward[1:-1])
    backward = walk_backward(members, ["branch_path", "id"], forward[-1], size=4)
    assert backward[-1].prev_cursor is None
    assert all(p.next_cursor for p in backward[1:])


def test_it_comes_back_to_the_same_page_after_going_back_then_forward(org):
    members = Member.objects.in_scope_of(org("wxy"))
    ordering = ["-birth_date", "-id"]
    forward = walk_forward(members, ordering, size=3)
    third = forward[2]
    second = paginate(members, ordering, before=third.prev_cursor, size=3)
    assert pks(second) == pks(forward[1])
    again = paginate(members, ordering, after=second.next_cursor, size=3)
    assert pks(again) == pks(third)
    assert again.first_index == third.first_index == 7


def test_it_uses_page_size_from_settings_when_no_size_is_given(settings):
    settings.PAGE_SIZE = 4
    page = paginate(Member.objects.all(), ["id"])
    assert len(page.rows) == 4


def test_it_walks_a_descending_ordering_from_the_youngest_member():
    members = Member.objects.all()
    pages = walk_forward(members, ["-birth_date", "-id"], size=10)
    rows = [row for page in pages for row in page.rows]
    assert rows[0].birth_date == max(m.birth_date for m in members)
    assert rows[-1].birth_date == min(m.birth_date for m in members)
    keys = [(r.birth_date, r.pk) for r in rows]
    assert keys == sorted(keys, reverse=True)


GARBAGE_CURSORS = {
    "not-base64": "abc",
    "punctuation": "!!!***",
    "base64-of-text": b64("这不是JSON".encode()),
    "base64-of-junk-json": b64(b'{"x": 1, "y": [}'),
    "json-without-keys": cursor({"x": 1}),
    "json-list": cursor([1, 2, 3]),
    "json-string": cursor("k"),
    "json-null": cursor(None),
    "keys-not-a-list": cursor({"k": "00010001", "n": 3}),
    "index-not-a-number": cursor({"k": ["0001", 1], "n": "three"}),
    "index-null": cursor({"k": ["0001", 1], "n": None}),
    "negative-index": cursor({"k": ["0001", 1], "n": -5}),
    "too-narrow": cursor({"k": ["0001"], "n": 3}),
    "too-wide": cursor({"k": ["0001", 1, 2], "n": 3}),
    "empty-keys": cursor({"k": [], "n": 3}),
}


@pytest.mark.parametrize("direction", ["after", "before"])
@pytest.mark.parametrize("bad", GARBAGE_CURSORS.values(), ids=GARBAGE_CURSORS.keys())
def test_it_falls_back_to_the_first_page_on_a_garbage_cursor(bad, direction):
    members = Member.objects.all()
    ordering = ["branch_path", "id"]
    first = paginate(members, ordering, size=5)
    page = paginate(members, ordering, size=5, **{direction: bad})
    assert pks(page) == pks(first)
    assert page.first_index == 1
    assert page.prev_cursor is None
    assert page.next_cursor == first.next_cursor


# Well-formed cursors of the right width whose values have the wrong type must not reach the
# user as an error: the page falls back to the first one.
TAMPERED_VALUES = {
    "id-not-a-number": (["branch_path", "id"], cursor({"k": ["0001", "abc"], "n": 3})),
    "date-not-a-date": (["-birth_date", "-id"], cursor({"k": ["garbage", 1], "n": 3})),
    "index-infinity": (["branch_path", "id"], b64(b'{"k": ["0001", 1], "n": Infinity}')),
    "index-overflow": (["branch_path", "id"], b64(b'{"k": ["0001", 1], "n": 1e400}')),
}


@pytest.mark.parametrize(("ordering", "bad"), TAMPERED_VALUES.values(), ids=TAMPERED_VALUES.keys())
def test_it_falls_back_to_the_first_page_on_a_cursor_with_values_of_the_wrong_type(ordering, bad):
    members = Member.objects.all()
    page = paginate(members, ordering, after=bad, size=5)
    assert pks(page) == pks(paginate(members, ordering, size=5))


def test_it_caps_the_count_and_shows_a_plus(settings):
    settings.COUNT_CAP = 5
    settings.PAGE_SIZE = 3
    page = paginate(Member.objects.all(), ["branch_path", "id"])
    assert len(page.rows) == 3
    assert page.count == 5
    assert page.count_capped is True
    assert page.count_display == "5+"


def test_it_does_not_cap_a_count_that_is_exactly_the_cap(settings):
    settings.COUNT_CAP = 5
    settings.PAGE_SIZE = 3
    five = Member.objects.filter(pk__in=Member.objects.order_by("id").values("pk")[:5])
    page = paginate(five, ["id"])
    assert page.count == 5
    assert page.count_capped is False
    assert page.count_display == "5"
    six = Member.objects.filter(pk__in=Member.objects.order_by("id").values("pk")[:6])
    assert paginate(six, ["id"]).count_display == "5+"


def test_it_still_walks_every_row_when_the_count_is_capped(settings):
    settings.COUNT_CAP = 5
    settings.PAGE_SIZE = 3
    members = Member.objects.all()
    pages = walk_forward(members, ["branch_path", "id"])
    assert [pk for p in pages for pk in pks(p)] == expected_pks(members, ["branch_path", "id"])
    assert all(p.count == 5 and p.count_capped for p in pages)
    assert pages[-1].first_index + len(pages[-1].rows) - 1 == Member.objects.count()


def test_it_counts_exactly_below_the_cap(org):
    members = Member.objects.in_scope_of(org("wxy"))
    page = paginate(members, ["branch_path", "id"], size=3)
    assert page.count == members.count()
    assert page.count_capped is False
    assert page.count_display == str(members.count())


def test_it_separates_thousands_in_the_count_display():
    page = Page(
        rows=[],
        counted=lambda: 10_001,
        cap=10_000,
        first_index=1,
        next_cursor=None,
        prev_cursor=None,
    )
    assert page.count_display == "10,000+"
    assert replace(page, counted=lambda: 1234).count_display == "1,234"


def test_it_gives_an_empty_page_with_no_cursors_for_an_empty_queryset():
    nobody = Member.objects.filter(name="查无此人")
    page = paginate(nobody, ["branch_path", "id"], size=5)
    assert page.rows == []
    assert page.count == 0
    assert page.count_capped is False
    assert page.count_display == "0"
    assert page.first_index == 1
    assert page.next_cursor is None
    assert page.prev_cursor is None
    assert list(page.numbered()) == []


def test_it_gives_an_empty_page_with_no_cursors_for_an_empty_queryset_even_with_a_cursor():
    members = Member.objects.all()
    a_cursor = paginate(members, ["branch_path", "id"], size=5).next_cursor
    nobody = Member.objects.filter(name="查无此人")
    for direction in ["after", "before"]:
        page = paginate(nobody, ["branch_path", "id"], size=5, **{direction: a_cursor})
        assert page.rows == []
        assert page.next_cursor is None
        assert page.prev_cursor is None


def test_the_badges_stop_counting_at_999_while_the_list_counts_on(org, settings):
    from orgs.paging import BADGE_CAP, count_display

    settings.COUNT_CAP = 10_000
    members = Member.objects.in_scope_of(org("wxy"))
    n = members.count()
    assert count_display(members) == str(n)
    with patch("orgs.paging.BADGE_CAP", n - 1):
        assert count_display(members) == f"{n - 1}+"
        assert paginate(members, ["branch_path", "id"], size=3).count == n
    assert BADGE_CAP == 999


def test_a_page_counts_up_to_the_cap_it_is_given(org):
    members = Member.objects.in_scope_of(org("wxy"))
    n = members.count()
    page = paginate(members, ["branch_path", "id"], size=3, count_cap=n - 1)
    assert (page.count, page.count_capped, page.count_display) == (n - 1, True, f"{n - 1}+")
    assert len(page.rows) == 3


def test_a_pages_counts_run_in_one_statement(org, django_assert_num_queries):
    from orgs.paging import Count, badge, count_together

    wxy, gxu = org("wxy"), org("gxu")
    here, there = Member.objects.in_scope_of(wxy), Member.objects.in_scope_of(gxu)
    nobody = Member.objects.none()
    with django_assert_num_queries(1):
        counts = count_together(
            {
                "here": here,
                "there": there,
                "both": Count((here, there)),
                "capped": Count((there,), cap=2),
                "nobody": nobody,
            }
        )
    assert counts["here"] == here.count() > 0
    assert counts["there"] == there.count() > 3
    assert counts["both"] == here.count() + there.count()
    assert counts["capped"] == 3  # one more than the cap: enough to say "more"
    assert counts["nobody"] == 0
    with django_assert_num_queries(0):
        assert count_together({"nobody": nobody}) == {"nobody": 0}
    assert [badge(n) for n in (0, 999, 1000, 12345)] == ["0", "999", "999+", "999+"]


def test_a_pages_lists_and_badges_are_counted_together_when_first_shown(
    org, django_assert_num_queries
):
    from orgs.paging import Counts

    members = Member.objects.in_scope_of(org("gxu"))
    women, men = members.filter(gender="female"), members.filter(gender="male")
    n, n_women, n_men = members.count(), women.count(), men.count()
    assert n_women > 0
    assert n_men > 0
    counts = Counts()
    with django_assert_num_queries(2):  # the rows of each page; no count yet
        first = paginate(members, ["branch_path", "id"], size=3, counts=counts)
        other = paginate(women, ["id"], size=3, counts=counts)
    badge = counts.add(members)
    with django_assert_num_queries(1):
        assert (first.count, other.count, badge()) == (n, n_women, n)
    with django_assert_num_queries(0):
        assert first.count_display == f"{n:,}"
    late = counts.add(men)  # added after the others ran: runs on its own
    with django_assert_num_queries(1):
        assert late() == n_men
