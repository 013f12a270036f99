"""Drafting cues from plain facts: no database, no OCR."""

from __future__ import annotations

from datetime import UTC, datetime

from timeline.extract.clocks import Line
from timeline.extract.cues import FrameText, Headline, ItemFacts, draft_cues

SCREEN = (1920, 1080)


def frame(*lines: Line, index: int = 0, time: float | None = None) -> FrameText:
    return FrameText(index=index, width=SCREEN[0], height=SCREEN[1], lines=list(lines), time=time)


def by_kind(drafts: list) -> dict[str, list]:
    kinds: dict[str, list] = {}
    for draft in drafts:
        kinds.setdefault(draft.kind, []).append(draft)
    return kinds


def test_platform_posting_and_receipt_are_strong_not_after_bounds() -> None:
    facts = ItemFacts(
        name="task.mp4",
        frames=[],
        posted=[(datetime(2023, 9, 20, tzinfo=UTC), "day")],
        received=datetime(2023, 12, 1, 9, 30, tzinfo=UTC),
    )
    drafts, _ = draft_cues(facts)
    posted, received = by_kind(drafts)["platform_upload"][0], by_kind(drafts)["received"][0]
    assert (posted.bound, posted.strength, posted.granularity) == ("not_after", "strong", "day")
    assert (posted.earliest.isoformat(), posted.latest.isoformat()) == (
        "2023-09-20T00:00:00+00:00",
        "2023-09-21T00:00:00+00:00",
    )
    assert (received.bound, received.latest) == ("not_after", datetime(2023, 12, 1, 9, 30, tzinfo=UTC))


def test_a_date_on_screen_is_a_weak_not_before_bound_wide_enough_for_any_zone() -> None:
    drafts, _ = draft_cues(ItemFacts(name="x.png", frames=[frame(Line("Обновлено 4 сентября 2023", 10, 200, 300, 20))]))
    [cue] = drafts
    assert (cue.kind, cue.bound, cue.strength, cue.granularity) == ("text_date", "not_before", "weak", "day")
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)
    assert cue.latest == datetime(2023, 9, 5, 12, tzinfo=UTC)
    assert "unknown zone" in cue.time_zone
    assert cue.locator == {"frame": 0, "box": [10, 200, 300, 20]}


def test_a_clock_is_an_on_cue_and_its_lines_are_not_read_again_as_text() -> None:
    drafts, _ = draft_cues(
        ItemFacts(
            name="x.png", frames=[frame(Line("14:32", 1800, 1042, 50, 14), Line("04.09.2023", 1780, 1060, 90, 14))]
        )
    )
    [cue] = drafts
    assert (cue.kind, cue.bound, cue.strength, cue.granularity) == ("clock", "on", "medium", "minute")
    assert cue.earliest == datetime(2023, 9, 4, 0, 32, tzinfo=UTC)
    assert cue.text == "14:32 / 04.09.2023"


def test_a_day_without_a_year_is_placed_by_the_upload_date_or_stays_a_candidate() -> None:
    screen = frame(Line("Mon 4 Sep 14:32", 1700, 4, 160, 16))
    drafts, candidates = draft_cues(ItemFacts(name="x.png", frames=[screen]))
    assert drafts == []
    assert candidates[0].text == "Mon 4 Sep 14:32"
    facts = ItemFacts(name="x.png", frames=[screen], posted=[(datetime(2024, 1, 15, tzinfo=UTC), "day")])
    drafts, candidates = draft_cues(facts)
    clock = by_kind(drafts)["clock"][0]
    assert candidates == []
    assert clock.earliest == datetime(2023, 9, 4, 0, 32, tzinfo=UTC)
    assert "Monday" in clock.details["year"]


def test_file_names_exif_and_document_metadata() -> None:
    facts = ItemFacts(
        name="Screenshot 2023-09-04 at 14.32.10.png",
        frames=[],
        metadata={
            "probe": {
                "exif": {"DateTimeOriginal": "2023:09:04 14:32:10", "OffsetTimeOriginal": "+03:00"},
                "CreationDate": "2023-07-20T09:30:00+02",
            }
        },
    )
    kinds = by_kind(draft_cues(facts)[0])
    assert kinds["filename"][0].granularity == "second"
    assert kinds["filename"][0].strength == "weak"
    exif = kinds["exif"][0]
    assert (exif.earliest, exif.time_zone) == (datetime(2023, 9, 4, 11, 32, 10, tzinfo=UTC), "UTC+03:00")
    assert kinds["document_meta"][0].earliest == datetime(2023, 7, 20, 7, 30, tzinfo=UTC)


def test_a_headline_match_is_a_strong_not_before_bound_with_its_source() -> None:
    headline = Headline(7, "Sanctions expanded", datetime(2023, 9, 4, tzinfo=UTC), "day", "Lenta.ru", "", 97.5)

    def lookup(texts: list[str]) -> list:
        return [((1, 2), headline)] if len(texts) > 2 else []

    lines = [Line("News", 10, 10, 60, 20), Line("Sanctions", 10, 40, 200, 20), Line("expanded", 10, 64, 200, 20)]
    drafts, _ = draft_cues(ItemFacts(name="x.png", frames=[frame(*lines)]), lookup)
    [cue] = drafts
    assert (cue.kind, cue.bound, cue.strength) == ("headline", "not_before", "strong")
    assert cue.locator["box"] == [10, 40, 200, 44]
    assert cue.details["outlet"] == "Lenta.ru"
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)


