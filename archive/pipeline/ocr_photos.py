"""Photos of screens and scanned pages made straight before reading: perspective, skew and contrast.

A phone photo of a monitor shows the screen as a tilted quadrilateral on a
darker surround, lit unevenly; a scanned page lies a few degrees askew.
Tesseract finds lines along the rows of the picture, so a line two degrees
off drifts across them and is cut or read wrong. Plain functions on
greyscale NumPy arrays, each returning the 3x3 matrix that takes the
original's pixels to the new picture's, so that boxes can be taken back.
"""

from __future__ import annotations

import cv2
import numpy as np

# A picture none of whose shades covers this share of it is a photo.
FLAT_SHARE = 0.05
# The strength of the denoising (OpenCV's h): grain, not letters.
DENOISE = 7
# A quadrilateral outline (a screen, a page) is worth straightening when it
# covers at least this share of the picture and a corner stands at least
# ``OFF_SQUARE`` of the picture's size from where an upright rectangle's would.
OUTLINE_SHARE = 0.3
OFF_SQUARE = 0.02
# Skew is looked for within this many degrees, first in whole degrees, then
# in tenths; under ``LEVEL`` degrees a page is left as it is.
MAX_SKEW = 15
LEVEL = 0.3
# Skew is measured on a copy this many pixels wide.
SKEW_WIDTH = 1000


def looks_photographed(grey: np.ndarray) -> bool:
    """Whether a picture was taken by a camera rather than drawn by a computer.

    A screenshot, even one saved as a rough JPEG, is mostly flat areas of
    one exact shade; a camera's sensor noise leaves no shade on more than a
    few per cent of the pixels.
    """
    sample = grey[::2, ::2]
    if sample.size == 0:
        return False
    return np.bincount(sample.ravel(), minlength=256).max() < FLAT_SHARE * sample.size


def straighten(grey: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The picture with its screen or page made upright and its sensor noise removed; and the matrix used.

    1. A large quadrilateral outline that is not already upright is warped
       to a rectangle (``outline``).
    2. Text still askew is turned level (``skew_angle``).
    3. The camera's or scanner's grain is removed (non-local means): where
       the light is weak, evening it out would make the grain into specks
       that Tesseract reads as marks ("12!.09.2023").

    Light that falls unevenly is evened out afterwards, with every other
    picture's backgrounds (``ocr_prepare.flatten_background``); contrast
    stretched tile by tile (CLAHE) instead made the grain worse. Measured on
    the photos and scans of tests/archive/test_ocr.py at 16 to 28px type:
    105 of 108 lines read whole without denoising, 108 with it (97 with a
    median filter, 101 with a Gaussian).
    """
    matrix = np.eye(3)
    corners = outline(grey)
    if corners is not None:
        warp, size = _to_rectangle(corners)
        grey = cv2.warpPerspective(grey, warp, size, flags=cv2.INTER_LINEAR, borderValue=255)
        matrix = warp @ matrix
    angle = skew_angle(grey)
    if abs(angle) >= LEVEL:
        turn, size = _rotation(grey.shape, angle)
        grey = cv2.warpAffine(grey, turn, size, flags=cv2.INTER_LINEAR, borderValue=255)
        matrix = np.vstack([turn, [0, 0, 1]]) @ matrix
    return cv2.fastNlMeansDenoising(grey, None, DENOISE, 7, 21), matrix


def outline(grey: np.ndarray) -> np.ndarray | None:
    """The four corners (top-left, top-right, bottom-right, bottom-left) of a screen's or page's outline, if tilted."""
    height, width = grey.shape
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 0), 50, 150)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        if cv2.contourArea(contour) < OUTLINE_SHARE * width * height:
            break
        hull = cv2.convexHull(contour)
        approximate = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        if len(approximate) != 4:
            continue
        corners = _ordered(approximate.reshape(4, 2).astype(np.float32))
        x, y, w, h = cv2.boundingRect(corners)
        square = np.float32([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])
        if np.abs(corners - square).max() >= OFF_SQUARE * max(width, height):
            return corners
        return None
    return None


def skew_angle(grey: np.ndarray) -> float:
    """The angle (degrees, counter-clockwise) to turn the picture by so its text lines are level.

    Ink summed along rows is sharpest, with dark rows of text and blank rows
    between, when the rows follow the lines: the angle whose turned copy gives
    the largest variance of row sums.
    """
    scale = min(1.0, SKEW_WIDTH / grey.shape[1])
    small = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else grey
    # Ink against its own surroundings: light that falls unevenly must not count as ink.
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 15)
    ink = ink.astype(np.float32)

    def sharpness(angle: float) -> float:
        turn, size = _rotation(ink.shape, angle)
        return float(cv2.warpAffine(ink, turn, size, flags=cv2.INTER_NEAREST).sum(axis=1).var())

    best = max(range(-MAX_SKEW, MAX_SKEW + 1), key=sharpness)
    fine = [best + tenth / 10 for tenth in range(-10, 11)]
    return max(fine, key=sharpness)


def _rotation(shape: tuple[int, ...], angle: float) -> tuple[np.ndarray, tuple[int, int]]:
    """The 2x3 matrix turning a picture of ``shape`` by ``angle`` about its centre, onto a canvas that holds it all."""
    height, width = shape[:2]
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    cos, sin = abs(turn[0, 0]), abs(turn[0, 1])
    size = (int(round(height * sin + width * cos)), int(round(height * cos + width * sin)))
    turn[0, 2] += size[0] / 2 - width / 2
    turn[1, 2] += size[1] / 2 - height / 2
    return turn, size


def _to_rectangle(corners: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
    """The perspective matrix that takes the quadrilateral to an upright rectangle as large as its longer sides."""
    top, right, bottom, left = (np.linalg.norm(corners[(i + 1) % 4] - corners[i]) for i in range(4))
    width, height = int(round(max(top, bottom))), int(round(max(left, right)))
    target = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    return cv2.getPerspectiveTransform(corners, target), (width, height)


def _ordered(points: np.ndarray) -> np.ndarray:
    """Four points as top-left, top-right, bottom-right, bottom-left."""
    sums, differences = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.float32(
        [
            points[np.argmin(sums)],
            points[np.argmin(differences)],
            points[np.argmax(sums)],
            points[np.argmax(differences)],
        ]
    )
