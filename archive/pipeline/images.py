"""Opening pictures safely: size limits before decoding, damage as a readable reason."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from archive.pipeline.base import StageFailed


def open_image(source: IO[bytes] | str, *, load: bool = True) -> Image.Image:
    """Open a picture, refusing one whose pixel count exceeds EVIDENCE_MAX_IMAGE_PIXELS.

    The size is checked from the header before any pixel is decoded, so a
    small file that claims 40000 x 40000 pixels (a decompression bomb) is
    refused without allocating them.
    """
    limit = settings.EVIDENCE_MAX_IMAGE_PIXELS
    # Pillow's own bomb check uses a fixed limit and cannot name the size; the
    # check below uses the configured limit and says what the file claims.
    Image.MAX_IMAGE_PIXELS = None
    try:
        image = Image.open(source)
        width, height = image.size
        if width * height > limit:
            raise StageFailed(
                f"the image claims {width} x {height} pixels ({width * height / 1e6:.0f} MP), over the limit of "
                f"{limit / 1e6:.0f} MP (EVIDENCE_MAX_IMAGE_PIXELS); it may be a decompression bomb"
            )
        if load:
            image.load()
    except UnidentifiedImageError:
        raise StageFailed("the image cannot be read: its format is unknown or its header is damaged") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise StageFailed(f"the image is damaged: {error}") from None
    return image


def upright(image: Image.Image) -> Image.Image:
    """The picture as a browser shows it: turned by its EXIF orientation."""
    return ImageOps.exif_transpose(image)
