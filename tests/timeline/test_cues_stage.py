"""The cues stage on real pictures read by real Tesseract, and the extract_cues command."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from archive.models import Case, Evidence
from archive.services import provenance_update
from tests import media
from tests.conftest import World
from timeline.extract.headlines import normalise
from timeline.headlines import headlines_import
from timeline.models import CaptureInterval, Cue, CueStatus, ReferenceHeadline

HEADLINE = "ЕС расширил санкции против разработчиков систем слежки"


@pytest.fixture
def corpus(db: None, tmp_path: Path) -> None:
    path = tmp_path / "corpus.csv"
    path.write_text(
        "published_at,title,outlet,url\n"
        f"2023-09-04,{HEADLINE},Lenta.ru,https://lenta.ru/news/2023/09/04/x/\n"
        f"2023-09-06,{HEADLINE},Other outlet,\n"
        "2023-07-20,EU lists NTechLab and Tevian under its human rights sanctions regime,Demo,\n"
    )
    headlines_import(path)


def kinds(evidence: Evidence) -> dict[str, Cue]:
    return {cue.kind: cue for cue in Cue.objects.filter(evidence=evidence)}


def test_a_screenshot_with_a_headline_and_a_taskbar_clock(world: World, corpus: None, run_pipeline: object) -> None:
    image = media.text_image(["Labelling task 5512", "Новости:", HEADLINE], bar=("14:32  04.09.2023", "#e8e8e8"))
    evidence = run_pipeline(media.png(image), "task.png")
    found = kinds(evidence)
    headline = found["headline"]
    assert (headline.bound, headline.strength) == ("not_before", "strong")
    assert headline.headline.outlet == "Lenta.ru", "the earliest publication counts"
    assert headline.details["score"] >= 86
    assert headline.locator["box"][1] > 100
    clock = found["clock"]
    assert (clock.bound, clock.granularity) == ("on", "minute")
    assert clock.earliest == datetime(2023, 9, 4, 0, 32, tzinfo=UTC)
    interval = CaptureInterval.objects.get(evidence=evidence, mode="provisional")
    assert interval.earliest == datetime(2023, 9, 4, 0, 32, tzinfo=UTC)
    assert not interval.conflict


def test_a_headline_wrapped_over_lines_in_a_recording(world: World, corpus: None, run_pipeline: object) -> None:
    words = HEADLINE.split()
    page = media.text_image(["Labelling task 5512", "Draw a box around every person"])
    panel = media.text_image(
        ["Labelling task 5512", "Draw a box around every person", " ".join(words[:3]), " ".join(words[3:])]
    )
    evidence = run_pipeline(media.recording([(page, 3), (panel, 1.2), (page, 3)]), "rec.mp4")
    headline = kinds(evidence)["headline"]
    assert headline.headline.title == HEADLINE
    assert headline.locator["time"] > 2.5


def test_running_the_stage_again_never_duplicates_and_never_touches_reviewed_cues(
    world: World, corpus: None, run_pipeline: object, reprocess: object
) -> None:
    image = media.text_image(["Опубликовано 4 сентября 2023", "Обновлено 05.09.2023"])
    evidence = run_pipeline(media.png(image), "page.png")
    cues = list(Cue.objects.filter(evidence=evidence).order_by("earliest"))
    assert [c.kind for c in cues] == ["text_date", "text_date", "received"][: len(cues)] or cues
    first, second = [c for c in cues if c.kind == "text_date"]
    Cue.objects.filter(pk=first.pk).update(status=CueStatus.CONFIRMED, note="checked on the original")
    Cue.objects.filter(pk=second.pk).update(status=CueStatus.REJECTED)
    manual = Cue.objects.create(
        evidence=evidence, kind="manual", bound="not_after", latest=datetime(2023, 12, 12, tzinfo=UTC),
        granularity="day", time_zone="UTC", strength="strong", by_person=True, text="seen on the platform",
        explanation="manual", fingerprint="manual-1",
    )  # fmt: skip
    before = set(Cue.objects.filter(evidence=evidence).values_list("pk", flat=True))
    reprocess(evidence, "cues")
    reprocess(evidence, "cues")
    after = Cue.objects.filter(evidence=evidence)
    assert after.count() == len(before)
    assert Cue.objects.get(pk=first.pk).note == "checked on the original"
    assert Cue.objects.get(pk=second.pk).status == CueStatus.REJECTED
    assert Cue.objects.filter(pk=manual.pk).exists()
    assert after.filter(kind="text_date").count() == 2


def test_a_day_without_a_year_is_placed_by_the_earliest_not_after_bound(
    world: World, corpus: None, run_pipeline: object, reprocess: object
) -> None:
    evidence = run_pipeline(media.png(media.text_image(["Встреча 4 сентября"])), "menu.png")
    # Only the receipt (today) bounds it: the latest 4 September not after today.
    received = kinds(evidence)["received"].latest
    placed = Cue.objects.get(evidence=evidence, kind="text_date")
    expected_year = received.year if (received.month, received.day) >= (9, 4) else received.year - 1
    assert f"year {expected_year} assumed" in placed.details["year"]
    provenance_update(
        provenance=evidence.provenance.get(),
        actor=world.owner,
        changes={"posted_at": datetime(2024, 1, 10, tzinfo=UTC), "posted_at_granularity": "day"},
    )
    evidence = reprocess(evidence, "cues")
    placed = Cue.objects.get(evidence=evidence, kind="text_date")
    assert placed.earliest.date().isoformat() == "2023-09-03"
    assert "year 2023 assumed: the latest 04 September not after 2024-01-11" in placed.details["year"]
    assert kinds(evidence)["platform_upload"].bound == "not_after"


def test_extract_cues_prints_json_and_stores_nothing(db: None, corpus: None, tmp_path: Path) -> None:
    image = tmp_path / "Screenshot 2023-09-06 at 09.10.11.png"
    image.write_bytes(media.png(media.text_image(["Новости:", HEADLINE])))
    note = tmp_path / "note.txt"
    note.write_text("Meeting of 12 September 2023, see https://lenta.ru/news/2023/09/04/x/\n"
                    "and the post x.com/elonmusk/status/1585841080431321088\n")  # fmt: skip
    broken = tmp_path / "broken.png"
    broken.write_bytes(media.png(media.text_image(["x"]))[:500])
    before = (Evidence.objects.count(), Cue.objects.count(), ReferenceHeadline.objects.count())
    out = io.StringIO()
    with pytest.raises(Exception, match="1 of 3"):
        call_command("extract_cues", str(image), str(note), str(broken), "--json", stdout=out)
    first, second, third = (json.loads(line) for line in out.getvalue().splitlines())
    assert {c["kind"] for c in first["cues"]} == {"filename", "headline"}
    assert first["capture_interval"]["earliest"] == "2023-09-05T19:10:11+00:00"
    assert set(first["cues"][0]) >= {
        "kind",
        "bound",
        "earliest",
        "latest",
        "granularity",
        "strength",
        "text",
        "locator",
    }
    assert {c["kind"] for c in second["cues"]} == {"text_date", "url_date", "id_time"}
    post = next(c for c in second["cues"] if c["kind"] == "id_time")
    assert (post["earliest"], post["text"]) == ("2022-10-28T03:49:11.734000+00:00", "1585841080431321088")
    assert post["details"]["decoder"] == "X/Twitter status id (snowflake)"
    assert second["capture_interval"]["latest"] is None
    assert "image is damaged" in third["error"]
    assert (Evidence.objects.count(), Cue.objects.count(), ReferenceHeadline.objects.count()) == before
    out = io.StringIO()
    call_command("extract_cues", str(image), "--json", "--no-headlines-db", stdout=out)
    assert {c["kind"] for c in json.loads(out.getvalue())["cues"]} == {"filename"}
    pdf = tmp_path / "decision.pdf"
    pdf.write_bytes(media.text_pdf([["Council decision of 20 July 2023"]]))
    recording = tmp_path / "task.mp4"
    recording.write_bytes(media.recording([(media.text_image(["Новости:", HEADLINE]), 2)]))
    out = io.StringIO()
    call_command("extract_cues", str(pdf), str(recording), "--json", stdout=out)
    from_pdf, from_recording = (json.loads(line) for line in out.getvalue().splitlines())
    assert {(c["kind"], c["text"]) for c in from_pdf["cues"]} >= {("text_date", "20 July 2023")}
    assert "document_meta" in {c["kind"] for c in from_pdf["cues"]}
    [headline] = [c for c in from_recording["cues"] if c["kind"] == "headline"]
    assert headline["locator"]["time"] == 1.0


def test_the_evidence_page_lists_cues_by_bound_with_crops_and_the_headline(
    world: World, corpus: None, run_pipeline: object
) -> None:
    from django.test import Client
    from django.urls import reverse
    from PIL import Image

    from tests.conftest import PASSWORD

    image = media.text_image(["Новости:", HEADLINE], bar=("14:32  04.09.2023", "#e8e8e8"))
    evidence = run_pipeline(media.png(image), "task.png")
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)
    html = client.get(evidence.get_absolute_url()).content.decode()
    assert html.index("<h3>Not before</h3>") < html.index("<h3>On</h3>") < html.index("<h3>Not after</h3>")
    assert f"Matched headline: <b>{HEADLINE}</b>, Lenta.ru, first published 2023-09-04" in html
    assert "Capture interval (provisional)" in html
    headline = Cue.objects.get(evidence=evidence, kind="headline")
    crop_url = reverse("timeline:cue_crop", kwargs={"slug": world.case.slug, "pk": evidence.pk, "cue_pk": headline.pk})
    assert crop_url in html
    crop = Image.open(io.BytesIO(client.get(crop_url).content))
    box = headline.locator["box"]
    assert box[2] < crop.width < box[2] + 3 * max(32, box[3])
    received = Cue.objects.get(evidence=evidence, kind="received")
    assert "from provenance.collected_at" in html
    missing = reverse("timeline:cue_crop", kwargs={"slug": world.case.slug, "pk": evidence.pk, "cue_pk": received.pk})
    assert client.get(missing).status_code == 404


def test_the_case_page_filters_by_cue_kind_and_capture_dates(world: World, corpus: None, run_pipeline: object) -> None:
    from django.test import Client

    from tests.conftest import PASSWORD

    clock = run_pipeline(media.png(media.text_image(["Task"], bar=("14:32  04.09.2023", "#e8e8e8"))), "clock.png")
    dated = run_pipeline(media.png(media.text_image(["Опубликовано 15 июня 2023"])), "june.png")
    client = Client()
    client.login(username=world.owner.username, password=PASSWORD)

    def listed(**query: str) -> set[str]:
        page = client.get(world.case.get_absolute_url(), query).context["page"]
        return {item.original_name for item in page.object_list}

    assert listed(cue_kind="clock") == {clock.original_name}
    assert listed(cue_kind="text_date") == {dated.original_name}
    # The clock's item was captured on 4 September; the June item at some time after 15 June.
    assert listed(captured_after="2023-09-10") == {dated.original_name}
    assert listed(captured_before="2023-08-01") == {dated.original_name}
    assert listed(captured_after="2023-09-04", captured_before="2023-09-04") == {
        clock.original_name,
        dated.original_name,
    }


def test_extract_cues_takes_the_device_s_locale_and_a_known_upper_bound(db: None, tmp_path: Path) -> None:
    note = tmp_path / "chat.txt"
    note.write_text("Sent 04/09/2023\nSee you on 15 August\n")

    def cues(*options: str) -> dict:
        out = io.StringIO()
        call_command("extract_cues", str(note), "--json", "--no-headlines-db", *options, stdout=out)
        return json.loads(out.getvalue())

    plain = cues()
    [two_ways] = [c for c in plain["cues"] if c["kind"] == "text_date"]
    assert "neither the device's locale nor the screen's language" in two_ways["details"]["note"]
    assert [c["text"] for c in plain["candidates"]] == ["15 August"]

    settled = cues("--locale", "en-US", "--not-after", "2024-01-10")
    texts = {c["text"]: c for c in settled["cues"] if c["kind"] == "text_date"}
    assert texts["04/09/2023"]["earliest"].startswith("2023-04-08")  # 9 April, widened to every zone
    assert "en-US's short date pattern" in texts["04/09/2023"]["details"]["note"]
    assert texts["15 August"]["earliest"].startswith("2023-08-14")
    assert "year 2023 assumed" in texts["15 August"]["details"]["year"]
    assert settled["candidates"] == []
    assert settled["capture_interval"]["latest"].startswith("2024-01-11")

    with pytest.raises(CommandError, match="not a locale CLDR knows"):
        call_command("extract_cues", str(note), "--locale", "xx-QQ")
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("extract_cues", str(note), "--not-after", "10.01.2024")


def test_the_device_s_locale_from_the_provenance_settles_a_taskbar_clock(world: World, run_pipeline: object) -> None:
    image = media.text_image(["Labelling task 5512"], bar=("14:32  04/09/2023", "#e8e8e8"))
    evidence = run_pipeline(media.png(image), "task.png")
    two_ways = kinds(evidence)["clock"]
    assert two_ways.latest - two_ways.earliest > timedelta(days=100), "without a locale both readings stay"
    Case.objects.filter(pk=world.case.pk).update(default_locale="en-US")
    other = media.text_image(["Labelling task 5513"], bar=("14:32  04/09/2023", "#e8e8e8"))
    rerun = run_pipeline(media.png(other), "task-us.png")
    clock = kinds(rerun)["clock"]
    assert clock.earliest == datetime(2023, 4, 9, 0, 32, tzinfo=UTC)  # 9 April, as en-US writes it


TURKISH_PAGE = [
    "Son dakika: Rusya'ya yeni yaptırımlar açıklandı",
    "Yayınlanma: 4 Eyl 2023 Pazartesi",
    "Görev tamamlandı, ödeme yapıldı",
]


def test_a_case_s_locales_choose_tesseract_s_packs_and_the_screen_s_language_its_dates(
    world: World, run_pipeline: object
) -> None:
    # A case that names only English and Russian: Tesseract reads Turkish with their letters
    # ("Gorev", "6deme"), but the screen is still known for Turkish and its "4 Eyl 2023" is read.
    plain = run_pipeline(media.png(media.text_image(TURKISH_PAGE)), "plain.png")
    assert plain.metadata["ocr"] == {"languages": "eng+rus", "no_pack_for": []}
    assert "ödeme" not in plain.frames.get().text
    [cue] = Cue.objects.filter(evidence=plain, kind="text_date")
    assert cue.earliest == datetime(2023, 9, 3, 10, tzinfo=UTC)

    Case.objects.filter(pk=world.case.pk).update(locales="en,ru,tr,xh")
    world.case.refresh_from_db()
    turkish = run_pipeline(media.png(media.text_image([*TURKISH_PAGE, "Şubat ayında ağır çalışma"])), "tr.png")
    assert turkish.metadata["ocr"] == {"languages": "eng+rus+tur", "no_pack_for": ["xh"]}
    assert "Görev tamamlandı, ödeme yapıldı" in turkish.frames.get().text
    assert "Şubat ayında ağır çalışma" in turkish.frames.get().text


def test_extract_cues_reads_with_the_pack_of_the_device_s_locale(db: None, tmp_path: Path) -> None:
    image = media.text_image(TURKISH_PAGE[:1] + ["Yayınlanma: 4 Eylül 2023 Pazartesi"])
    picture = tmp_path / "ekran.png"
    picture.write_bytes(media.png(image.resize((image.width // 2, image.height // 2))))

    def cues(*options: str) -> dict:
        out = io.StringIO()
        call_command("extract_cues", str(picture), "--json", "--no-headlines-db", *options, stdout=out)
        return json.loads(out.getvalue())

    turkish = cues("--locale", "tr-TR")
    assert turkish["ocr_languages"] == "eng+rus+tur"
    assert [c["text"] for c in turkish["cues"] if c["kind"] == "text_date"] == ["4 Eylül 2023"]
    assert cues()["ocr_languages"] == "eng+rus"


@pytest.mark.parametrize(("taken", "offset"), [("9999:12:31 23:59:59", "+03:00"), ("0001:01:01 00:00:00", "+05:00")])
def test_a_camera_clock_at_year_1_or_9999_makes_no_cue_and_does_not_stop_the_stage(
    world: World, run_pipeline: object, taken: str, offset: str
) -> None:
    photo = run_pipeline(media.camera_jpeg(taken=taken, offset=offset), "photo.jpg")
    assert photo.status == "done", photo.status_reason
    assert not Cue.objects.filter(evidence=photo, kind="exif").exists()


def test_a_stored_headline_dated_year_1_does_not_stop_the_stage(world: World, run_pipeline: object) -> None:
    # Stored past the import's checks (by hand, or by a version that had none).
    ReferenceHeadline.objects.create(
        title=HEADLINE,
        normalized_title=normalise(HEADLINE),
        published_at=datetime(1, 1, 1, tzinfo=UTC),
        key=uuid.uuid4(),
    )
    evidence = run_pipeline(media.png(media.text_image(["Новости:", HEADLINE])), "news.png")
    assert evidence.status == "done", evidence.status_reason
    assert not Cue.objects.filter(evidence=evidence, kind="headline").exists()
