"""The JSON API as another tool uses it: uploads with provenance, cues reviewed, the timeline, tokens."""

from __future__ import annotations

import hashlib
import io

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from api.models import ApiToken
from api.services import api_token_create
from archive.models import CustodyAction, CustodyEntry, Evidence
from archive.roles import Role
from archive.search import Entry, search_entries_replace
from tests.conftest import PASSWORD, PDF_BYTES, World, png_bytes
from timeline.models import Cue, CueStatus


def api(user: object, **limits: object) -> Client:
    _, key = api_token_create(user=user, **limits)
    return Client(headers={"Authorization": f"Bearer {key}"})


def test_an_upload_with_provenance_is_stored_hashed_and_logged(world: World) -> None:
    client = api(world.user(Role.CONTRIBUTOR))
    url = reverse("api:evidence", args=[world.case.slug])
    picture = png_bytes(size=(20, 10))
    upload = io.BytesIO(picture)
    upload.name = "task.png"
    response = client.post(url, {"files": [upload], "platform": "Toloka", "posted_at": "2023-12-05",
                                  "locale": "en-IN", "source_url": "https://toloka.ai/tasks/123"})  # fmt: skip
    assert response.status_code == 201, response.content
    (stored,) = response.json()["stored"]
    evidence = Evidence.objects.get(pk=stored["evidence"]["id"])
    assert stored["created"] and evidence.sha256 == stored["evidence"]["sha256"] == hashlib.sha256(picture).hexdigest()
    provenance = evidence.provenance.get()
    assert (provenance.platform, provenance.locale, provenance.posted_at_granularity) == ("Toloka", "en-IN", "day")
    assert CustodyEntry.objects.filter(evidence=evidence, action=CustodyAction.COLLECTED).exists()
    # The same bytes again: the item gains a provenance record, not a twin.
    again = io.BytesIO(picture)
    again.name = "copy.png"
    second = client.post(url, {"files": [again]}).json()["stored"][0]
    assert second["created"] is False and second["evidence"]["id"] == evidence.pk
    detail = client.get(reverse("api:evidence_detail", args=[world.case.slug, evidence.pk])).json()
    assert [record["original_name"] for record in detail["provenance"]] == ["task.png", "copy.png"]
    assert detail["provenance"][0]["collected_by"] == "user_contributor"


def test_bad_uploads_get_a_4xx_that_says_why_and_store_nothing(world: World, settings: object) -> None:
    client = api(world.owner)
    url = reverse("api:evidence", args=[world.case.slug])
    before = Evidence.objects.count()

    def file(data: bytes, name: str) -> io.BytesIO:
        handle = io.BytesIO(data)
        handle.name = name
        return handle

    malformed = client.post(url, {"files": [file(b"x" * 50, "a.txt")], "posted_at": "last Tuesday"})
    assert malformed.status_code == 400 and "posted_at" in malformed.json()
    bad_locale = client.post(url, {"files": [file(b"x" * 50, "a.txt")], "locale": "xx-YY-zz-qq"})
    assert bad_locale.status_code == 400 and "locale" in bad_locale.json()
    no_file = client.post(url, {"platform": "Toloka"})
    assert no_file.status_code == 400 and "files" in no_file.json()
    as_json = client.post(url, {"files": "a"}, content_type="application/json")
    assert as_json.status_code == 415
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 100
    too_big = client.post(url, {"files": [file(b"y" * 500, "big.bin")]})
    assert too_big.status_code == 413 and "big.bin was not stored" in too_big.json()["detail"]
    assert Evidence.objects.count() == before
    settings.EVIDENCE_MAX_UPLOAD_SIZE = 10_000_000
    # A name that climbs out of its folder is kept as its last part, and the log keeps it as it was sent.
    body = (b'--XYZ\r\nContent-Disposition: form-data; name="files"; filename="../../etc/notes.txt"\r\n'
            b"Content-Type: text/plain\r\n\r\n" + b"z" * 60 + b"\r\n--XYZ--\r\n")  # fmt: skip
    climbing = client.post(url, data=body, content_type="multipart/form-data; boundary=XYZ")
    assert climbing.status_code == 201, climbing.content
    kept = climbing.json()["stored"][0]
    assert kept["evidence"]["original_name"] == "notes.txt"
    assert "its name contained path separators" in " ".join(kept["warnings"])
    entry = CustodyEntry.objects.get(evidence_id=kept["evidence"]["id"], action=CustodyAction.COLLECTED)
    assert entry.details["received_name"] == "../../etc/notes.txt"
    # A file whose name lies about its type is kept as what its bytes are, and the uploader is told.
    lying = client.post(url, {"files": [file(PDF_BYTES, "photo.png")]})
    assert lying.status_code == 201
    stored = lying.json()["stored"][0]
    assert stored["evidence"]["content_type"] == "application/pdf" and stored["warnings"]


