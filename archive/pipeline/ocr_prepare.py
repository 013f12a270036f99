"""Pictures made ready for OCR: all text dark on light, at a size the engine reads well, with room around it.

Plain functions on pictures (Pillow, NumPy, OpenCV), no Django.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageFilter, ImageOps

from archive.pipeline.ocr_photos import straighten

# Below this brightness of its surroundings a pixel is taken to sit on a dark
# background, and its region is inverted so that all text is dark on light.
DARK_BACKGROUND = 110
# The background around each pixel is the median of a 9x9 window of a copy
# shrunk five times: a median ignores letters, and the window (about 45
# pixels) still follows a 26-pixel menu bar.
BACKGROUND_SHRINK = 5
BACKGROUND_WINDOW = 9
# Dark regions narrower than this (in the shrunk copy) are letters, not backgrounds.
DARK_OPENING = 3
# The shrunk copy places a region's edge only to within two of its pixels (ten
# of the picture): shrinking rounds the edge to a multiple of five, and at the
# edge the median's window is half inside, so light text or icons along the
# inside of a bar tip it to light and leave a dark strip that cuts the text.
# Each edge is placed again at full size within this many shrunk pixels (one
# more than it can be out, to see rows on both sides of the true edge), where
# the share of dark pixels in rows (or columns) changes most over this many
# rows to either side.
EDGE_CELLS = 3
EDGE_ROWS = 2


def normalise_polarity(image: Image.Image) -> Image.Image:
    """Greyscale, with light-on-dark regions (taskbars, menu bars, dark themes, overlays) inverted."""
    grey = image.convert("L")
    return Image.composite(ImageOps.invert(grey), grey, dark_regions(grey))


def dark_regions(grey: Image.Image) -> Image.Image:
    """Mask (255) of the pixels that sit on a dark background, with each region's edges where the picture has them.

    1. The background is the median of a window of a shrunk copy; an opening
       of the dark mask then drops dark patches narrower than a bar, such as
       the insides of large bold letters, which must not be inverted.
    2. The mask's horizontal edges (the top of a taskbar, the bottom of a menu
       bar) are moved, column by column, to where its rows change from mostly
       light to mostly dark (see ``_snap_edges``); then its vertical edges, by
       its columns.
    """
    small = grey.resize(
        (max(1, grey.width // BACKGROUND_SHRINK), max(1, grey.height // BACKGROUND_SHRINK)), Image.Resampling.BOX
    )
    background = small.filter(ImageFilter.MedianFilter(BACKGROUND_WINDOW))
    dark = background.point(lambda value: 255 if value < DARK_BACKGROUND else 0)
    dark = dark.filter(ImageFilter.MinFilter(DARK_OPENING)).filter(ImageFilter.MaxFilter(DARK_OPENING))
    mask = dark.resize(grey.size, Image.Resampling.NEAREST)
    darkest, lightest = dark.getextrema()
    if darkest == lightest:
        # All light or all dark: no edge to place.
        return mask
    refined = np.array(mask) > 0
    pixels = np.asarray(grey) < DARK_BACKGROUND
    _snap_edges(refined, pixels)
    _snap_edges(refined.T, pixels.T)
    return Image.fromarray(refined.astype(np.uint8) * 255)


def _snap_edges(mask: np.ndarray, pixels: np.ndarray) -> None:
    """Move each horizontal edge of ``mask`` up to ``EDGE_CELLS`` cells, column by column, to where the picture has it.

    A row of the median's width lies wholly on one side of a horizontal edge:
    the page above a taskbar has few dark pixels in it, the bar's first rows
    mostly dark ones. Rows through a bar's light icons or letters may be
    mostly light too, but they differ from their neighbours by less than the
    rows on either side of the edge do: the edge goes where the share of dark
    pixels changes most, over ``EDGE_ROWS`` rows to either side.
    """
    height = mask.shape[0]
    reach = EDGE_CELLS * BACKGROUND_SHRINK
    changes = mask[1:] != mask[:-1]
    # An edge at ``b`` lies between rows b - 1 and b.
    edges = np.flatnonzero(changes.any(axis=1)) + 1
    if edges.size == 0:
        return
    near = np.zeros(height, dtype=bool)
    for edge in edges:
        near[max(0, edge - reach) : edge + reach] = True
    rows = np.flatnonzero(near)
    # The mask as the shrunk copy drew it, in the rows near its edges, as the edges move.
    drawn = mask[rows]
    count, length = _window_sums(pixels[rows], BACKGROUND_SHRINK * BACKGROUND_WINDOW // 2, axis=1)
    share = count / length
    position = np.zeros(height, dtype=int)
    position[rows] = np.arange(rows.size)
    offsets = np.arange(-reach, reach)
    for edge in edges:
        columns = np.flatnonzero(changes[edge - 1])
        above = drawn[position[edge - 1], columns]
        ys = np.clip(edge + offsets, 0, height - 1)
        # Each column's window runs from the edge over the rows that keep the
        # side's state, up to the next edge or the picture's end.
        side = np.where(offsets[:, None] < 0, above, ~above)
        keeps = (drawn[position[ys]][:, columns] == side) & ((edge + offsets >= 0) & (edge + offsets < height))[:, None]
        upwards = np.cumprod(keeps[:reach][::-1], axis=0)[::-1]
        window = np.vstack([upwards, np.cumprod(keeps[reach:], axis=0)]).astype(bool)
        # A row's share is an average over the median's width, so it changes
        # slowly along the edge: the cut is found for every fifth column and
        # used for the four after it.
        picks = np.arange(0, columns.size, BACKGROUND_SHRINK)
        # Running totals of the rows' dark shares and of the rows, so that the
        # mean of the rows just before and just after each cut is a difference.
        zero = np.zeros((1, picks.size))
        shares = np.vstack([zero, np.cumsum(share[position[ys]][:, columns[picks]] * window[:, picks], axis=0)])
        counted = np.vstack([zero, np.cumsum(window[:, picks], axis=0)])
        cuts = np.arange(2 * reach + 1)
        low, high = np.maximum(cuts - EDGE_ROWS, 0), np.minimum(cuts + EDGE_ROWS, 2 * reach)
        before_rows, after_rows = counted - counted[low], counted[high] - counted
        before = (shares - shares[low]) / np.maximum(before_rows, 1)
        after = (shares[high] - shares) / np.maximum(after_rows, 1)
        # Growing darker past the cut where the bar is below, lighter where it is above.
        step = np.where(above[picks], before - after, after - before)
        # Only cuts with rows of the window on both sides; ties go to the edge the shrunk mask drew.
        step = np.where((before_rows > 0) & (after_rows > 0), step, -np.inf) - 1e-6 * np.abs(cuts - reach)[:, None]
        cut = np.argmax(step, axis=0)[np.arange(columns.size) // BACKGROUND_SHRINK]
        states = np.where(np.arange(2 * reach)[:, None] < cut, above, ~above)
        inside, column = np.nonzero(window)
        mask[ys[inside], columns[column]] = states[inside, column]


def _window_sums(mask: np.ndarray, half: int, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Set cells and all cells in a window of ``half`` cells to either side along ``axis``, cut at the ends."""
    values = np.moveaxis(mask, axis, -1)
    size = values.shape[-1]
    totals = np.zeros((*values.shape[:-1], size + 1), dtype=np.int32)
    np.cumsum(values, axis=-1, dtype=np.int32, out=totals[..., 1:])
    places = np.arange(size)
    low, high = np.maximum(places - half, 0), np.minimum(places + half + 1, size)
    count = totals[..., high] - totals[..., low]
    # The lengths run along ``axis``: shaped to broadcast over the other axes.
    length = (high - low).reshape((-1,) + (1,) * (mask.ndim - 1 - axis))
    return np.moveaxis(count, -1, axis), length


