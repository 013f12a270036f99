from __future__ import annotations

import datetime as dt
import io
import re
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from archive.models import Case, CustodyAction, CustodyEntry, Evidence, Membership, Provenance
from archive.roles import Role
from tests.conftest import PASSWORD, PDF_BYTES, World, collect, make_user, png_bytes


def _client(user: object) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _listed(client: Client, world: World, **query: str) -> list[str]:
    response = client.get(world.case.get_absolute_url(), query)
    assert response.status_code == 200
    return [item.original_name for item in response.context["page"].object_list]


@pytest.fixture
def filled(world: World) -> World:
    collect(world.case, PDF_BYTES, "regulation.pdf", actor=world.owner, notes="EU sanctions act")
    collect(world.case, png_bytes((0, 0, 1)), "fb-post.png", actor=world.owner, platform="Facebook")
    video = collect(world.case, b"\x1aE\xdf\xa3" + b"\x00" * 64, "rec.webm", actor=world.owner, platform="YouTube")
    Provenance.objects.filter(pk=video.provenance.pk).update(collected_at=timezone.now() - dt.timedelta(days=30))
    return world


def test_case_list_shows_only_my_cases(world: World) -> None:
    page = _client(world.user(Role.VIEWER)).get(reverse("archive:case_list")).content.decode()
    assert "NTechLab gig work" in page
    assert "Another case" not in page


def test_case_page_filters_by_kind_platform_text_and_collection_date(filled: World) -> None:
    client = _client(filled.owner)
    assert _listed(client, filled, kind="document") == ["regulation.pdf"]
    assert sorted(_listed(client, filled, platform="facebook")) == ["fb-post.png"]
    assert _listed(client, filled, q="sanctions act") == ["regulation.pdf"]
    assert _listed(client, filled, q="fb-post") == ["fb-post.png"]
    old = (timezone.now() - dt.timedelta(days=10)).date().isoformat()
    assert _listed(client, filled, collected_before=old) == ["rec.webm"]
    assert "rec.webm" not in _listed(client, filled, collected_after=old)
    assert _listed(client, filled, status="failed") == []


def test_an_item_collected_twice_is_listed_once(filled: World) -> None:
    collect(filled.case, png_bytes((0, 0, 1)), "again.png", actor=filled.owner, platform="Facebook")
    assert _listed(_client(filled.owner), filled, platform="Facebook") == ["fb-post.png"]


def test_case_page_paginates_with_a_fixed_number_of_queries(
    world: World, settings: object, django_assert_max_num_queries: object
) -> None:
    settings.EVIDENCE_PAGE_SIZE = 5
    for n in range(12):
        collect(world.case, f"item {n}".encode(), f"item-{n}.txt", actor=world.owner, platform="Telegram")
    client = _client(world.owner)
    with django_assert_max_num_queries(7):
        first = client.get(world.case.get_absolute_url())
    assert len(first.context["page"].object_list) == 5
    assert first.context["page"].paginator.count == 13
    with django_assert_max_num_queries(7):
        last = client.get(world.case.get_absolute_url(), {"page": 3, "platform": "Telegram"})
    assert len(last.context["page"].object_list) == 2
    assert "platform=Telegram&amp;page=2" in last.content.decode()


def test_evidence_page_shows_hashes_provenance_and_custody(world: World) -> None:
    page = _client(world.user(Role.FACT_CHECKER)).get(world.evidence.get_absolute_url()).content.decode()
    assert world.evidence.sha256 in page
    assert "Toloka" in page
    assert "Collected" in page
    assert "<b>record.platform</b>: Toloka" in page
    assert "<img src=" in page


