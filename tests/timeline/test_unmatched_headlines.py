"""Headlines the corpus lacks: found on a re-compressed screenshot, kept on the item, shown with crops and searches."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote_plus

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image
from rapidfuzz import fuzz

from archive.models import Evidence
from tests import media
from tests.conftest import PASSWORD, World
from timeline.headlines import headlines_import
from timeline.models import Cue, HeadlineCandidate

IN_CORPUS = "ЕС расширил санкции против разработчиков систем слежки"
MISSING = [
    "Путин провел переговоры с Эрдоганом в Сочи",
    "Курс доллара превысил 97 рублей впервые с марта",
]


@pytest.fixture
def corpus(db: None, tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(f"published_at,title,outlet,url\n2023-09-04,{IN_CORPUS},Lenta.ru,\n")
    headlines_import(path)


def _jpeg(image: Image.Image, quality: int) -> bytes:
    """The screenshot as a platform passes it on: re-compressed."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _client(user: object) -> Client:
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


def test_headlines_the_corpus_lacks_are_kept_with_their_boxes_and_shown_with_searches(
    world: World, corpus: None, run_pipeline: object, reprocess: object
) -> None:
    screen = media.text_image(["Задание 5512: разметка", "Новости", IN_CORPUS, *MISSING, "Отправить"], font_size=26)
    evidence = run_pipeline(_jpeg(screen, 60), "task.jpg")
    assert Cue.objects.filter(evidence=evidence, kind="headline").count() == 1
    found = list(HeadlineCandidate.objects.filter(evidence=evidence))
    assert len(found) == 2, [c.text for c in found]
    for candidate, title in zip(found, MISSING, strict=True):
        assert fuzz.ratio(candidate.text, title) >= 90, candidate.text
        assert candidate.locator["frame"] == 0 and len(candidate.locator["box"]) == 4
    assert [c["text"] for c in evidence.metadata["cue_candidates"]] == [], "date candidates stay apart"

    page = _client(world.owner).get(evidence.get_absolute_url()).content.decode()
    assert "Headlines not in the corpus" in page
    gdelt = "https://api.gdeltproject.org/api/v2/doc/doc?query=" + quote_plus(f'"{found[0].text}"')
    assert gdelt.replace("&", "&amp;") in page
    crop_url = reverse(
        "timeline:candidate_crop", kwargs={"slug": world.case.slug, "pk": evidence.pk, "candidate_pk": found[0].pk}
    )
    assert crop_url in page
    crop = Image.open(io.BytesIO(_client(world.owner).get(crop_url).content))
    assert crop.width > found[0].locator["box"][2]
    assert _client(world.outsider).get(crop_url).status_code == 404

    review = _client(world.owner).get(reverse("timeline:review_queue", args=[world.case.slug])).content.decode()
    assert "Headlines the corpus lacks" in review and found[1].text in review

    # The stage run again replaces them; it never piles them up.
    evidence = reprocess(evidence, "cues")
    assert HeadlineCandidate.objects.filter(evidence=evidence).count() == 2


def test_a_task_screen_without_a_news_block_gives_no_candidates(world: World, run_pipeline: object) -> None:
    screen = media.text_image(["Task 5512", "Label the traffic signs in Istanbul street photos", "Reward 0.05 USD"])
    evidence = run_pipeline(media.png(screen), "task.png")
    assert not HeadlineCandidate.objects.filter(evidence=evidence).exists()
    assert Evidence.objects.get(pk=evidence.pk).status == "done"
