from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from PIL import Image, ImageDraw

from archive import services
from archive.models import Case, CollectionMethod
from archive.roles import Role
from archive.vault import spool

# Published on purpose: the demo runs only with DEBUG on.
DEMO_PASSWORD = "demo-evidence-2023"  # noqa: S105
DEMO_USERS = {
    "owner": Role.OWNER,
    "editor": Role.EDITOR,
    "factchecker": Role.FACT_CHECKER,
    "outsider": None,
}
DEMO_SLUG = "ntechlab-tevian"


class Command(BaseCommand):
    help = "Create the demo logins and the demo case with a few collected items (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("The demo creates logins with a published password; it runs only with DEBUG on.")
        users = {name: self._user(name) for name in DEMO_USERS}
        case = Case.objects.filter(slug=DEMO_SLUG).first()
        if case is None:
            case = services.case_create(
                slug=DEMO_SLUG,
                title="NTechLab and Tevian: gig-work tasks after the EU sanctions (demo)",
                description="Did the companies keep posting labelling tasks after their listing on 20 July 2023?",
                owner=users["owner"],
            )
            for name, role in DEMO_USERS.items():
                if role and role != Role.OWNER:
                    services.membership_add(case=case, user=users[name], role=role, actor=users["owner"])
            self._collect_samples(case, users["owner"])
        self.stdout.write(f"Demo case: /cases/{case.slug}/")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for name, role in DEMO_USERS.items():
            self.stdout.write(f"  {name:12} {role.label if role else 'not a member: sees nothing of the case'}")

    def _user(self, username: str) -> Any:
        user, created = get_user_model().objects.get_or_create(username=username)
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _collect_samples(self, case: Case, owner: Any) -> None:
        samples = [
            (
                "task-screenshot.png",
                _screenshot(["Task: draw boxes around human bodies", "Reward: 0.03 $ per image"]),
                services.ProvenanceInput(
                    method=CollectionMethod.UPLOAD,
                    platform="Facebook",
                    account="gigwork.tasks",
                    notes="Screenshot of a labelling task shared on a social network.",
                ),
            ),
            (
                "regulation.pdf",
                _pdf(["EU global human rights sanctions regime", "Listing of 20 July 2023 (demo document)"]),
                services.ProvenanceInput(
                    method=CollectionMethod.UPLOAD,
                    notes="Stand-in for the sanction regulation, made by the demo.",
                ),
            ),
        ]
        for name, data, provenance in samples:
            with spool(io.BytesIO(data), name=name) as spooled:
                services.evidence_collect(case=case, spooled=spooled, provenance=provenance, actor=owner)


def _screenshot(lines: list[str]) -> bytes:
    image = Image.new("RGB", (1366, 768), (245, 246, 248))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 1366, 56), fill=(32, 41, 56))
    for number, line in enumerate(lines):
        draw.text((80, 120 + 60 * number), line, fill=(20, 20, 20), font_size=36)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def _pdf(lines: list[str]) -> bytes:
    image = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((120, 200 + 70 * number), line, fill="black", font_size=40)
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()