# Letters at least this tall (the median height of the dark shapes once the
# picture is made black and white, in pixels) are read as they are: Tesseract
# reads a screenshot's 13-pixel type well. Smaller ones, as on a screenshot
# that a platform shrank or a 360p video frame, are enlarged until they are
# ``LETTER_HEIGHT`` tall, at most ``MAX_SCALE`` times, and never past
# ``MAX_READ_PIXELS`` in all.
SMALL_LETTERS = 7
LETTER_HEIGHT = 12
MAX_SCALE = 4.0
MAX_READ_PIXELS = 16_000_000
# Fewer shapes of a letter's size than this tell nothing of the text's size,
# and the letters are taken to be this tall.
MIN_LETTERS = 20
DEFAULT_LETTER = 10
# The background of a pixel is the lightest of a square this many letters wide around it.
BACKGROUND_LETTERS = 3
# Straight runs this many letter heights long, darker than ``RULE_INK`` on
# the white background, are rules, not letters: a faint one (the edge of a
# scanned page) is still read as "|".
RULE_LETTERS = 6
RULE_INK = 220
# A rule is at most this share of a letter's height thick.
RULE_THICKNESS = 0.25
# Once every background is white, pixels darker than this are ink.
INK = 128
# A border of background around the picture: Tesseract drops a letter that
# touches the picture's edge ("01-Nov-2017" read as "1-Nov-2017").
PAD = 12


@dataclass(frozen=True)
class Prepared:
    """A picture made ready for reading, and the way back to the original's pixels."""

    image: Image.Image  # greyscale, dark text on white, enlarged by ``scale``, ``PAD`` pixels of margin
    scale: float
    # The 3x3 matrix that takes the original's pixels to the picture's.
    matrix: np.ndarray

    def to_original(self, left: float, top: float, width: float, height: float) -> tuple[int, int, int, int]:
        """A box (left, top, width, height) in the prepared picture, in the original's pixels.

        Where the picture was straightened, the box's corners land on a
        quadrilateral of the original; the box returned holds it.
        """
        corners = np.float32([[left, top], [left + width, top], [left + width, top + height], [left, top + height]])
        back = cv2.perspectiveTransform(corners[None], np.linalg.inv(self.matrix))[0]
        x0, y0 = back.min(axis=0)
        x1, y1 = back.max(axis=0)
        return round(x0), round(y0), round(x1 - x0), round(y1 - y0)


