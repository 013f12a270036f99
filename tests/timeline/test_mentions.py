"""Entity mentions: names found in real OCR of re-compressed screens, reviewed like cues, looked for again on change."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from archive.models import CustodyAction, CustodyEntry, Evidence
from archive.search import query_parse, search_hits
from tests import media
from tests.conftest import World, broker
from tests.timeline.test_unmatched_headlines import _client, _jpeg
from timeline import services
from timeline.extract.mentions import names_found, names_of, span_box
from timeline.models import Entity, Mention, MentionScan, MentionStatus
from timeline.selectors import items_narrowed

NAMES = names_of(1, ["NTechLab", "НТехЛаб", "FindFace"]) + names_of(2, ["Yandex Toloka", "Toloka"])
NAMES += names_of(3, ["Artem Kukharenko"]) + names_of(4, ["NetLab"])


def _found(line: str) -> list[tuple[int, str]]:
    return [(found.entity, found.text) for found in names_found(line, NAMES)]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("Requester: NTechLab", "NTechLab"),
        ("NtechLab LLC", "NtechLab"),
        ("by the N-Tech.Lab team", "N-Tech.Lab"),
        ("NTech Lab, Moscow", "NTech Lab"),
        ("контракт с НТехЛабом подписан", "НТехЛабом"),  # inflected
        ("ООО «НТЕХЛАБ»", "НТЕХЛАБ"),
        ("NTeсhLаb", "NTeсhLаb"),  # Cyrillic с and а that OCR put in a Latin word
        ("NTcchLab posted a task", "NTcchLab"),  # one letter misread
        ("N7echLab", "N7echLab"),
        ("NTechLab's new pool", "NTechLab"),
        ("ntechlab.ru/careers", "ntechlab"),
        ("Find Face app", "Find Face"),
    ],
)
def test_an_entity_is_found_however_its_name_is_written(line: str, text: str) -> None:
    assert _found(line) == [(1, text)]


@pytest.mark.parametrize(
    "line", ["TechLab", "NTechLabs", "NTechnoLab", "ИТехЛаб", "MTechLab", "FindFact", "Lab", "NTech-Labs"]
)
def test_other_names_are_not_taken_for_it(line: str) -> None:
    assert _found(line) == []


def test_a_look_alike_name_of_the_case_is_its_own_entity() -> None:
    assert _found("NetLab hires") == [(4, "NetLab")]
    assert _found("NTechLab and NetLab") == [(1, "NTechLab"), (4, "NetLab")]


def test_names_in_another_script_inflected_or_spelled_otherwise() -> None:
    assert _found("Задания Яндекс.Толоки") == [(2, "Яндекс.Толоки")]
    assert _found("работа в Толоке") == [(2, "Толоке")]
    assert _found("Артёма Кухаренко") == [(3, "Артёма Кухаренко")]
    assert _found("Artem Kuharenko said") == [(3, "Artem Kuharenko")]
    assert _found("Artem Kovalenko said") == []
    # The longer name has the stretch: "Yandex Toloka" is one mention, not two.
    assert _found("Yandex Toloka pool") == [(2, "Yandex Toloka")]
    [found] = names_found("контракт с НТехЛабом", NAMES)
    assert found.how == "inflected" and found.name == "НТехЛаб" and found.score == 1.0


def test_names_too_short_to_tell_apart_are_not_looked_for() -> None:
    assert names_of(9, ["AI", " ", "NTechLab", "ntech lab"]) == names_of(9, ["NTechLab"])


def test_the_box_of_a_mention_is_its_words() -> None:
    words = [
        {"text": "Requester:", "left": 10, "top": 5, "width": 90, "height": 20},
        {"text": "NTech", "left": 110, "top": 6, "width": 50, "height": 19},
        {"text": "Lab", "left": 165, "top": 5, "width": 30, "height": 20},
    ]
    line = "Requester: NTech Lab"
    [found] = names_found(line, NAMES)
    assert span_box(line, words, found.start, found.end) == [110, 5, 85, 20]
    assert span_box(line, [], found.start, found.end) is None


SCREEN = [
    "Task 5512 · Requester: NTechLab",
    "Разметка лиц для НТехЛаба",
    "Reward 0.05 USD · NetLab partner",
    "Created 04.09.2023",
]


@pytest.fixture
def entities(world: World) -> tuple[Entity, Entity]:
    ntechlab = Entity.objects.create(case=world.case, name="NTechLab", aliases=["НТехЛаб"])
    netlab = Entity.objects.create(case=world.case, name="NetLab")
    return ntechlab, netlab


@pytest.fixture
def item(world: World, entities: object, run_pipeline: object) -> Evidence:
    """A screenshot re-compressed and shrunk as a platform passes it on, through the whole pipeline."""
    screen = media.text_image(SCREEN, font_size=30).resize((960, 540), Image.Resampling.LANCZOS)
    return run_pipeline(_jpeg(screen, 55), "task.jpg")


def test_the_pipeline_proposes_mentions_from_real_ocr(world: World, entities: tuple, item: Evidence) -> None:
    ntechlab, netlab = entities
    assert item.status == "done"
    mentions = {(m.entity.name, m.text) for m in Mention.objects.filter(evidence=item)}
    assert ("NTechLab", "NTechLab") in mentions
    assert any(entity == "NTechLab" and text.lower().startswith("нтехлаб") for entity, text in mentions)
    assert ("NetLab", "NetLab") in mentions
    for mention in Mention.objects.filter(evidence=item):
        assert mention.status == MentionStatus.PROPOSED and len(mention.locator["box"]) == 4
        assert mention.locator["frame"] == 0 and mention.text in mention.line
    entry = CustodyEntry.objects.filter(case=world.case, action=CustodyAction.MENTIONS_PROPOSED).get()
    assert {p["entity"] for p in entry.details["proposed"]} == {"NTechLab", "NetLab"}


def test_looking_again_keeps_mentions_and_their_reviews(world: World, entities: tuple, item: Evidence) -> None:
    ntechlab, _ = entities
    before = {m.pk for m in Mention.objects.filter(evidence=item)}
    services.mentions_propose(evidence=item)
    assert {m.pk for m in Mention.objects.filter(evidence=item)} == before
    assert CustodyEntry.objects.filter(action=CustodyAction.MENTIONS_PROPOSED).count() == 1
    rejected = Mention.objects.filter(evidence=item, entity__name="NetLab").first()
    services.mention_review(mention=rejected, actor=world.user("fact_checker"), confirm=False, note="a partner")
    services.mentions_propose(evidence=item)
    rejected.refresh_from_db()
    assert rejected.status == MentionStatus.REJECTED
    assert Mention.objects.filter(evidence=item, fingerprint=rejected.fingerprint).count() == 1


def test_a_confirmed_mention_links_the_item_and_the_custody_log_keeps_it(
    world: World, entities: tuple, item: Evidence
) -> None:
    ntechlab, _ = entities
    mention = Mention.objects.filter(evidence=item, entity=ntechlab).first()
    checker = world.user("fact_checker")
    services.mention_review(mention=mention, actor=checker, confirm=True, note="the requester's name")
    assert list(item.entities.all()) == [ntechlab]
    entry = CustodyEntry.objects.filter(action=CustodyAction.MENTION_CONFIRMED).get()
    assert entry.details["linked"] is True and entry.details["entity"] == "NTechLab"
    # The same review sent twice stands once; another review of it is refused.
    services.mention_review(mention=mention, actor=checker, confirm=True, note="the requester's name")
    assert CustodyEntry.objects.filter(action=CustodyAction.MENTION_CONFIRMED).count() == 1
    with pytest.raises(services.ReviewError, match="already confirmed"):
        services.mention_review(mention=mention, actor=checker, confirm=False)


def test_changed_names_are_looked_for_again_in_every_item(
    world: World, entities: tuple, item: Evidence, run_pipeline: object, django_capture_on_commit_callbacks: object
) -> None:
    other = run_pipeline(media.png(media.text_image(["Yandex Toloka · pool 77"], font_size=30)), "pool.png")
    services.mentions_propose(evidence=other)
    assert not Mention.objects.filter(evidence=other).exists()
    ntechlab, _ = entities
    # With the broker down the scan waits, saying so; the beat sends it when the broker is back.
    with broker("redis://127.0.0.1:1/0"), django_capture_on_commit_callbacks(execute=True):
        scan = services.entity_update(
            entity=ntechlab, actor=world.owner, name="NTechLab", kind="organisation", aliases=["НТехЛаб", "Toloka"]
        )
    scan.refresh_from_db()
    assert scan.status == MentionScan.Status.QUEUED and "could not be reached" in scan.error
    services.mention_scan_run(scan_id=scan.pk)
    scan.refresh_from_db()
    items = Evidence.objects.filter(case=world.case).count()
    assert scan.status == MentionScan.Status.DONE and (scan.done, scan.items) == (items, items) and scan.found >= 2
    assert Mention.objects.filter(evidence=other, entity=ntechlab, text="Toloka").exists()
    edited = CustodyEntry.objects.filter(action=CustodyAction.ENTITY_EDITED).get()
    assert edited.details["after"]["aliases"] == ["НТехЛаб", "Toloka"]
    # A scan already claimed is not run twice; a kind changed alone looks for nothing.
    assert services.mention_scan_run(scan_id=scan.pk) is None
    ntechlab.refresh_from_db()
    assert services.entity_update(entity=ntechlab, actor=world.owner, name="NTechLab", kind="person",
                                  aliases=ntechlab.aliases) is None  # fmt: skip


def test_a_scan_whose_worker_died_is_sent_again_then_given_up(world: World, entities: tuple) -> None:
    scan = MentionScan.objects.create(case=world.case, reason="test", status=MentionScan.Status.RUNNING,
                                      started_at=timezone.now() - timedelta(hours=3), attempts=1)  # fmt: skip
    assert services.mention_scans_resume(pending_for=timedelta(0), running_for=timedelta(hours=1)) == [scan.pk]
    MentionScan.objects.filter(pk=scan.pk).update(status=MentionScan.Status.RUNNING, attempts=3)
    assert services.mention_scans_resume(pending_for=timedelta(0), running_for=timedelta(hours=1)) == []
    scan.refresh_from_db()
    assert scan.status == MentionScan.Status.FAILED and "start it again by hand" in scan.error


def test_pages_show_mentions_with_crops_and_take_reviews(world: World, entities: tuple, item: Evidence) -> None:
    ntechlab, _ = entities
    mention = Mention.objects.filter(evidence=item, entity=ntechlab, text="NTechLab").get()
    checker = _client(world.user("fact_checker"))
    page = checker.get(reverse("timeline:mentions", args=[world.case.slug]), {"entity": ntechlab.pk}).content.decode()
    crop_url = reverse("timeline:mention_crop", args=[world.case.slug, item.pk, mention.pk])
    assert crop_url in page and "NetLab partner" not in page
    crop = Image.open(io.BytesIO(checker.get(crop_url).content))
    assert crop.width > mention.locator["box"][2]
    reasoning = checker.get(reverse("timeline:reasoning", args=[world.case.slug, item.pk])).content.decode()
    assert f'id="mention-{mention.pk}"' in reasoning
    review = reverse("timeline:mention_review", args=[world.case.slug, mention.pk])
    response = checker.post(review, {"decision": "confirm", "note": "seen"})
    assert response.status_code == 302
    assert list(item.entities.values_list("name", flat=True)) == ["NTechLab"]
    # A viewer may look but not review; an outsider sees nothing.
    assert _client(world.user("viewer")).post(review, {"decision": "reject"}).status_code == 403
    assert _client(world.outsider).get(crop_url).status_code == 404


def test_search_narrows_by_entity_and_capture_days(
    world: World, entities: tuple, item: Evidence, run_pipeline: object
) -> None:
    ntechlab, netlab = entities
    other = run_pipeline(media.png(media.text_image(["Created 2023-08-01 by NTechLab"], font_size=30)), "o.png")

    def found(**narrow: object) -> set[int]:
        items = items_narrowed([world.case.pk], **{"entity": None, "captured_from": None, "captured_to": None,
                                                   **narrow})  # fmt: skip
        hits, _ = search_hits(query_parse("Created"), cases=[world.case.pk], items=items)
        return {hit.entry.evidence_id for hit in hits}

    assert found() == {item.pk, other.pk}
    assert found(entity=netlab) == {item.pk}
    # The screenshot is dated by "Created 04.09.2023" and by its arrival: its interval meets those days.
    assert found(captured_from=date(2023, 9, 1)) == {item.pk, other.pk}
    assert found(captured_to=date(2023, 8, 31)) == {other.pk}
    # A day written without its zone may be the day before in UTC: the last day that bounds nothing is earlier.
    assert found(captured_to=date(2023, 7, 30)) == set()
    page = (
        _client(world.owner)
        .get(reverse("archive:case_search", args=[world.case.slug]), {"q": "Created", "entity": netlab.pk})
        .content.decode()
    )
    assert f"#{item.pk} " in page and f"#{other.pk} " not in page


def test_the_mentions_command_lists_them_as_json(world: World, entities: tuple, item: Evidence) -> None:
    out = io.StringIO()
    call_command("mentions", "--case", world.case.slug, "--entity", "ntechlab", "--json", stdout=out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert records and all(r["entity"] == "NTechLab" and r["evidence"] == item.pk for r in records)
    assert set(records[0]) >= {"evidence", "entity", "name", "text", "status", "frame", "time", "box", "score"}