def test_the_same_date_on_many_keyframes_is_one_cue() -> None:
    frames = [frame(Line("Posted 4 September 2023", 10, 10, 300, 20), index=i, time=i * 2.0) for i in range(5)]
    drafts, _ = draft_cues(ItemFacts(name="x.mp4", frames=frames))
    [cue] = drafts
    assert cue.locator["frame"] == 0
    assert cue.details["seen_in_frames"] == 5


def test_dates_in_urls_on_screen_and_in_the_source_url() -> None:
    facts = ItemFacts(
        name="x.png",
        frames=[frame(Line("https://lenta.ru/news/2023/09/04/sanctions/", 10, 10, 500, 20))],
        source_urls=["https://www.example.org/2023/09/05/story"],
    )
    urls = by_kind(draft_cues(facts)[0])["url_date"]
    assert sorted(c.earliest.date().isoformat() for c in urls) == ["2023-09-03", "2023-09-04"]
    assert "text_date" not in by_kind(draft_cues(facts)[0])


def test_a_clock_date_that_reads_two_ways_spans_both_days() -> None:
    drafts, _ = draft_cues(
        ItemFacts(
            name="x.png", frames=[frame(Line("2:32 PM", 1800, 1042, 60, 14), Line("1/8/2023", 1800, 1060, 60, 14))]
        )
    )
    [cue] = drafts
    assert cue.details["readings"] == ["2023-08-01 (day first)", "2023-01-08 (month first)"]
    assert cue.earliest == datetime(2023, 1, 8, 0, 32, tzinfo=UTC)
    assert cue.latest == datetime(2023, 8, 2, 2, 33, tzinfo=UTC)


def test_a_russian_screen_reads_slash_dates_day_first_and_an_english_one_keeps_both() -> None:
    russian = frame(Line("Опубликовано 04/09/2023 в разделе Новости", 10, 10, 400, 20))
    [cue] = draft_cues(ItemFacts(name="x.png", frames=[russian]))[0]
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)
    english = frame(Line("Posted 04/09/2023 in News", 10, 10, 400, 20))
    [cue] = draft_cues(ItemFacts(name="x.png", frames=[english]))[0]
    assert cue.details["readings"] == ["2023-09-04 (day first)", "2023-04-09 (month first)"]


def test_a_post_timestamp_near_the_edge_is_no_clock() -> None:
    line = Line("2:32 PM · Sep 4, 2023 · 1.2M Views", 20, 640, 400, 16)
    drafts, _ = draft_cues(ItemFacts(name="x.png", frames=[FrameText(0, 800, 700, [line])]))
    assert [d.kind for d in drafts] == ["text_date"]


def test_a_day_without_a_year_just_after_midnight_local_time_keeps_its_year() -> None:
    screen = frame(Line("Mon 4 Sep 02:05", 1700, 4, 160, 16))
    facts = ItemFacts(name="x.png", frames=[screen], posted=[(datetime(2023, 9, 3, 23, 30, tzinfo=UTC), "instant")])
    [clock] = [d for d in draft_cues(facts)[0] if d.kind == "clock"]
    assert clock.earliest.year == 2023


def test_a_screen_in_a_language_the_case_did_not_name_is_read_in_it() -> None:
    # A Turkish page in a case that names English and Russian: "Eyl" (Eylül) is Turkish's own abbreviation.
    screen = frame(
        Line("Son dakika: Rusya'ya yeni yaptırımlar açıklandı", 10, 10, 600, 20),
        Line("Yayınlanma: 4 Eyl 2023 Pzt", 10, 40, 300, 20),
    )
    [cue] = draft_cues(ItemFacts(name="x.png", frames=[screen], locales=("en", "ru")))[0]
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)
    english = frame(Line("Published: 4 Eyl 2023 in the news section", 10, 10, 600, 20))
    assert draft_cues(ItemFacts(name="x.png", frames=[english], locales=("en", "ru")))[0] == []


def test_a_turkish_screen_settles_a_numeric_date_day_first_and_says_why() -> None:
    screen = frame(Line("Görev 04/09/2023 tarihinde tamamlandı, ödeme yapıldı", 10, 10, 600, 20))
    [cue] = draft_cues(ItemFacts(name="x.png", frames=[screen]))[0]
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)
    assert "Turkish" in cue.details["note"]


def test_a_date_after_the_item_was_posted_bounds_nothing_and_stays_a_candidate_with_the_reason() -> None:
    facts = ItemFacts(
        name="task.png",
        frames=[frame(Line("Deadline: 15 July 2025", 10, 200, 300, 20),
                      Line("Updated 4 September 2023", 10, 240, 300, 20),
                      Line("https://news.example/2032/03/07/misread", 10, 280, 400, 20),
                      Line("14:32", 1800, 1042, 50, 14), Line("20.03.2033", 1780, 1060, 90, 14))],
        posted=[(datetime(2023, 12, 5, tzinfo=UTC), "day")],
    )  # fmt: skip
    drafts, candidates = draft_cues(facts)
    kinds = by_kind(drafts)
    assert [cue.text for cue in kinds["text_date"]] == ["4 September 2023"]
    assert "url_date" not in kinds and "clock" not in kinds
    later = {candidate.text: candidate.reason for candidate in candidates}
    assert {"15 July 2025", "14:32 / 20.03.2033"} <= set(later)
    assert any("2032/03/07" in text for text in later)
    assert "after the item was posted or received (2023-12-06)" in later["15 July 2025"]
