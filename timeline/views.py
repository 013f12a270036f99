from __future__ import annotations

import io

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET
from PIL import ImageDraw

from archive.models import Membership
from archive.pipeline.base import StageFailed
from archive.pipeline.ocr import frame_image
from archive.views import case_view, sandboxed
from timeline.models import Cue
from timeline.selectors import cue_frame

CROP_MARGIN = 32


@case_view()
@require_GET
def cue_crop(request: HttpRequest, membership: Membership, pk: int, cue_pk: int) -> HttpResponse:
    """The part of the frame a cue was read from, its box outlined, so the reasoning can be checked by eye."""
    cue = get_object_or_404(
        Cue.objects.select_related("evidence"), evidence__case=membership.case, evidence__pk=pk, pk=cue_pk
    )
    box = (cue.locator or {}).get("box")
    frame = cue_frame(cue)
    if frame is None or not box:
        raise Http404("This cue was not read from a picture.")
    frame.evidence = cue.evidence
    try:
        image = frame_image(frame).convert("RGB")
    except (StageFailed, OSError):
        raise Http404("The frame's picture is not available.") from None
    left, top, width, height = box
    margin = max(CROP_MARGIN, height)
    area = (max(0, left - margin), max(0, top - margin), min(image.width, left + width + margin),
            min(image.height, top + height + margin))  # fmt: skip
    crop = image.crop(area)
    ImageDraw.Draw(crop).rectangle(
        (left - area[0] - 3, top - area[1] - 3, left - area[0] + width + 3, top - area[1] + height + 3),
        outline=(214, 40, 40),
        width=3,
    )
    buffer = io.BytesIO()
    crop.save(buffer, "PNG")
    return sandboxed(HttpResponse(buffer.getvalue(), content_type="image/png"))
