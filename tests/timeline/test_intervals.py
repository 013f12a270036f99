"""The interval algebra: pure, with properties checked by Hypothesis."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from timeline.intervals import Interval, conflicting, intersect, narrowed, verdict

EVENT = datetime(2023, 7, 20, tzinfo=UTC)


@dataclass(frozen=True)
class C:
    bound: str
    earliest: datetime | None
    latest: datetime | None


def day(n: int) -> datetime:
    return EVENT + timedelta(days=n)


moments = st.integers(min_value=-400, max_value=400).map(day)


@st.composite
def cues(draw: st.DrawFn) -> C:
    bound = draw(st.sampled_from(["not_before", "not_after", "on"]))
    start = draw(moments)
    return C(bound, start, start + timedelta(days=draw(st.integers(min_value=0, max_value=30))))


def test_the_design_examples() -> None:
    headline = C("not_before", day(46), day(47))  # a headline of 4 September
    upload = C("not_after", day(60), day(61))  # posted later that month
    assert verdict(intersect([headline, upload]), EVENT).outcome == "after"
    assert verdict(intersect([headline, upload]), EVENT).margin_days == 46.0
    posted_in_december = C("not_after", day(150), day(151))
    assert verdict(intersect([posted_in_december]), EVENT).outcome == "undetermined"
    clock_in_june = C("on", day(-30), day(-29))
    assert verdict(intersect([clock_in_june]), EVENT).outcome == "before"
    assert verdict(intersect([clock_in_june, headline]), EVENT).outcome == "conflict"
    assert conflicting([clock_in_june, headline, upload]) == [headline, clock_in_june]


@given(st.lists(cues(), max_size=8), st.randoms())
def test_intersection_order_does_not_matter(items: list[C], rng: object) -> None:
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert intersect(items) == intersect(shuffled)


@given(st.lists(cues(), max_size=8), cues())
def test_adding_a_cue_never_widens_the_interval(items: list[C], extra: C) -> None:
    before, after = intersect(items), intersect([*items, extra])
    if before.earliest is not None:
        assert after.earliest >= before.earliest
    if before.latest is not None:
        assert after.latest <= before.latest


@given(st.lists(cues(), min_size=1, max_size=8), cues())
def test_a_consistent_cue_never_flips_after_into_before(items: list[C], extra: C) -> None:
    first = verdict(intersect(items), EVENT).outcome
    combined = intersect([*items, extra])
    if combined.empty:
        return
    second = verdict(combined, EVENT).outcome
    assert {first, second} != {"after", "before"}


@given(st.lists(cues(), max_size=8))
def test_a_conflict_is_exactly_an_empty_intersection_and_its_cues_disagree(items: list[C]) -> None:
    found = conflicting(items)
    assert bool(found) == intersect(items).empty
    if found:
        assert intersect(found).empty
        assert len(found) <= 2


def test_open_sides() -> None:
    assert verdict(Interval(None, None), EVENT).outcome == "undetermined"
    assert verdict(Interval(day(1), None), EVENT).outcome == "after"
    assert verdict(Interval(None, day(-1)), EVENT).outcome == "before"
    assert verdict(Interval(day(-1), day(1)), EVENT).outcome == "undetermined"


@given(st.lists(cues(), max_size=8), cues())
def test_narrowing_by_a_cue_is_intersecting_with_it(items: list[C], extra: C) -> None:
    assert narrowed(intersect(items), extra) == intersect([*items, extra])