def test_owner_adds_changes_and_removes_members_through_the_page(world: World) -> None:
    client = _client(world.owner)
    newcomer = make_user("nadia_new")
    members_url = reverse("archive:member_list", kwargs={"slug": world.case.slug})
    client.post(
        reverse("archive:member_add", kwargs={"slug": world.case.slug}), {"username": "nadia_new", "role": "viewer"}
    )
    membership = Membership.objects.get(case=world.case, user=newcomer)
    assert membership.role == Role.VIEWER
    update = reverse("archive:member_update", kwargs={"slug": world.case.slug, "member_pk": membership.pk})
    client.post(update, {"action": "role", "role": "fact_checker"})
    membership.refresh_from_db()
    assert membership.role == Role.FACT_CHECKER
    client.post(update, {"action": "remove"})
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert _client(newcomer).get(world.case.get_absolute_url()).status_code == 404
    actions = list(
        CustodyEntry.objects.filter(case=world.case, details__user="nadia_new").values_list("action", flat=True)
    )
    assert actions == [CustodyAction.MEMBER_ADDED, CustodyAction.MEMBER_ROLE_CHANGED, CustodyAction.MEMBER_REMOVED]
    members = client.get(members_url).context["members"]
    assert "nadia_new" not in [m.user.username for m in members]


def test_adding_an_unknown_user_says_so(world: World) -> None:
    response = _client(world.owner).post(
        reverse("archive:member_add", kwargs={"slug": world.case.slug}),
        {"username": "ghost", "role": "viewer"},
        follow=True,
    )
    assert "There is no active user called &#x27;ghost&#x27;." in response.content.decode()


def test_custody_log_page_lists_the_chain(world: World) -> None:
    page = _client(world.user(Role.VIEWER)).get(reverse("archive:custody_log", kwargs={"slug": world.case.slug}))
    world.case.refresh_from_db()
    assert world.case.custody_head in page.content.decode()
    assert len(page.context["page"].object_list) == world.case.custody_length


def test_new_case_form_makes_the_creator_owner(world: World) -> None:
    client = _client(world.outsider)
    response = client.post(reverse("archive:case_create"), {"title": "Tevian contracts", "name": "tevian"})
    assert response.status_code == 302
    case = Membership.objects.get(user=world.outsider, case__title="Tevian contracts").case
    assert re.fullmatch(r"tevian-[0-9a-f]{6}", case.slug)
    assert response["Location"] == case.get_absolute_url()


def test_new_case_form_keeps_a_default_device_locale_and_the_cases_locales(world: World) -> None:
    client = _client(world.outsider)
    form = client.get(reverse("archive:case_create")).content.decode()
    assert "Default device locale" in form
    assert "server's default (en, ru)" in form
    response = client.post(
        reverse("archive:case_create"), {"title": "Tevian contracts", "default_locale": "ru_ru", "locales": "ru, en"}
    )
    assert response.status_code == 302
    case = Membership.objects.get(user=world.outsider, case__title="Tevian contracts").case
    assert (case.default_locale, case.locales) == ("ru-RU", "ru,en")
    refused = client.post(reverse("archive:case_create"), {"title": "Another", "locales": "en, xx-YY"})
    assert "&quot;xx-YY&quot; is not a locale CLDR knows" in refused.content.decode()
    assert not Case.objects.filter(title="Another").exists()


