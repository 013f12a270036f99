"""Who may do what in a case: the one table every view and service consults.

README.md shows the same table; ``tests/archive/test_access.py`` checks that
every URL enforces it.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    EDITOR = "editor", "Editor"
    FACT_CHECKER = "fact_checker", "Fact-checker"
    CONTRIBUTOR = "contributor", "Contributor"
    VIEWER = "viewer", "Viewer"


class Capability(models.TextChoices):
    VIEW = "view", "See the case, its evidence, originals and custody log"
    COLLECT = "collect", "Add evidence (upload, URL, import)"
    EDIT_PROVENANCE = "edit_provenance", "Edit any provenance record"
    EDIT_OWN_PROVENANCE = "edit_own_provenance", "Edit provenance records one collected"
    REPROCESS = "reprocess", "Run processing again"
    REVIEW_CUES = "review_cues", "Confirm or reject cues, sign off verdicts"
    ADD_CUES = "add_cues", "Add a cue by hand"
    MANAGE_EVENTS = "manage_events", "Manage entities and key events"
    MANAGE_MEMBERS = "manage_members", "Add and remove members, change roles"
    EDIT_CASE = "edit_case", "Change the case's title, description and locales"


_ALL = set(Capability)
PERMISSIONS: dict[str, frozenset[Capability]] = {
    Role.OWNER: frozenset(_ALL),
    # Editors build the case; checking the dates is the fact-checkers' work.
    Role.EDITOR: frozenset(_ALL - {Capability.MANAGE_MEMBERS, Capability.REVIEW_CUES}),
    Role.FACT_CHECKER: frozenset({Capability.VIEW, Capability.REVIEW_CUES, Capability.ADD_CUES}),
    Role.CONTRIBUTOR: frozenset(
        {Capability.VIEW, Capability.COLLECT, Capability.EDIT_OWN_PROVENANCE, Capability.ADD_CUES}
    ),
    Role.VIEWER: frozenset({Capability.VIEW}),
}


def role_can(role: str, capability: Capability) -> bool:
    return capability in PERMISSIONS.get(role, frozenset())
