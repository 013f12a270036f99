"""The part of a frame a piece of text was read from, its box outlined, for a person to check it by eye."""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.http import Http404
from PIL import ImageDraw

from archive.models import Frame
from archive.pipeline.base import StageFailed
from archive.pipeline.ocr import frame_image

CROP_MARGIN = 32


def boxed_crop(frame: Frame | None, box: Sequence[int] | None) -> bytes:
    """A PNG of the box with a margin around it and a red outline; Http404 when there is no picture to cut."""
    if frame is None or not box:
        raise Http404("This was not read from a picture.")
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
    return buffer.getvalue()