def prepare(image: Image.Image, *, photo: bool = False) -> Prepared:
    """The picture in greyscale with all text dark on a white background, enlarged where its letters are small.

    1. A photo or a scan is straightened and its contrast evened out
       (``ocr_photos.straighten``).
    2. Light-on-dark regions are inverted (``normalise_polarity``).
    3. Small letters are enlarged (``reading_scale``), bilinearly: on JPEG and
       H.264 pictures that leaves letters smoother than bicubic or Lanczos,
       whose ringing Tesseract reads as strokes (on bench/degraded_screens.py's
       0.5x screens: 41% of the dates read after bilinear, 36% after bicubic,
       29% after Lanczos).
    4. Each background is made white (``flatten_background``), long upright
       rules are removed (``remove_rules``), and a margin of white is added.
    """
    matrix = np.eye(3)
    if photo:
        grey, matrix = straighten(np.asarray(image.convert("L")))
        image = Image.fromarray(grey)
    pixels = np.asarray(normalise_polarity(image))
    letters = letter_height(pixels)
    scale = reading_scale(letters, pixels.shape[1] * pixels.shape[0])
    pixels = enlarged(pixels, scale)
    letters = (letters or DEFAULT_LETTER) * scale
    pixels = with_margin(remove_rules(flatten_background(pixels, letters), letters))
    matrix = np.array([[scale, 0, PAD], [0, scale, PAD], [0, 0, 1]]) @ matrix
    return Prepared(Image.fromarray(pixels), scale, matrix)


def enlarged(pixels: np.ndarray, scale: float) -> np.ndarray:
    """Pixels enlarged ``scale`` times, bilinearly (see ``prepare``)."""
    if scale == 1.0:
        return pixels
    return cv2.resize(pixels, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)


def with_margin(pixels: np.ndarray) -> np.ndarray:
    """Dark-on-white pixels with ``PAD`` pixels of white around them."""
    return cv2.copyMakeBorder(pixels, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255)


def remove_rules(pixels: np.ndarray, letters: float) -> np.ndarray:
    """Dark-on-white pixels with their long thin upright rules made white: a page's edge, a panel's border.

    Tesseract takes an upright rule beside a word for a letter of it
    ("|25-04-18" read as "Feast") or reads it as a line of its own ("|"). No
    stroke of a letter runs straight up for ``RULE_LETTERS`` letter heights;
    a rule does, and it is thin. Rules across are left: the tops of blurred
    letters run together into thin straight lines as long as a word.
    """
    length = max(15, round(RULE_LETTERS * letters))
    thick = max(2, round(RULE_THICKNESS * letters)) + 1
    dark = (pixels < RULE_INK).astype(np.uint8)
    upright = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (1, length)))
    wide = cv2.morphologyEx(upright, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (thick, 1)))
    rules = upright & (1 - wide)
    if not rules.any():
        return pixels
    cleaned = pixels.copy()
    cleaned[cv2.dilate(rules, np.ones((3, 3), np.uint8)) > 0] = 255
    return cleaned


def flatten_background(pixels: np.ndarray, letters: float) -> np.ndarray:
    """Dark-on-light pixels divided by their background, so that every background is white.

    Tesseract makes the picture black and white with one threshold for all of
    it; a light grey bar (a browser's address bar, an inverted menu bar) can
    fall below it whole, and the text on it is lost in a black band. The
    background is what a closing (a maximum, then a minimum) over a square
    ``BACKGROUND_LETTERS`` letters wide leaves: letters are narrower, so they
    go, and bars, panels and gradients stay. ``letters`` is their height.
    """
    size = max(9, round(BACKGROUND_LETTERS * letters)) | 1
    background = cv2.morphologyEx(pixels, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (size, size)))
    flat = pixels.astype(np.float32) * 255.0 / np.maximum(background, 1)
    return np.clip(flat, 0, 255).astype(np.uint8)


def reading_scale(letters: float | None, pixels: int) -> float:
    """How much to enlarge a picture of ``pixels`` pixels with letters ``letters`` tall (1.0: big enough)."""
    if letters is None or letters >= SMALL_LETTERS:
        return 1.0
    limit = (MAX_READ_PIXELS / pixels) ** 0.5
    return max(1.0, min(LETTER_HEIGHT / letters, MAX_SCALE, limit))


def letter_height(pixels: np.ndarray) -> float | None:
    """The median height of the shapes of a letter's size in a dark-on-light picture, or None where there are few.

    The picture is made black and white (Otsu's threshold); each connected
    dark shape no wider than three times its height and no taller than a
    tenth of the picture counts. Where letters touch, as on a blurred picture,
    the shapes are words, but no taller than their letters.
    """
    _, dark = cv2.threshold(pixels, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(dark, connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = heights[(heights >= 2) & (heights <= max(2, pixels.shape[0] // 10)) & (widths <= 3 * heights)]
    if letters.size < MIN_LETTERS:
        return None
    return float(np.median(letters))
