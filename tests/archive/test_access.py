"""Every URL against every kind of visitor: anonymous, outsider and each role."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from archive.derived import derived_name, derived_save, web_archive_name
from archive.models import CustodyAction, CustodyEntry, Frame, FrameSource, Membership, SearchEntry
from archive.roles import PERMISSIONS, Capability, Role
from archive.vault import spool, vault_open, vault_store
from tests.conftest import PASSWORD, PDF_BYTES, World, collect, png_bytes
from timeline.models import Cue, Entity, HeadlineCandidate, KeyEvent, Mention, ReferenceHeadline

# What each case URL needs, and the method that exercises it. A new URL must be
# added here, or test_every_url_is_in_the_access_table fails.
CASE_URLS: dict[str, tuple[Capability, str]] = {
    "archive:case_detail": (Capability.VIEW, "get"),
    "archive:case_edit": (Capability.EDIT_CASE, "get"),
    "archive:evidence_upload": (Capability.COLLECT, "get"),
    "archive:url_collect": (Capability.COLLECT, "get"),
    "archive:member_list": (Capability.VIEW, "get"),
    "archive:member_add": (Capability.MANAGE_MEMBERS, "post"),
    "archive:member_update": (Capability.MANAGE_MEMBERS, "post"),
    "archive:custody_log": (Capability.VIEW, "get"),
    "archive:evidence_detail": (Capability.VIEW, "get"),
    "archive:evidence_original": (Capability.VIEW, "get"),
    "archive:evidence_preview": (Capability.VIEW, "get"),
    "archive:web_archive": (Capability.VIEW, "get"),
    "archive:provenance_edit": (Capability.EDIT_OWN_PROVENANCE, "get"),
    "archive:case_progress": (Capability.VIEW, "get"),
    "archive:evidence_reprocess": (Capability.REPROCESS, "post"),
    "archive:frame_image": (Capability.VIEW, "get"),
    "archive:case_search": (Capability.VIEW, "get"),
    "archive:search_crop": (Capability.VIEW, "get"),
    "timeline:cue_crop": (Capability.VIEW, "get"),
    "timeline:candidate_crop": (Capability.VIEW, "get"),
    "timeline:candidate_lookup": (Capability.ADD_CUES, "post"),
    "timeline:reference_copy": (Capability.VIEW, "get"),
    "timeline:timeline": (Capability.VIEW, "get"),
    "timeline:timeline_csv": (Capability.VIEW, "get"),
    "timeline:timeline_json": (Capability.VIEW, "get"),
    "timeline:timeline_timelinejs": (Capability.VIEW, "get"),
    "timeline:memo": (Capability.VIEW, "get"),
    "timeline:case_bag": (Capability.VIEW, "post"),
    "timeline:review_queue": (Capability.VIEW, "get"),
    "timeline:cue_review": (Capability.REVIEW_CUES, "post"),
    "timeline:events": (Capability.VIEW, "get"),
    "timeline:event_add": (Capability.MANAGE_EVENTS, "post"),
    "timeline:event_edit": (Capability.MANAGE_EVENTS, "get"),
    "timeline:event_remove": (Capability.MANAGE_EVENTS, "post"),
    "timeline:entity_add": (Capability.MANAGE_EVENTS, "post"),
    "timeline:entity_edit": (Capability.MANAGE_EVENTS, "get"),
    "timeline:mentions": (Capability.VIEW, "get"),
    "timeline:ordered_ids": (Capability.VIEW, "get"),
    "timeline:ordered_ids_add": (Capability.MANAGE_EVENTS, "post"),
    "timeline:ordered_ids_recompute": (Capability.MANAGE_EVENTS, "post"),
    "timeline:mentions_scan": (Capability.MANAGE_EVENTS, "post"),
    "timeline:mention_review": (Capability.REVIEW_CUES, "post"),
    "timeline:mention_crop": (Capability.VIEW, "get"),
    "timeline:reasoning": (Capability.VIEW, "get"),
    "timeline:cue_add": (Capability.ADD_CUES, "post"),
    "timeline:sign_off": (Capability.REVIEW_CUES, "post"),
    "timeline:entities_link": (Capability.MANAGE_EVENTS, "post"),
}
# URLs that belong to no case: any logged-in person may open them.
PERSONAL_URLS = {"archive:case_list", "archive:case_create", "archive:search_everywhere"}
PUBLIC_URLS = {"login", "logout"}


def _patterns(patterns: list[URLPattern | URLResolver], prefix: str = "") -> Iterator[tuple[str, list[str]]]:
    """Every named URL with the names of its arguments."""
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from _patterns(pattern.url_patterns, namespace)
        elif pattern.name:
            yield prefix + pattern.name, list(pattern.pattern.converters)


# The JSON API's addresses have an access test of their own (tests/api/test_api_access.py).
URL_ARGUMENTS = {name: arguments for name, arguments in _patterns(get_resolver().url_patterns)
                 if not name.startswith("api:")}  # fmt: skip


def _url(name: str, world: World) -> str:
    values = {
        "slug": world.case.slug,
        "pk": world.evidence.pk,
        "provenance_pk": world.evidence.provenance.get().pk,
        "member_pk": world.membership(Role.VIEWER).pk,
        "index": 0,
        "cue_pk": Cue.objects.get(evidence=world.evidence).pk,
        "candidate_pk": HeadlineCandidate.objects.get(evidence=world.evidence).pk,
        "part": "picture",
        "event_pk": KeyEvent.objects.get(case=world.case).pk,
        "entry_pk": SearchEntry.objects.get(evidence=world.evidence, source="test:line").pk,
        "entity_pk": Entity.objects.get(case=world.case).pk,
        "mention_pk": Mention.objects.get(evidence=world.evidence).pk,
    }
    return reverse(name, kwargs={argument: values[argument] for argument in URL_ARGUMENTS[name]})


@pytest.fixture(autouse=True)
def _a_derived_frame(world: World, tmp_path: Path) -> None:
    """A keyframe-like derived picture for the frame URL to serve."""
    picture = tmp_path / "frame.png"
    picture.write_bytes(png_bytes((40, 80, 120)))
    name = derived_save(derived_name(world.evidence.pk, "frames/000000.png"), picture)
    derived_save(web_archive_name(world.evidence.pk, world.evidence.provenance.get().pk), picture)
    Frame.objects.create(
        evidence=world.evidence, index=0, source=FrameSource.KEYFRAME, time=1.5, image_name=name, width=8, height=8
    )
    with picture.open("rb") as source, spool(source, name="page.png") as spooled:
        stored = vault_store(spooled).sha256
    reference = ReferenceHeadline.objects.create(
        title="EU widens sanctions", normalized_title="eu widens sanctions", published_at=timezone.now(),
        key=uuid.uuid4(), origin="url", page_sha256=stored, capture_sha256=stored,
    )  # fmt: skip
    Cue.objects.create(
        evidence=world.evidence, kind="text_date", bound="not_before", granularity="day", time_zone="UTC",
        strength="weak", text="4 Sep 2023", explanation="test", fingerprint="f",
        locator={"frame": 0, "time": 1.5, "box": [1, 1, 4, 4]}, headline=reference,
    )  # fmt: skip
    HeadlineCandidate.objects.create(
        evidence=world.evidence, text="Путин провел переговоры в Сочи", locator={"frame": 0, "box": [1, 1, 4, 4]}
    )
    KeyEvent.objects.create(case=world.case, title="EU listing", date=date(2023, 7, 20))
    entity = Entity.objects.create(case=world.case, name="NTechLab", aliases=["НТехЛаб"])
    Mention.objects.create(
        evidence=world.evidence, entity=entity, name="NTechLab", text="NTechLab", line="Requester: NTechLab",
        how="as written", score=1.0, fingerprint="m", locator={"frame": 0, "time": 1.5, "box": [1, 1, 4, 4]},
    )  # fmt: skip
    SearchEntry.objects.create(
        case=world.case, evidence=world.evidence, kind="ocr", source="test:line", text="EU widens", words="EU widens",
        frame=0, time=1.5, box=[1, 1, 4, 4],
    )  # fmt: skip


def _client(user: object | None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(username=user.username, password=PASSWORD)
    return client


def test_every_url_is_in_the_access_table() -> None:
    assert set(URL_ARGUMENTS) == set(CASE_URLS) | PERSONAL_URLS | PUBLIC_URLS


@pytest.mark.parametrize("name", sorted(CASE_URLS))
@pytest.mark.parametrize("method", ["get", "post"])
def test_outsider_gets_404_for_every_case_url(world: World, name: str, method: str) -> None:
    response = getattr(_client(world.outsider), method)(_url(name, world))
    assert response.status_code == 404


@pytest.mark.parametrize("name", sorted(CASE_URLS) + sorted(PERSONAL_URLS))
def test_anonymous_visitor_is_sent_to_login(world: World, name: str) -> None:
    url = _url(name, world)
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_case_that_does_not_exist_looks_like_one_you_cannot_see(world: World) -> None:
    client = _client(world.outsider)
    hidden = client.get(reverse("archive:case_detail", kwargs={"slug": world.case.slug}))
    missing = client.get(reverse("archive:case_detail", kwargs={"slug": "no-such-case"}))
    assert hidden.status_code == missing.status_code == 404

    def page(response: object) -> bytes:
        # The logout form's CSRF token is masked afresh on every page.
        return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)

    assert page(hidden) == page(missing)


def test_evidence_of_another_case_is_404_even_for_a_member(world: World) -> None:
    other = collect(Membership.objects.get(user=world.outsider).case, b"secret bytes", "secret.txt").evidence
    client = _client(world.owner)
    for name in ("archive:evidence_detail", "archive:evidence_original", "archive:evidence_preview"):
        url = reverse(name, kwargs={"slug": world.case.slug, "pk": other.pk})
        assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("name", sorted(CASE_URLS))
def test_each_role_may_do_exactly_what_the_table_says(world: World, role: Role, name: str) -> None:
    capability, method = CASE_URLS[name]
    allowed = capability in PERMISSIONS[role]
    response = getattr(_client(world.user(role)), method)(_url(name, world))
    if allowed:
        assert response.status_code in (200, 302), response.status_code
    else:
        assert response.status_code == 403


def test_a_contributor_edits_only_provenance_they_recorded(world: World) -> None:
    mine = world.evidence.provenance.get()
    theirs = collect(world.case, b"other", "other.txt", actor=world.owner).provenance
    client = _client(world.user(Role.CONTRIBUTOR))

    def edit(record: object) -> int:
        url = reverse(
            "archive:provenance_edit",
            kwargs={"slug": world.case.slug, "pk": record.evidence_id, "provenance_pk": record.pk},
        )
        return client.post(url, {"account": "changed"}).status_code

    assert edit(mine) == 302
    assert edit(theirs) == 403


def test_download_is_an_attachment_that_browsers_will_not_sniff(world: World) -> None:
    response = _client(world.user(Role.VIEWER)).get(_url("archive:evidence_original", world))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="task.png"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Evidence-SHA256"] == world.evidence.sha256
    assert b"".join(response.streaming_content) == _stored_bytes(world)
    entry = CustodyEntry.objects.filter(evidence=world.evidence).last()
    assert (entry.action, entry.actor_name) == (CustodyAction.ORIGINAL_DOWNLOADED, "user_viewer")


def _stored_bytes(world: World) -> bytes:
    with vault_open(world.evidence.sha256) as handle:
        return handle.read()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "x.svg"),
        (b"<!doctype html><html><script>alert(1)</script></html>", "x.html"),
    ],
)
def test_html_and_svg_are_never_served_inline(world: World, data: bytes, name: str) -> None:
    evidence = collect(world.case, data, name, actor=world.owner).evidence
    client = _client(world.owner)
    kwargs = {"slug": world.case.slug, "pk": evidence.pk}
    assert client.get(reverse("archive:evidence_preview", kwargs=kwargs)).status_code == 404
    download = client.get(reverse("archive:evidence_original", kwargs=kwargs))
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Security-Policy"].startswith("sandbox")


def test_preview_serves_byte_ranges_for_video_seeking(world: World) -> None:
    client = _client(world.owner)
    url = _url("archive:evidence_preview", world)
    data = _stored_bytes(world)
    whole = client.get(url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "image/png"
    assert whole["X-Content-Type-Options"] == "nosniff"
    part = client.get(url, headers={"Range": "bytes=4-9"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 4-9/{len(data)}"
    assert b"".join(part.streaming_content) == data[4:10]
    tail = client.get(url, headers={"Range": "bytes=-5"})
    assert b"".join(tail.streaming_content) == data[-5:]
    assert client.get(url, headers={"Range": f"bytes={len(data) + 10}-"}).status_code == 416


def test_every_viewing_of_an_original_is_logged_whatever_range_it_asks_for(world: World) -> None:
    url = _url("archive:evidence_preview", world)

    def viewings() -> int:
        return CustodyEntry.objects.filter(evidence=world.evidence, action=CustodyAction.ORIGINAL_VIEWED).count()

    first = _client(world.user(Role.VIEWER))
    first.get(url, headers={"Range": "bytes=1-"})
    assert viewings() == 1
    first.get(url, headers={"Range": "bytes=5-"})
    assert viewings() == 1, "the same viewing continues"
    _client(world.user(Role.EDITOR)).get(url, headers={"Range": "bytes=3-"})
    assert viewings() == 2


def test_a_pdf_is_unsandboxed_only_inside_the_evidence_page(world: World) -> None:
    pdf = collect(world.case, PDF_BYTES, "act.pdf", actor=world.owner).evidence
    url = reverse("archive:evidence_preview", kwargs={"slug": world.case.slug, "pk": pdf.pk})
    client = _client(world.owner)
    framed = client.get(url, headers={"Sec-Fetch-Dest": "iframe"})
    assert "Content-Security-Policy" not in framed
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    top = client.get(url, headers={"Sec-Fetch-Dest": "document"})
    assert top["Content-Security-Policy"].startswith("sandbox")
    assert top["X-Frame-Options"] == "DENY"
