"""The ocr stage on pictures as they really arrive: shrunk, re-compressed, from a video site, scanned.

Every picture is made here and read by the real Tesseract.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest
from django.conf import settings
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from archive.models import ProcessingStatus
from archive.pipeline.ocr import read_lines
from archive.pipeline.ocr_dates import calendar_names, dated_parts, mixed_script, settle_scripts
from archive.pipeline.ocr_engines import RAPIDOCR, TESSERACT, ocr_languages, tesseract_packs
from archive.pipeline.ocr_photos import looks_photographed, skew_angle
from archive.pipeline.ocr_prepare import PAD, letter_height, prepare, reading_scale, remove_rules
from tests import media

MONO = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"


def texts(image: Image.Image) -> list[str]:
    return [line["text"] for line in read_lines(image, settings.OCR_LANGUAGES)]


def as_platforms_pass_it_on(image: Image.Image, scale: float, quality: int) -> Image.Image:
    """Shrunk (Lanczos) and saved as JPEG, as a platform re-shares a screenshot."""
    size = (round(image.width * scale), round(image.height * scale))
    buffer = io.BytesIO()
    image.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(buffer, "JPEG", quality=quality)
    return Image.open(io.BytesIO(buffer.getvalue()))


def browser_screen() -> Image.Image:
    """A 1366x768 browser: a dark menu bar with a clock, a grey address bar, a post and a news list in 13-15px type."""
    image = Image.new("RGB", (1366, 768), "#ffffff")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(media.FONT, 15)
    draw.rectangle((0, 0, 1366, 25), fill="#2a2a2a")
    draw.text((1200, 5), "Пн 4 сент. 14:32", font=ImageFont.truetype(media.FONT, 13), fill="#f2f2f2")
    draw.rectangle((0, 26, 1366, 66), fill="#dfe1e5")
    draw.rounded_rectangle((16, 34, 420, 58), radius=12, fill="#ffffff")
    draw.text(
        (30, 37),
        "https://news.example.org/2023/09/04/story-12",
        font=ImageFont.truetype(media.FONT, 14),
        fill="#202124",
    )
    draw.text(
        (24, 96),
        "Labelling task 5512: draw a box around every person",
        font=ImageFont.truetype(media.FONT, 21),
        fill="#1b1b1b",
    )
    draw.text((24, 132), "Опубликовано 4 сентября 2023, 14:21", font=font, fill="#777777")
    for number, line in enumerate(["September 2, 2023 · Rail strike halts trains", "01.09.2023 · Новые санкции ЕС"]):
        draw.text((880, 100 + 30 * number), line, font=ImageFont.truetype(media.FONT, 13), fill="#1b1b1b")
    return image  # fmt: skip


def receipt(*, left: int, margin: int, font: str = media.FONT, size: int = 22) -> Image.Image:
    """A scanned receipt: grey paper with noise, dark scanner bed left of it, dated lines ``margin`` from its edge."""
    rng = np.random.default_rng(3)
    image = Image.new("L", (900, 400), 215)
    draw = ImageDraw.Draw(image)
    if left:
        draw.rectangle((0, 0, left, 400), fill=25)
    type_ = ImageFont.truetype(font, size)
    rows = ["25-04-18 16:46  RECEIPT 0042", "12-01-19 21:13  CASHIER: ANN", "01-Nov-2017 TABLE 7", "TOTAL RM 12.50"]
    for number, row in enumerate(rows):
        draw.text((left + margin, 30 + number * int(size * 2.2)), row, font=type_, fill=70)
    noisy = np.asarray(image).astype(float) + rng.normal(0, 7, (400, 900))
    image = Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.8))
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=70)
    return Image.open(io.BytesIO(buffer.getvalue()))


@pytest.mark.parametrize(("scale", "quality"), [(1.0, 30), (0.75, 55), (0.75, 30)])
def test_a_screen_shrunk_and_recompressed_keeps_its_dates_clock_and_address(scale: float, quality: int) -> None:
    read = " | ".join(texts(as_platforms_pass_it_on(browser_screen(), scale, quality)))
    for shown in ("2023/09/04", "4 сентября 2023", "September 2, 2023", "01.09.2023", "14:32"):
        assert shown in read, (shown, read)


def test_small_letters_are_enlarged_before_reading_and_big_ones_are_not() -> None:
    screen = browser_screen()
    assert reading_scale(letter_height(np.asarray(screen.convert("L"))), screen.width * screen.height) == 1.0
    half = as_platforms_pass_it_on(screen, 0.5, 70)
    assert reading_scale(letter_height(np.asarray(half.convert("L"))), half.width * half.height) >= 1.5
    # A huge picture is never enlarged past the reading limit, nor shrunk.
    assert reading_scale(3.0, 8000 * 6000) == 1.0
    assert reading_scale(3.0, 2000 * 2000) == 2.0


def test_boxes_are_in_the_pixels_of_the_picture_given_even_when_it_was_enlarged() -> None:
    half = as_platforms_pass_it_on(browser_screen(), 0.5, 90)
    assert prepare(half).scale > 1.0
    [line] = [line for line in read_lines(half, settings.OCR_LANGUAGES) if "Labelling" in line["text"]]
    # Drawn at (24, 96) in 21px type on the full screen: (12, 48) and about 8 pixels tall at half size.
    assert abs(line["left"] - 12) <= 3 and abs(line["top"] - 50) <= 4, line
    assert 6 <= line["height"] <= 14 and line["left"] + line["width"] <= half.width
    for word in line["words"]:
        assert line["left"] <= word["left"] and word["left"] + word["width"] <= line["left"] + line["width"] + 1


@pytest.mark.parametrize("margin", [0, 1])
def test_a_date_at_the_edge_of_a_receipt_is_read_whole_and_in_one_script(margin: int) -> None:
    # Before, the first digit went ("Q1-Nov-2017"), or the month came out in Cyrillic ("01-Моу-2017").
    read = texts(receipt(left=0, margin=margin, font=MONO, size=16))
    assert "25-04-18 16:46 RECEIPT 0042" in read and "01-Nov-2017 TABLE 7" in read, read


@pytest.mark.parametrize("margin", [4, 10])
def test_the_first_characters_of_a_receipts_lines_beside_the_scanner_bed_are_kept(margin: int) -> None:
    read = texts(receipt(left=80, margin=margin))
    # The page's edge is a rule, not a letter: no "|" lines, nothing glued to the dates.
    assert "25-04-18 16:46 RECEIPT 0042" in read, read
    assert "12-01-19 21:13 CASHIER: ANN" in read, read
    assert not [text for text in read if text.strip("|[]! ") == ""], read


def test_a_latin_date_among_cyrillic_lookalike_letters_is_read_in_one_script() -> None:
    image = Image.new("RGB", (700, 260), "#f7f7f2")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(media.FONT, 18)
    for number, row in enumerate(
        ["Чек № 4471  Кассир: Анна", "01-Nov-2017 TABLE 7", "Итого: 12.50 руб.", "05 May 18 21:13"]
    ):
        draw.text((40, 30 + 50 * number), row, font=font, fill="#333333")
    read = texts(as_platforms_pass_it_on(image, 1.0, 60))
    assert "01-Nov-2017 TABLE 7" in read and "05 May 18 21:13" in read, read
    assert not [text for text in read if any(mixed_script(word) for word in text.split())], read


def test_a_latin_name_in_a_russian_line_is_read_in_latin_letters() -> None:
    """Read with eng+rus at once, ``Neft`` came out as ``Мей`` and ``TEVIAN`` as ``ТЕМАМ``; each alone reads them."""
    image = Image.new("RGB", (560, 220), "#ffffff")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(media.FONT, 15)
    rows = ["Оплата через Gazprom Neft", "Задание для TEVIAN", "Артёма Кухаренко ищет разметчиков", "Работа с Ростеха"]
    for number, row in enumerate(rows):
        draw.text((20, 20 + 45 * number), row, font=font, fill="#1b1b1b")
    assert texts(image) == rows


def test_a_word_whose_neighbours_boxes_overlap_it_is_still_read_again() -> None:
    image = media.text_image(["Оплата через Gazprom Neft"], font_size=15, size=(400, 60))
    word = {"text": "Мей", "left": 200, "top": 20, "width": 40, "height": 16, "confidence": 40.0}
    before = {"text": "Gazprom", "left": 120, "top": 20, "width": 130, "height": 16, "confidence": 95.0}
    after = {"text": "x", "left": 190, "top": 20, "width": 10, "height": 16, "confidence": 95.0}
    [line] = settle_scripts(TESSERACT, image, [[before, word, after]], "eng+rus")
    assert len(line) >= 3


def test_upright_rules_are_removed_and_letters_are_not() -> None:
    image = Image.new("L", (400, 120), 255)
    draw = ImageDraw.Draw(image)
    draw.line((20, 0, 20, 119), fill=180)
    draw.text((30, 40), "Illinois 1111 |l|", font=ImageFont.truetype(media.FONT, 20), fill=0)
    cleaned = remove_rules(np.asarray(image), 10)
    assert (cleaned[:, 19:22] == 255).all()
    assert (cleaned[:, 28:] == np.asarray(image)[:, 28:]).all()


def test_a_line_is_read_again_only_in_its_dated_part() -> None:
    line = "27 июня 2023, 14:21 · Comcast turns focus to Sky, 214 fans"
    words = [{"text": t} for t in line.split(" ")]
    [part] = dated_parts(words)
    assert [w["text"] for w in words[part]] == ["27", "июня", "2023,", "14:21", "·"]
    assert dated_parts([{"text": t} for t in ["Price", "12", "of", "480", "images"]]) == []


@pytest.mark.parametrize("size", [(1, 1), (3, 900), (800, 600)])
def test_a_blank_or_tiny_picture_reads_as_nothing(size: tuple[int, int]) -> None:
    assert read_lines(Image.new("RGB", size, "#ffffff"), settings.OCR_LANGUAGES) == []
    assert read_lines(Image.new("RGB", size, "#ffffff"), settings.OCR_LANGUAGES, photo=True) == []
    assert prepare(Image.new("RGB", size, "#000000")).image.size == (size[0] + 2 * PAD, size[1] + 2 * PAD)


@pytest.mark.usefixtures("in_process")
def test_a_recording_served_at_360p_has_its_small_dated_text_read(run_pipeline: object) -> None:
    """A 1280x720 screen with 16px type, served by a video site at 640x360: the type is 8 pixels tall."""
    screen = media.text_image(
        ["Задание 5512: обведите каждого человека", "Новости: 4 сентября 2023, 14:21", "Posted Sep 4, 2023"],
        font_size=16,
    )
    served = screen.resize((640, 360), Image.Resampling.BILINEAR)
    evidence = run_pipeline(media.recording([(served, 2.0)], fps=10), "served-360p.mp4")
    assert evidence.status == ProcessingStatus.DONE, evidence.status_reason
    read = "\n".join(evidence.frames.values_list("text", flat=True))
    assert "4 сентября 2023" in read and "Sep 4, 2023" in read, read


def photographed(screen: Image.Image) -> tuple[Image.Image, np.ndarray]:
    """A phone photo of a monitor: the screen in perspective on a dark desk, lit from one side, noisy, as JPEG.

    Returns the photo and the matrix that takes the screen's pixels to the photo's.
    """
    rng = np.random.default_rng(1)
    pixels = np.asarray(screen.convert("RGB"))
    height, width = pixels.shape[:2]
    size = (int(width * 1.25), int(height * 1.35))
    corners = np.float32([[0, 0], [width, 0], [width, height], [0, height]])
    shown = np.float32([[0.08, 0.12], [0.9, 0.07], [0.93, 0.86], [0.1, 0.92]]) * np.float32(size)
    matrix = cv2.getPerspectiveTransform(corners, shown)
    photo = cv2.warpPerspective(pixels, matrix, size, borderValue=(40, 38, 35))
    rows, columns = np.mgrid[0 : size[1], 0 : size[0]]
    light = 0.75 + 0.35 * columns / size[0] - 0.1 * rows / size[1]
    photo = np.clip(photo * light[..., None] + rng.normal(0, 6, photo.shape), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(cv2.GaussianBlur(photo, (0, 0), 1.0)).save(buffer, "JPEG", quality=80)
    return Image.open(io.BytesIO(buffer.getvalue())), matrix


def askew(screen: Image.Image, degrees: float) -> Image.Image:
    """A page scanned a few degrees askew, with the scanner's noise."""
    pixels = np.asarray(screen.convert("L"))
    height, width = pixels.shape
    turn = cv2.getRotationMatrix2D((width / 2, height / 2), degrees, 1.0)
    turned = cv2.warpAffine(pixels, turn, (width, height), borderValue=255)
    noisy = turned + np.random.default_rng(2).normal(0, 8, turned.shape)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


