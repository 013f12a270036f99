from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from archive.models import Evidence
from demo.case import DEMO_PASSWORD, DEMO_USERS, DemoFailed, demo_case_build
from timeline.selectors import PREFIX, case_answers, case_events, verdicts_of, with_intervals


class Command(BaseCommand):
    help = (
        "Build the demo case (development only): logins, the NTechLab and Tevian listings, files made on this "
        "machine, collected and processed through the real pipeline. A second run changes nothing."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("The demo creates logins with a published password; it runs only with DEBUG on.")
        try:
            case = demo_case_build(self.stdout.write)
        except DemoFailed as error:
            raise CommandError(str(error)) from None
        events = case_events(case)
        items = with_intervals(Evidence.objects.filter(case=case)).order_by("pk")
        self.stdout.write(f"\nDemo case: /cases/{case.slug}/ (timeline: /cases/{case.slug}/timeline/)")
        for item in items:
            verdicts = ", ".join(f"{found.outcome} {event.title}" for event, found in verdicts_of(item, "p_", events))
            self.stdout.write(f"  #{item.pk} {item.original_name} ({item.status}): {verdicts}")
        for answer in case_answers(items, events, PREFIX["provisional"]):
            self.stdout.write(f"  {answer.line}")
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD!r}):")
        for name, role in DEMO_USERS.items():
            self.stdout.write(f"  {name:12} {role.label if role else 'not a member: sees nothing of the case'}")
