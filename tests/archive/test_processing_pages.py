"""The pages that show processing: live progress, stage states, keyframes with their text and boxes."""

from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from archive.models import CustodyAction, CustodyEntry, Evidence, Membership, StageRun
from archive.pipeline.stages import STAGE_NAMES
from archive.roles import Role
from tests import media
from tests.conftest import PASSWORD, World, collect

HEADLINE = "Sanctions expanded against surveillance firms"


def _client(user: object) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_case_page_reports_progress_for_its_own_items_only(world: World) -> None:
    other_case = Membership.objects.get(user=world.outsider).case
    hidden = collect(other_case, b"hidden bytes", "hidden.txt").evidence
    client = _client(world.user(Role.VIEWER))
    page = client.get(world.case.get_absolute_url()).content.decode()
    assert f'data-evidence-id="{world.evidence.pk}" data-final="0"' in page
    progress = reverse("archive:case_progress", kwargs={"slug": world.case.slug})
    assert f'data-progress-url="{progress}"' in page
    data = client.get(progress, {"id": [world.evidence.pk, hidden.pk]}).json()
    assert data == {
        "items": [
            {
                "id": world.evidence.pk,
                "status": "queued",
                "label": "Queued",
                "reason": "",
                "stages_finished": 0,
                "stages": len(STAGE_NAMES),
            }
        ]
    }


def test_the_evidence_page_shows_keyframes_with_times_text_and_boxes(world: World, run_pipeline: object) -> None:
    page_image = media.text_image(["Labelling task 5512"])
    panel = media.text_image(["Labelling task 5512", HEADLINE])
    evidence = run_pipeline(media.recording([(page_image, 3), (panel, 1.2), (page_image, 3)]), "rec.mp4")
    client = _client(world.user(Role.FACT_CHECKER))
    html = client.get(evidence.get_absolute_url()).content.decode()
    assert "<video" in html and "data-original" in html
    for frame in evidence.frames.all():
        url = reverse("archive:frame_image", kwargs={"slug": world.case.slug, "pk": evidence.pk, "index": frame.index})
        assert f'href="{url}" data-seek="{frame.time}"' in html
        image = client.get(url)
        assert image["Content-Type"] == "image/png"
        assert b"".join(image.streaming_content).startswith(b"\x89PNG")
    assert HEADLINE in html
    assert len(re.findall(r"<rect x=", html)) == sum(f.lines.count() for f in evidence.frames.all())
    assert '<td>ocr</td><td><span class="status status-done">Done</span>' in html
    assert "Reprocess" not in html, "fact-checkers do not reprocess"


def test_a_failed_stage_shows_its_reason_on_the_evidence_page(world: World, run_pipeline: object) -> None:
    evidence = run_pipeline(b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "x.svg")
    html = _client(world.owner).get(evidence.get_absolute_url()).content.decode()
    assert "SVG pictures are not rendered here: they can carry scripts." in html
    assert 'status-failed">Failed' in html


def test_an_editor_reprocesses_an_item_from_a_chosen_stage(world: World, run_pipeline: object) -> None:
    evidence = run_pipeline(media.png(media.text_image(["Reprocess me"])), "again.png")
    client = _client(world.user(Role.EDITOR))
    assert "Reprocess" in client.get(evidence.get_absolute_url()).content.decode()
    url = reverse("archive:evidence_reprocess", kwargs={"slug": world.case.slug, "pk": evidence.pk})
    response = client.post(url, {"stage": "ocr"}, follow=True)
    assert "Processing queued again from the ocr stage." in response.content.decode()
    entry = CustodyEntry.objects.filter(evidence=evidence).order_by("sequence").last()
    assert (entry.action, entry.actor_name, entry.details) == (
        CustodyAction.PROCESSING_REQUESTED,
        "user_editor",
        {"from_stage": "ocr"},
    )
    assert StageRun.objects.get(evidence=evidence, stage="identify").status == "done"
    assert Evidence.objects.get(pk=evidence.pk).status == "queued"
    assert client.post(url, {"stage": "nonsense"}).status_code == 404


def test_the_evidence_page_costs_a_fixed_number_of_queries(
    world: World, run_pipeline: object, django_assert_max_num_queries: object
) -> None:
    screens = [media.text_image([f"Screen {n}", f"Line two of screen {n}"]) for n in range(8)]
    evidence = run_pipeline(media.recording([(s, 1.0) for s in screens], fps=5), "many.mp4")
    assert evidence.frames.count() == 8
    client = _client(world.owner)
    with django_assert_max_num_queries(16):
        client.get(evidence.get_absolute_url())