DATED_PAGE = ["Задание 5512: обведите каждого человека", "Новости: 4 сентября 2023, 14:21", "Срок: 12.09.2023"]


def test_a_camera_photo_is_told_from_a_screenshot_however_compressed() -> None:
    screen = media.text_image(DATED_PAGE, font_size=20)
    photo, _ = photographed(screen)
    assert looks_photographed(np.asarray(photo.convert("L")))
    rough = as_platforms_pass_it_on(screen, 0.75, 30)
    assert not looks_photographed(np.asarray(rough.convert("L")))


def test_a_photo_of_a_screen_is_read_straight_and_its_boxes_land_on_the_photo() -> None:
    screen = media.text_image(DATED_PAGE, font_size=20)
    photo, matrix = photographed(screen)
    lines = read_lines(photo, settings.OCR_LANGUAGES, photo=True)
    assert [line["text"] for line in lines][:3] == DATED_PAGE, lines
    # The second line was drawn at (60, 96) on the screen, 20px type: its middle, as the photo shows it.
    drawn = ImageFont.truetype(media.FONT, 20).getbbox(DATED_PAGE[1])
    middle = np.float32([[[60 + (drawn[0] + drawn[2]) / 2, 96 + (drawn[1] + drawn[3]) / 2]]])
    expected = cv2.perspectiveTransform(middle, matrix)[0, 0]
    box = lines[1]
    found = (box["left"] + box["width"] / 2, box["top"] + box["height"] / 2)
    assert abs(found[0] - expected[0]) < 15 and abs(found[1] - expected[1]) < 10, (found, expected)