def test_the_original_downloads_byte_for_byte_and_the_download_is_logged(world: World) -> None:
    response = api(world.user(Role.VIEWER)).get(
        reverse("api:evidence_original", args=[world.case.slug, world.evidence.pk])
    )
    assert response.status_code == 200 and response["X-Content-SHA256"] == world.evidence.sha256
    assert b"".join(response.streaming_content) == png_bytes()
    entry = CustodyEntry.objects.filter(evidence=world.evidence).order_by("-sequence").first()
    assert entry.action == CustodyAction.ORIGINAL_DOWNLOADED and entry.actor_name == "user_viewer"


def test_cues_are_added_by_hand_confirmed_by_another_and_counted_in_the_timeline(world: World) -> None:
    slug = world.case.slug
    editor = api(world.user(Role.EDITOR))
    added_event = editor.post(reverse("api:events", args=[slug]),
                              {"title": "EU listing", "kind": "sanction", "date": "2023-07-20"},
                              content_type="application/json")  # fmt: skip
    assert added_event.status_code == 201, added_event.content
    contributor = api(world.user(Role.CONTRIBUTOR))
    cues_url = reverse("api:evidence_cues", args=[slug, world.evidence.pk])
    refused = contributor.post(cues_url, {"bound": "not_before", "day": "2023-09-04", "text": "4 Sep"},
                               content_type="application/json")  # fmt: skip
    assert refused.status_code == 400 and "a source" in str(refused.json())
    added = contributor.post(cues_url, {"bound": "not_before", "day": "2023-09-04", "text": "headline of 4 Sep",
                                        "source_url": "https://lenta.ru/news/2023/09/04/x/"},
                             content_type="application/json")  # fmt: skip
    assert added.status_code == 201, added.content
    cue = added.json()
    assert cue["status"] == "proposed" and cue["by_person"] and cue["created_by"] == "user_contributor"
    checker = api(world.user(Role.FACT_CHECKER))
    confirmed = checker.post(reverse("api:cue_confirm", args=[slug, cue["id"]]), {"note": "seen on lenta.ru"},
                             content_type="application/json")  # fmt: skip
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "confirmed"
    again = checker.post(reverse("api:cue_reject", args=[slug, cue["id"]]), content_type="application/json")
    assert again.status_code == 400 and "already confirmed" in again.json()["detail"]
    listed = checker.get(reverse("api:cues", args=[slug]), {"status": "confirmed"}).json()
    assert listed["count"] == 1 and listed["results"][0]["note"] == "seen on lenta.ru"
    assert checker.get(reverse("api:cues", args=[slug]), {"status": "maybe"}).status_code == 400
    timeline = checker.get(reverse("api:timeline", args=[slug]), {"mode": "verified"}).json()
    (record,) = [item for item in timeline["results"] if item["id"] == world.evidence.pk]
    assert record["verdicts"] == [{"event": "EU listing", "date": "2023-07-20", "verdict": "after",
                                   "margin_days": record["verdicts"][0]["margin_days"]}]  # fmt: skip
    assert Cue.objects.get(pk=cue["id"]).status == CueStatus.CONFIRMED