def test_an_editor_changes_the_case_s_locales_and_the_log_keeps_both_values(world: World) -> None:
    editor = _client(world.user(Role.EDITOR))
    form = editor.get(reverse("archive:case_edit", args=[world.case.slug]))
    assert form.status_code == 200 and form.context["form"]["title"].value() == world.case.title
    page = editor.post(
        reverse("archive:case_edit", args=[world.case.slug]),
        {"title": world.case.title, "default_locale": "tr-tr", "locales": "en, ru, tr"},
        follow=True,
    )
    assert "run their processing again" in page.content.decode()
    assert "Locales: en, ru, tr; device locale tr-TR." in page.content.decode()
    world.case.refresh_from_db()
    assert (world.case.default_locale, world.case.locales) == ("tr-TR", "en,ru,tr")
    entry = CustodyEntry.objects.filter(case=world.case, action=CustodyAction.CASE_EDITED).get()
    assert entry.details == {"default_locale": {"from": "", "to": "tr-TR"}, "locales": {"from": "", "to": "en,ru,tr"}}

    refused = editor.post(reverse("archive:case_edit", args=[world.case.slug]), {"title": "x", "locales": "xx-YY"})
    assert refused.status_code == 200 and "locales" in refused.context["form"].errors
    unchanged = editor.post(
        reverse("archive:case_edit", args=[world.case.slug]),
        {"title": world.case.title, "default_locale": "tr-TR", "locales": "en,ru,tr"},
    )
    assert unchanged.status_code == 302
    assert CustodyEntry.objects.filter(case=world.case, action=CustodyAction.CASE_EDITED).count() == 1
    assert (
        _client(world.user(Role.FACT_CHECKER)).get(reverse("archive:case_edit", args=[world.case.slug])).status_code
        == 403
    )


def test_editing_the_device_locale_on_the_item_page_is_a_custody_entry(world: World) -> None:
    record = world.evidence.provenance.get()
    client = _client(world.owner)
    url = reverse(
        "archive:provenance_edit", kwargs={"slug": world.case.slug, "pk": world.evidence.pk, "provenance_pk": record.pk}
    )
    assert 'name="locale"' in client.get(url).content.decode()
    refused = client.post(url, {"platform": "Toloka", "locale": "en-ZZ"})
    assert "&quot;en-ZZ&quot; is not a locale CLDR knows" in refused.content.decode()
    response = client.post(url, {"platform": "Toloka", "locale": "tr_tr"}, follow=True)
    assert "<dt>Device locale</dt><dd>tr-TR</dd>" in response.content.decode()
    record.refresh_from_db()
    assert record.locale == "tr-TR"
    entry = CustodyEntry.objects.get(evidence=world.evidence, action=CustodyAction.PROVENANCE_EDITED)
    assert entry.details["changes"] == {"locale": {"from": "", "to": "tr-TR"}}
    assert entry.actor == world.owner


def test_item_page_names_the_cases_default_device_locale_when_no_record_does(world: World) -> None:
    client = _client(world.user(Role.VIEWER))
    assert "the case's default" not in client.get(world.evidence.get_absolute_url()).content.decode()
    Case.objects.filter(pk=world.case.pk).update(default_locale="en-GB")
    page = client.get(world.evidence.get_absolute_url()).content.decode()
    assert "Device locale: en-GB, the case's default" in page
    Provenance.objects.filter(evidence=world.evidence).update(locale="ru-RU")
    page = client.get(world.evidence.get_absolute_url()).content.decode()
    assert "the case's default" not in page
    assert "<dt>Device locale</dt><dd>ru-RU</dd>" in page


def test_asking_for_the_name_of_a_hidden_case_reveals_nothing(world: World) -> None:
    client = _client(world.outsider)
    response = client.post(reverse("archive:case_create"), {"title": "Mine", "name": world.case.slug})
    assert response.status_code == 302
    assert Membership.objects.filter(user=world.outsider, case__title="Mine").exists()
    assert world.case.memberships.filter(user=world.outsider).count() == 0


def test_custody_log_page_costs_a_fixed_number_of_queries(world: World, django_assert_max_num_queries: object) -> None:
    for n in range(30):
        collect(world.case, f"log {n}".encode(), f"log-{n}.txt", actor=world.owner)
    client = _client(world.owner)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("archive:custody_log", kwargs={"slug": world.case.slug}))
    assert len(response.context["page"].object_list) > 30


def _multipart(name: bytes, data: bytes) -> bytes:
    return (
        b'--XYZ\r\nContent-Disposition: form-data; name="files"; filename="' + name + b'"\r\n'
        b"Content-Type: image/png\r\n\r\n" + data + b"\r\n--XYZ--\r\n"
    )