@pytest.mark.parametrize("degrees", [3, -6])
def test_a_scanned_page_askew_is_turned_level_before_reading(degrees: float) -> None:
    page = askew(media.text_image(DATED_PAGE, font_size=20), degrees)
    assert abs(skew_angle(np.asarray(page)) + degrees) <= 0.5
    assert [line["text"] for line in read_lines(page, settings.OCR_LANGUAGES, photo=True)][:3] == DATED_PAGE


@pytest.mark.usefixtures("in_process")
def test_the_pipeline_straightens_a_scanned_pdf_and_a_photo_but_not_a_screenshot(run_pipeline: object) -> None:
    screen = media.text_image(DATED_PAGE, font_size=20)
    scan = run_pipeline(media.scanned_pdf(askew(screen, 4).convert("RGB")), "scan.pdf")
    assert scan.status == ProcessingStatus.DONE, scan.status_reason
    assert all(line in scan.frames.get().text for line in DATED_PAGE), scan.frames.get().text
    photo, _ = photographed(screen)
    buffer = io.BytesIO()
    photo.save(buffer, "JPEG", quality=90)
    taken = run_pipeline(buffer.getvalue(), "IMG_2041.jpg")
    assert all(line in taken.frames.get().text for line in DATED_PAGE), taken.frames.get().text


