"""Who may use which API address: the pages' roles, a token's limits, and 404 for outsiders, for every address."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from api.services import api_token_create
from archive.models import Case
from archive.roles import PERMISSIONS, Capability, Role
from tests.conftest import World
from timeline.models import Cue

# Each case address of the API, with the capability each method needs.
CASE_API = {
    "api:case": {"get": Capability.VIEW},
    "api:evidence": {"get": Capability.VIEW, "post": Capability.COLLECT},
    "api:evidence_detail": {"get": Capability.VIEW},
    "api:evidence_original": {"get": Capability.VIEW},
    "api:evidence_cues": {"get": Capability.VIEW, "post": Capability.ADD_CUES},
    "api:cues": {"get": Capability.VIEW},
    "api:cue_confirm": {"post": Capability.REVIEW_CUES},
    "api:cue_reject": {"post": Capability.REVIEW_CUES},
    "api:timeline": {"get": Capability.VIEW},
    "api:events": {"get": Capability.VIEW, "post": Capability.MANAGE_EVENTS},
    "api:entities": {"get": Capability.VIEW, "post": Capability.MANAGE_EVENTS},
    "api:collections": {"get": Capability.VIEW, "post": Capability.COLLECT},
    "api:search": {"get": Capability.VIEW},
}
PERSONAL_API = {"api:cases"}
OPEN_API = {"api:schema", "api:docs"}
PAGES = {"api:tokens", "api:token_revoke"}
CALLS = [(name, method) for name, methods in sorted(CASE_API.items()) for method in methods]


def _names(patterns: list[URLPattern | URLResolver], prefix: str = "") -> set[str]:
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            found |= _names(pattern.url_patterns, f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix)
        elif pattern.name:
            found.add(prefix + pattern.name)
    return found


def test_every_api_address_is_in_the_access_table() -> None:
    api = {name for name in _names(get_resolver().url_patterns) if name.startswith("api:")}
    assert api == set(CASE_API) | PERSONAL_API | OPEN_API | PAGES


def _url(name: str, world: World) -> str:
    cue = Cue.objects.get_or_create(
        evidence=world.evidence, fingerprint="access",
        defaults={"kind": "text_date", "bound": "not_before", "granularity": "day", "time_zone": "UTC",
                  "strength": "weak", "text": "4 Sep 2023", "explanation": "test"},
    )[0]  # fmt: skip
    values = {"slug": world.case.slug, "pk": world.evidence.pk, "cue_pk": cue.pk}
    arguments = {"api:case": ["slug"], "api:evidence_detail": ["slug", "pk"], "api:evidence_original": ["slug", "pk"],
                 "api:evidence_cues": ["slug", "pk"], "api:cue_confirm": ["slug", "cue_pk"],
                 "api:cue_reject": ["slug", "cue_pk"]}  # fmt: skip
    url = reverse(name, kwargs={key: values[key] for key in arguments.get(name, ["slug"])})
    # A search needs its words.
    return url + "?q=task" if name == "api:search" else url


def _client(user: object, **limits: object) -> Client:
    _, key = api_token_create(user=user, **limits)
    return Client(headers={"Authorization": f"Bearer {key}"})


@pytest.mark.parametrize(("name", "method"), CALLS)
def test_an_outsider_gets_404_and_no_token_gets_401(world: World, name: str, method: str) -> None:
    url = _url(name, world)
    assert getattr(_client(world.outsider), method)(url).status_code == 404
    anonymous = getattr(Client(), method)(url)
    assert anonymous.status_code == 401 and anonymous["WWW-Authenticate"].startswith("Bearer")
    wrong = Client(headers={"Authorization": "Bearer evt_not-a-token"})
    assert getattr(wrong, method)(url).status_code == 401


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("name", "method"), CALLS)
def test_each_role_may_do_exactly_what_the_pages_allow(world: World, role: Role, name: str, method: str) -> None:
    response = getattr(_client(world.user(role)), method)(_url(name, world))
    if CASE_API[name][method] in PERMISSIONS[role]:
        # A write with an empty body is refused with its reasons; the door itself is open.
        expected = (200,) if method == "get" else (200, 201, 400)
        assert response.status_code in expected, (response.status_code, response.content[:300])
    else:
        assert response.status_code == 403, response.status_code


@pytest.mark.parametrize(("name", "method"), CALLS)
def test_a_token_limited_to_another_case_sees_none_of_this_one(world: World, name: str, method: str) -> None:
    other = Case.objects.get(slug="other")
    from archive.services import membership_add

    membership_add(case=other, user=world.owner, role=Role.VIEWER, actor=world.outsider)
    assert getattr(_client(world.owner, cases=[other]), method)(_url(name, world)).status_code == 404


@pytest.mark.parametrize(("name", "method"), [call for call in CALLS if call[1] == "post"])
def test_a_read_only_token_changes_nothing(world: World, name: str, method: str) -> None:
    response = _client(world.owner, read_only=True).post(_url(name, world))
    assert response.status_code == 403 and response.json()["detail"] == "This token is read-only."


def test_a_revoked_token_opens_nothing(world: World) -> None:
    from api.models import ApiToken
    from api.services import api_token_revoke

    token, key = api_token_create(user=world.owner)
    client = Client(headers={"Authorization": f"Bearer {key}"})
    assert client.get(reverse("api:cases")).status_code == 200
    api_token_revoke(token=ApiToken.objects.get(pk=token.pk))
    response = client.get(reverse("api:cases"))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