@pytest.mark.parametrize(
    ("sent", "kept", "told"),
    [
        (b"../../etc/passwd.png", "passwd.png", "its name contained path separators"),
        ("evil\u202egnp.exe".encode(), "evilgnp.exe", "its name contained control characters"),
        (b"..", "unnamed", ""),
    ],
)
def test_an_uploaded_name_that_had_to_change_is_told_and_kept_as_received(
    world: World, sent: bytes, kept: str, told: str
) -> None:
    client = _client(world.owner)
    response = client.post(
        reverse("archive:evidence_upload", args=[world.case.slug]),
        data=_multipart(sent, png_bytes((9, 1, len(sent)))),
        content_type="multipart/form-data; boundary=XYZ",
        follow=True,
    )
    page = response.content.decode()
    assert "1 file stored in the vault." in page, page[:2000]
    assert told in page
    entry = CustodyEntry.objects.filter(case=world.case, action=CustodyAction.COLLECTED).latest("sequence")
    assert entry.details["record"]["original_name"] == kept
    assert entry.details["received_name"] != kept


def test_an_upload_whose_name_is_not_utf_8_says_so_and_stores_nothing(world: World) -> None:
    response = _client(world.owner).post(
        reverse("archive:evidence_upload", args=[world.case.slug]),
        data=_multipart(b"shot\xff\xfe.png", png_bytes((9, 2, 2)) + b"\0" * 8000),
        content_type="multipart/form-data; boundary=XYZ",
    )
    assert "no file name in it could be read (names must be UTF-8)" in response.content.decode()
    assert Evidence.objects.filter(case=world.case).count() == 1


def test_fifteen_wrong_passwords_lock_the_name_out_at_that_address_until_it_is_lifted(world: World) -> None:
    login = reverse("login")
    name = world.owner.username

    def log_in(client: Client, username: str, password: str) -> HttpResponse:
        # As a browser sends the form (the test client would send it as multipart).
        body = urlencode({"username": username, "password": password})
        return client.post(login, body, content_type="application/x-www-form-urlencoded")

    client = Client()
    for _ in range(15):
        log_in(client, name, "wrong")
    refused = log_in(client, name, PASSWORD)
    assert refused.status_code == 429
    assert "Too many failed logins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    # The same name from another address, and another name from this one, are not locked out.
    assert log_in(Client(REMOTE_ADDR="10.9.8.7"), name, PASSWORD).status_code == 302
    assert log_in(Client(), world.user(Role.EDITOR).username, PASSWORD).status_code == 302
    call_command("axes_reset_username", name, stdout=io.StringIO())
    assert log_in(Client(), name, PASSWORD).status_code == 302


def test_behind_a_proxy_the_address_it_saw_is_the_one_counted(world: World, settings: object) -> None:
    settings.FORWARDED_FOR_PROXIES = 1
    login, name = reverse("login"), world.owner.username

    def log_in(forwarded: str, password: str) -> HttpResponse:
        body = urlencode({"username": name, "password": password})
        client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
        return client.post(login, body, content_type="application/x-www-form-urlencoded")

    for number in range(6):
        # What the client writes before the proxy's entry changes nothing.
        log_in(f"1.2.3.{number}, 203.0.113.7", "wrong")
    assert log_in("203.0.113.7", PASSWORD).status_code == 429
    assert log_in("198.51.100.9", PASSWORD).status_code == 302


def test_pages_send_a_strict_content_security_policy_and_files_keep_their_sandbox(world: World) -> None:
    client = _client(world.owner)
    page = client.get(world.case.get_absolute_url())
    policy = page["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "object-src 'none'" in policy
    assert "<script>" not in page.content.decode(), "no inline script: the policy would stop it"
    preview = reverse("archive:evidence_preview", args=[world.case.slug, world.evidence.pk])
    assert client.get(preview, headers={"Sec-Fetch-Dest": "document"})["Content-Security-Policy"].startswith("sandbox")