def test_the_second_engine_reads_a_latin_line_from_its_own_weights() -> None:
    line = Image.new("RGB", (300, 24), "#ffffff")
    ImageDraw.Draw(line).text(
        (4, 4), "Posted Sep 4, 2023 at 2:21 PM", font=ImageFont.truetype(media.FONT, 14), fill="#222"
    )
    [words] = RAPIDOCR.read(line, "eng", "line")
    assert " ".join(w["text"] for w in words) == "Posted Sep 4, 2023 at 2:21 PM"
    assert words[0]["left"] < words[-1]["left"] and all(0 < w["confidence"] <= 100 for w in words)


def test_a_shrunk_screens_address_is_read_by_the_second_engine_and_no_text_comes_twice() -> None:
    read = texts(as_platforms_pass_it_on(browser_screen(), 0.5, 90))
    assert "https://news.example.org/2023/09/04/story-12" in read, read
    # A word whose box ran over the rest of its line once made the line's end come twice.
    assert sum(text.count("strike halts") for text in read) == 1, read


def test_month_and_weekday_names_come_from_cldr_for_the_ocr_languages() -> None:
    names = calendar_names("eng+rus")
    assert {"may", "september", "sep", "mon", "июня", "сентября", "сент", "пн"} <= names
    assert "мау" not in names and "eylül" not in names
    assert {"eylül", "pazartesi"} <= calendar_names("tur")
    assert calendar_names("xx-not-a-language") == frozenset()


def test_a_locale_s_tesseract_pack_is_found_by_its_language_and_script() -> None:
    assert tesseract_packs("tr-TR")[-2:] == ("tur", "tr")
    assert "deu" in tesseract_packs("de") and "ger" in tesseract_packs("de")
    assert tesseract_packs("zh-Hant")[0].endswith("_tra") and "chi_tra" in tesseract_packs("zh-Hant")
    assert tesseract_packs("uz-Cyrl").index("uzb_cyrl") < tesseract_packs("uz-Cyrl").index("uzb")
    assert tesseract_packs("not a locale") == ()
    languages, missing = ocr_languages("eng+rus", ["en-US", "ru", "tr", "uk", "xh"])
    assert languages == "eng+rus+tur+ukr"
    assert missing == ["xh"]
