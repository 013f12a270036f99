from __future__ import annotations

import pytest

from archive.identify import clean_file_name, kind_for, name_mismatch, preview_kind, sniff_content_type
from tests.conftest import PDF_BYTES, png_bytes


def test_content_type_comes_from_the_bytes() -> None:
    assert sniff_content_type(png_bytes()) == "image/png"
    assert sniff_content_type(PDF_BYTES) == "application/pdf"
    assert sniff_content_type(b"") == "application/x-empty"


@pytest.mark.parametrize(
    ("content_type", "kind"),
    [
        ("image/png", "screenshot"),
        ("video/mp4", "recording"),
        ("application/pdf", "document"),
        ("application/zip", "other"),
    ],
)
def test_kind_follows_the_content_type(content_type: str, kind: str) -> None:
    assert kind_for(content_type) == kind


def test_a_name_with_path_separators_keeps_only_its_last_part() -> None:
    name, notes = clean_file_name("../../etc/passwd")
    assert name == "passwd"
    assert notes == ["its name contained path separators, so only the last part was kept"]
    assert clean_file_name("C:\\Users\\me\\shot.png")[0] == "shot.png"


def test_control_and_bidi_override_characters_are_removed() -> None:
    name, notes = clean_file_name("evil\u202egnp.exe\x00\n")
    assert name == "evilgnp.exe"
    assert "control characters" in notes[0]


def test_an_overlong_name_is_shortened_but_keeps_its_extension() -> None:
    name, notes = clean_file_name("a" * 400 + ".png")
    assert len(name) == 255
    assert name.endswith(".png")
    assert notes


def test_a_name_that_is_only_dots_becomes_unnamed() -> None:
    assert clean_file_name("..")[0] == "unnamed"


def test_an_extension_that_lies_is_reported() -> None:
    message = name_mismatch("photo.jpg", "application/pdf")
    assert (
        message == "its name ends in .jpg (image/jpeg) but its bytes are application/pdf; it is kept as application/pdf"
    )
    assert name_mismatch("photo.jpeg", "image/jpeg") is None
    assert name_mismatch("notes.csv", "text/plain") is None
    assert name_mismatch("no-extension", "image/png") is None


def test_html_and_svg_never_preview_inline() -> None:
    assert preview_kind("text/html") == "none"
    assert preview_kind("image/svg+xml") == "none"
    assert preview_kind("image/png") == "image"
    assert preview_kind("video/mp4") == "video"