def test_entities_collections_and_search_answer_with_reasons(world: World) -> None:
    slug = world.case.slug
    owner = api(world.owner)
    entities = reverse("api:entities", args=[slug])
    made = owner.post(entities, {"name": "NTechLab", "kind": "organisation", "aliases": "НТехЛаб, FindFace"},
                      content_type="application/json")  # fmt: skip
    assert made.status_code == 201 and made.json()["aliases"] == ["НТехЛаб", "FindFace"]
    twice = owner.post(entities, {"name": "ntechlab", "kind": "organisation"}, content_type="application/json")
    assert twice.status_code == 400 and "already has an entity" in twice.json()["detail"]
    collections = reverse("api:collections", args=[slug])
    bad = owner.post(collections, {"urls": "file:///etc/passwd"}, content_type="application/json")
    assert bad.status_code == 400
    queued = owner.post(collections, {"urls": "https://www.youtube.com/watch?v=abc"}, content_type="application/json")
    assert queued.status_code == 201 and queued.json()[0]["status"] == "queued"
    search_entries_replace(world.evidence, "ocr", [Entry("t:1", "Draw boxes around human bodies")])
    search = reverse("api:search", args=[slug])
    hits = owner.get(search, {"q": "boxes"}).json()
    assert hits["count"] == 1 and hits["results"][0]["evidence"] == world.evidence.pk
    assert owner.get(search).status_code == 400 and owner.get(search, {"q": "x", "limit": "a"}).status_code == 400


def test_the_cases_a_token_lists_are_its_persons_within_its_limits(world: World) -> None:
    listed = api(world.user(Role.VIEWER)).get(reverse("api:cases")).json()
    assert [(case["slug"], case["role"]) for case in listed["results"]] == [(world.case.slug, "viewer")]
    other = world.outsider.memberships.get().case
    assert api(world.outsider, cases=[other]).get(reverse("api:cases")).json()["count"] == 1


def test_api_token_command_prints_the_key_once_lists_and_revokes(world: World) -> None:
    out = io.StringIO()
    call_command("api_token", "olga_owner", "--case", world.case.slug, "--read-only", "--name", "partner",
                 stdout=out)  # fmt: skip
    key = out.getvalue().strip().splitlines()[-1]
    token = ApiToken.objects.get(user=world.owner)
    assert key.startswith("evt_") and token.key_hash != key and key not in str(token.__dict__)
    assert token.read_only and list(token.cases.values_list("slug", flat=True)) == [world.case.slug]
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get(reverse("api:case", args=[world.case.slug])).status_code == 200
    listing = io.StringIO()
    call_command("api_token", "olga_owner", "--list", stdout=listing)
    assert f"{token.pk}  {token.prefix}…  partner  {world.case.slug}  read-only  active" in listing.getvalue()
    call_command("api_token", "olga_owner", "--revoke", str(token.pk), stdout=io.StringIO())
    assert client.get(reverse("api:case", args=[world.case.slug])).status_code == 401
    with pytest.raises(CommandError, match="is not a member of other"):
        call_command("api_token", "olga_owner", "--case", "other")
    with pytest.raises(CommandError, match="has no token"):
        call_command("api_token", "user_viewer", "--revoke", str(token.pk))


def test_the_tokens_page_shows_a_new_key_once_and_revokes_only_ones_own(world: World) -> None:
    page = Client()
    assert page.login(username=world.owner.username, password=PASSWORD)
    made = page.post(reverse("api:tokens"), {"name": "script", "cases": [world.case.pk]})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(user=world.owner)
    body = made.content.decode()
    assert f'<code class="token-key">{token.prefix}' in body
    assert "Your new token" not in page.get(reverse("api:tokens")).content.decode()
    other, _ = api_token_create(user=world.outsider)
    assert page.post(reverse("api:token_revoke", args=[other.pk])).status_code == 404
    page.post(reverse("api:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get(reverse("api:tokens")).status_code == 302


def test_the_schema_is_openapi_3_and_the_docs_load_nothing_from_elsewhere(world: World) -> None:
    schema = yaml.safe_load(Client().get(reverse("api:schema")).content)
    assert schema["openapi"].startswith("3.") and "/api/cases/{slug}/evidence/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    docs = Client().get(reverse("api:docs"))
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "https://" not in page.replace("https://github.com", "") and "<script>" not in page
