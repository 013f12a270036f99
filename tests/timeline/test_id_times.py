"""Creation times decoded from identifiers by dfir-unfurl: real ids whose times are known, the checks, the cues."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest

from timeline.extract.clocks import Line
from timeline.extract.cues import FrameText, ItemFacts, draft_cues
from timeline.extract.ids import decoded, found_identifiers, id_times


def ms(value: int) -> datetime:
    return datetime.fromtimestamp(value / 1000, UTC)


def instagram_media_id(shortcode: str) -> int:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    number = 0
    for letter in shortcode:
        number = number * 64 + alphabet.index(letter)
    return number


def bluesky_tid(key: str) -> datetime:
    alphabet = "234567abcdefghijklmnopqrstuvwxyz"
    number = 0
    for letter in key:
        number = number * 32 + alphabet.index(letter)
    return datetime.fromtimestamp((number >> 10) / 1_000_000, UTC)


# Each format with a real identifier, and its time worked out here from the format's published definition,
# independently of the decoder: (text on screen, the id, the format's name, the creation time).
REAL = [
    # "the bird is freed", posted 2022-10-28 03:49 UTC: a snowflake is ms since 2010-11-04 01:42:54.657, shifted 22.
    ("x.com/elonmusk/status/1585841080431321088", "1585841080431321088", "X/Twitter status id (snowflake)",
     ms((1585841080431321088 >> 22) + 1288834974657)),
    # Discord's own documentation example: 2016-04-30 11:18:25.796 UTC (ms since 2015-01-01, shifted 22).
    ("https://discord.com/channels/175928847299117063/175928847299117063", "175928847299117063", "Discord snowflake",
     ms((175928847299117063 >> 22) + 1420070400000)),
    # TikTok: the first 32 of 64 bits are the Unix seconds (what follows is not documented: to the second).
    ("https://www.tiktok.com/@scout2015/video/6718335390845095173", "6718335390845095173", "TikTok id",
     datetime.fromtimestamp(6718335390845095173 >> 32, UTC)),
    # Mastodon: ms since the Unix epoch, shifted 16.
    ("https://mastodon.social/@Gargron/109370025446925584", "109370025446925584", "Mastodon status id",
     ms(109370025446925584 >> 16)),
    # LinkedIn: ms since the Unix epoch, shifted 22.
    ("linkedin.com/feed/update/urn:li:activity:6869237584232595457/", "6869237584232595457", "LinkedIn activity id",
     ms(6869237584232595457 >> 22)),
    # Instagram: the shortcode is the media id in base 64; ms since 2011-08-24 21:07:01.721, shifted 23.
    ("https://www.instagram.com/p/CwxQ9qJrS5L/", "CwxQ9qJrS5L", "Instagram media id",
     ms((instagram_media_id("CwxQ9qJrS5L") >> 23) + 1314220021721)),
    # MongoDB's documentation example: the first four bytes are the Unix seconds, 2012-10-17 21:13:27 UTC.
    ("https://api.example.org/items/507f1f77bcf86cd799439011", "507f1f77bcf86cd799439011", "MongoDB ObjectId",
     datetime(2012, 10, 17, 21, 13, 27, tzinfo=UTC)),
    # RFC 4122's DNS namespace, a version 1 UUID made 1998-02-04 22:13:53.151182 UTC.
    ("request id 6ba7b810-9dad-11d1-80b4-00c04fd430c8", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", "UUID version 1",
     datetime(1998, 2, 4, 22, 13, 53, 151182, tzinfo=UTC)),
    # Bluesky: a record key is a TID, microseconds since the Unix epoch in base 32, shifted 10.
    ("bsky.app/profile/jay.bsky.team/post/3lbd2ebt3wk2r", "3lbd2ebt3wk2r", "Bluesky record key (TID)",
     bluesky_tid("3lbd2ebt3wk2r")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "identifier", "decoder", "created"), REAL, ids=[r[2] for r in REAL])
def test_each_format_gives_the_creation_time_of_a_real_id(
    text: str, identifier: str, decoder: str, created: datetime
) -> None:
    kept, refused = id_times(text)
    assert refused == []
    (found,) = [k for k in kept if k.identifier == identifier]
    assert found.decoder == decoder
    # Exact formats to the millisecond; the others (TikTok, ObjectId) to the second.
    precision = timedelta(milliseconds=1) if found.exact else timedelta(seconds=1)
    assert abs(found.moment - created) < precision
    assert found.explanation.startswith(f"{decoder} {identifier} was created {created:%Y-%m-%d %H:%M:%S} UTC")


def test_numbers_that_only_look_like_ids_give_nothing() -> None:
    for text in ["Order #1585841080431321088", "+7 916 123-45-67", "https://shop.example/orders/1585841080431321088",
                 "https://example.org/page?t=1693838811", "build 20230904.1", "c1f5d1a4-4e2b-4a55-9d2a-0a1e5f3c7b11",
                 "toloka.ai/tasks/12345678"]:  # fmt: skip
        assert id_times(text) == ([], []), text


def test_an_id_whose_time_its_format_rules_out_is_refused_with_the_reason() -> None:
    # A snowflake of the platform's first day (a digit lost, or no real id) and one made after the item was received.
    kept, refused = id_times("https://discord.com/channels/123/175928847299117063")
    assert [k.identifier for k in kept] == ["175928847299117063"]
    assert "before any Discord snowflake was made (2015-05-13)" in refused[0].reason
    kept, refused = id_times("x.com/a/status/1585841080431321088", not_after=datetime(2021, 1, 1, tzinfo=UTC))
    assert kept == [] and "after the item was posted or received (2021-01-01 00:00 UTC)" in refused[0].reason
    # A shortcode OCR cut short.
    kept, refused = id_times("https://www.instagram.com/p/CY5/")
    assert kept == [] and "3 characters long, where a Instagram media id has 10 to 12" in refused[0].reason


def test_addresses_are_found_on_screen_with_or_without_their_scheme_and_with_the_spaces_ocr_put_in() -> None:
    line = "Ссылка: x.com/user/status/1585841080431321088, и https://www.tiktok.com/@a/video/6718335390845095173."
    assert found_identifiers(line) == [
        "https://x.com/user/status/1585841080431321088",
        "https://www.tiktok.com/@a/video/6718335390845095173",
    ]
    assert found_identifiers("Permalink: https://bsky.app/profile/annotator42. bsky.social/post/3lbd2ebt3wk2r") == [
        "https://bsky.app/profile/annotator42.bsky.social/post/3lbd2ebt3wk2r"
    ]
    assert found_identifiers("see https://x.com/. Then we left") == ["https://x.com/"]


def test_a_hostile_address_on_screen_makes_no_request(monkeypatch: pytest.MonkeyPatch) -> None:
    tried: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        tried.append(args)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    decoded.cache_clear()
    for text in ["https://bit.ly/3xYzAbC", "https://t.co/AbCdEf123", "https://lnkd.in/abcdEFG",
                 "https://bsky.app/profile/someone.example/post/3lbd2ebt3wk2r"]:  # fmt: skip
        id_times(text)
    assert tried == []


def test_ids_become_not_before_cues_strong_from_the_record_medium_on_screen() -> None:
    lines = [Line("x.com/elonmusk/status/1585841080431321088", 200, 40, 500, 20),
             Line("https://api.tasks.example/items/507f1f77bcf86cd799439011", 200, 80, 500, 20)]  # fmt: skip
    screen = FrameText(0, 1366, 768, lines)
    facts = ItemFacts(
        name="post.png", frames=[screen], source_urls=["https://www.tiktok.com/@scout2015/video/6718335390845095173"],
        posted=[(datetime(2023, 12, 5, tzinfo=UTC), "day")],
    )  # fmt: skip
    drafts, candidates = draft_cues(facts)
    cues = {cue.text: cue for cue in drafts if cue.kind == "id_time"}
    tweet, video = cues["1585841080431321088"], cues["6718335390845095173"]
    assert (tweet.bound, tweet.strength) == ("not_before", "medium")
    assert tweet.locator == {"frame": 0, "box": [200, 40, 500, 20]}
    assert tweet.earliest == tweet.latest == ms((1585841080431321088 >> 22) + 1288834974657)
    assert tweet.explanation.startswith("X/Twitter status id (snowflake) 1585841080431321088 was created 2022-10-28")
    assert tweet.details["tool"] == "dfir-unfurl"
    assert (video.strength, video.locator) == ("strong", {"field": "provenance.source_url"})
    # Any software makes ObjectIds: a string of their shape may be another thing, so one step weaker.
    assert cues["507f1f77bcf86cd799439011"].strength == "weak"
    # Made after the item was posted: set aside with the reason.
    late = FrameText(0, 1366, 768, [Line("https://x.com/a/status/1760000000000000000", 200, 40, 500, 20)])
    drafts, candidates = draft_cues(ItemFacts(name="x.png", frames=[late], posted=facts.posted))
    assert not [d for d in drafts if d.kind == "id_time"]
    assert [c.kind for c in candidates] == ["id"] and "after the item was posted" in candidates[0].reason


def test_a_hostile_address_breaks_nothing_and_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    for text in ["https://e.org:{mx$|b1}ZZ/x", "https://x.com/a/status/" + "9" * 400, "https://" + "a." * 300 + "com/",
                 "https://e.org/%ff%fe%00", "https://e.org/?" + "a=b&" * 300]:  # fmt: skip
        assert id_times(text)[0] == []
    assert capsys.readouterr().out == ""
