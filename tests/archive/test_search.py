"""Full-text search over a case: real OCR of a re-compressed screenshot, provenance and cues; only one's own cases."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from PIL import Image

from archive import search, services, views
from archive.models import Case, Membership, Provenance, SearchEntry, SearchKind, SearchWord
from archive.roles import Role
from archive.search import query_parse, search_hits, search_index_item
from tests import media
from tests.conftest import World, collect
from tests.timeline.test_unmatched_headlines import _client, _jpeg

SCREEN = [
    "Requester: NTechLab",
    "Разметка лиц на фотографиях",
    "Создано 04.09.2023",
    "Reward 0.05 USD",
]


@pytest.fixture
def item(world: World, run_pipeline: object) -> object:
    screen = media.text_image(SCREEN, font_size=26)
    return run_pipeline(_jpeg(screen, 60), "task.jpg")


def found(world: World, text: str, **options: object) -> list[SearchEntry]:
    hits, total = search_hits(query_parse(text), cases=[world.case.pk], **options)
    assert total >= len(hits)
    return [hit.entry for hit in hits]


def test_lines_read_on_a_screenshot_are_found_with_their_frame_and_box(world: World, item: object) -> None:
    [hit] = found(world, "NTechLab", kinds=[SearchKind.OCR])
    assert hit.evidence_id == item.pk and "NTechLab" in hit.text
    assert hit.frame == 0 and len(hit.box) == 4
    # OCR reads "на" with Latin letters; the index reads it in its line's script.
    assert [e.words.lower() for e in found(world, '"на фотографиях"', kinds=[SearchKind.OCR])] == [SCREEN[1].lower()]
    assert found(world, "фотограф*", kinds=[SearchKind.OCR])
    assert not found(world, '"фотографиях лиц"')
    # The date on the screen became a cue, and its text is found as one.
    assert any(e.kind == SearchKind.CUE for e in found(world, "04.09.2023"))


def test_typed_punctuation_is_no_query_syntax(world: World, item: object) -> None:
    for text in ['NTechLab"', "(NTechLab", "NTechLab -", "a:b NEAR(x y)", "*", '""']:
        search_hits(query_parse(text), cases=[world.case.pk])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stems and trigrams are PostgreSQL's")
def test_postgresql_finds_inflected_and_ocr_damaged_words(world: World, item: object) -> None:
    assert [e.words.lower() for e in found(world, "фотография", kinds=[SearchKind.OCR])] == [SCREEN[1].lower()]
    assert found(world, "NTcchLab", kinds=[SearchKind.OCR])
    # The damaged word is looked up among the index's words, which are kept once each.
    assert SearchWord.objects.filter(word="ntechlab").count() == 1
    assert [e.words.lower() for e in found(world, "Разме1ка", kinds=[SearchKind.OCR])] == [SCREEN[1].lower()]
    assert not found(world, "Qwzxvb")


def test_a_page_past_the_last_still_counts_the_hits(world: World, item: object) -> None:
    hits, total = search_hits(query_parse("NTechLab"), cases=[world.case.pk], offset=500)
    assert hits == [] and total >= 1


def test_an_outsider_finds_nothing_and_counts_nothing(world: World, item: object) -> None:
    other = Case.objects.create(slug="outsiders-own", title="Another case", created_by=world.outsider)
    Membership.objects.create(case=other, user=world.outsider, role=Role.OWNER)
    out = io.StringIO()
    call_command("search", "NTechLab", "--all-cases", "--user", world.outsider.username, stdout=out)
    assert out.getvalue().strip() == "0 hit(s)"
    out = io.StringIO()
    call_command("search", "NTechLab", "--all-cases", "--user", world.owner.username, "--json", stdout=out)
    [line, *_] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["evidence"] == item.pk and record["kind"] in ("ocr", "cue")
    assert set(record) >= {"evidence", "kind", "text", "frame", "time", "box", "score"}


def test_provenance_is_found_and_kept_current_when_edited(world: World) -> None:
    evidence = collect(
        world.case, media.png(media.text_image(["x"])), "shot.png", notes="posted by the requester"
    ).evidence
    search_index_item(evidence)
    assert found(world, "requester", kinds=[SearchKind.PROVENANCE])
    record = Provenance.objects.get(evidence=evidence)
    services.provenance_update(provenance=record, actor=world.owner, changes={"notes": "seen on Toloka"})
    assert not found(world, "requester", kinds=[SearchKind.PROVENANCE])
    assert found(world, "Toloka", kinds=[SearchKind.PROVENANCE])


def test_the_index_is_rebuilt_by_a_command(world: World, item: object) -> None:
    SearchEntry.objects.all().delete()
    assert not found(world, "NTechLab")
    out = io.StringIO()
    call_command("search_index", "--rebuild", "--case", world.case.slug, stdout=out)
    assert "item(s) indexed again" in out.getvalue()
    assert found(world, "NTechLab", kinds=[SearchKind.OCR])


def test_the_search_pages_show_marked_hits_with_crops_to_members_only(world: World, item: object) -> None:
    owner = _client(world.owner)
    url = reverse("archive:case_search", args=[world.case.slug])
    page = owner.get(url, {"q": "NTechLab", "kind": "ocr"}).content.decode()
    assert "1 hit" in page and "<mark>NTechLab</mark>" in page
    [entry] = found(world, "NTechLab", kinds=[SearchKind.OCR])
    crop_url = reverse("archive:search_crop", args=[world.case.slug, entry.pk])
    assert crop_url in page
    crop = Image.open(io.BytesIO(owner.get(crop_url).content))
    assert crop.width > entry.box[2]
    # Outsiders: the case's pages are not there, and searching everywhere finds nothing of it.
    outsider = _client(world.outsider)
    assert outsider.get(url, {"q": "NTechLab"}).status_code == 404
    assert outsider.get(crop_url).status_code == 404
    everywhere = outsider.get(reverse("archive:search_everywhere"), {"q": "NTechLab"}).content.decode()
    assert "0 hits" in everywhere and "NTechLab</mark>" not in everywhere
    mine = owner.get(reverse("archive:search_everywhere"), {"q": "NTechLab"}).content.decode()
    assert "<mark>NTechLab</mark>" in mine
    # Markup in the text is shown as text.
    SearchEntry.objects.filter(pk=entry.pk).update(text="<script>NTechLab</script>")
    assert "<script>" not in owner.get(url, {"q": "NTechLab", "kind": "ocr"}).content.decode()


def test_a_hit_in_a_recording_plays_from_its_second(world: World) -> None:
    evidence = collect(world.case, media.png(media.text_image(["x"])), "clip.png").evidence
    SearchEntry.objects.create(case=world.case, evidence=evidence, kind=SearchKind.OCR, source="test:1",
                               text="Toloka pool 5512", words="Toloka pool 5512", frame=3, time=12.5)  # fmt: skip
    page = _client(world.owner).get(reverse("archive:case_search", args=[world.case.slug]), {"q": "Toloka"})
    assert f"{evidence.get_absolute_url()}?t=12.5" in page.content.decode()
    assert "plays from 12.5 s" in page.content.decode()


def test_hits_are_counted_to_a_limit_and_the_page_says_more(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    evidence = collect(world.case, media.png(media.text_image(["x"])), "many.png").evidence
    for number in range(4):
        SearchEntry.objects.create(case=world.case, evidence=evidence, kind=SearchKind.OCR, source=f"test:{number}",
                                   text=f"Toloka pool {number}", words=f"Toloka pool {number}")  # fmt: skip
    monkeypatch.setattr(search, "MAX_COUNTED", 2)
    monkeypatch.setattr(views, "MAX_COUNTED", 2)
    hits, total = search_hits(query_parse("Toloka"), cases=[world.case.pk])
    assert total == 3 and len(hits) == 3
    page = _client(world.owner).get(reverse("archive:case_search", args=[world.case.slug]), {"q": "Toloka"})
    assert "More than 2 hits" in page.content.decode()
