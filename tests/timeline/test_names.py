from __future__ import annotations

import pytest

from timeline.extract.names import file_name_date, url_dates


@pytest.mark.parametrize(
    ("name", "moment", "granularity"),
    [
        ("Screenshot 2023-09-04 at 14.32.10.png", "2023-09-04 14:32:10", "second"),
        ("Screen Recording 2023-09-04 at 14.32.10.mov", "2023-09-04 14:32:10", "second"),
        ("Снимок экрана 2023-09-04 в 14.32.10.png", "2023-09-04 14:32:10", "second"),
        ("Screenshot_2023-09-04-14-32-10-123_com.android.png", "2023-09-04 14:32:10", "second"),
        ("Screenshot from 2023-09-04 14-32-10.png", "2023-09-04 14:32:10", "second"),
        ("IMG_20230904_143210.jpg", "2023-09-04 14:32:10", "second"),
        ("VID_20230904_143210.mp4", "2023-09-04 14:32:10", "second"),
        ("PXL_20230904_143210123.jpg", "2023-09-04 14:32:10", "second"),
        ("signal-2023-09-04-143210.jpeg", "2023-09-04 14:32:10", "second"),
        ("WhatsApp Image 2023-09-04 at 14.32.10.jpeg", "2023-09-04 14:32:10", "second"),
        ("photo_2023-09-04_14-32-10.jpg", "2023-09-04 14:32:10", "second"),
        ("report-2023-09-04.pdf", "2023-09-04 00:00:00", "day"),
    ],
)
def test_capture_times_in_file_names(name: str, moment: str, granularity: str) -> None:
    found = file_name_date(name)
    assert found is not None, name
    assert (found.start.strftime("%Y-%m-%d %H:%M:%S"), found.granularity) == (moment, granularity)


@pytest.mark.parametrize("name", ["task.png", "IMG_1234.jpg", "scan-20231399.pdf", "v2023.09.04.zip", "clip.mp4"])
def test_names_without_a_date(name: str) -> None:
    assert file_name_date(name) is None


def test_dates_in_urls_seen_on_screen() -> None:
    text = "https://www.theguardian.com/world/2023/sep/04/x and lenta.ru/news/2023/09/04/sanctions/ end"
    [found] = url_dates(text)
    assert (found.start.strftime("%Y-%m-%d"), found.granularity) == ("2023-09-04", "day")
    assert found.text == "lenta.ru/news/2023/09/04/sanctions/"
    [month] = url_dates("https://example.org/archive/2023/09/")
    assert (month.start.strftime("%Y-%m"), month.granularity) == ("2023-09", "month")
    assert url_dates("https://shop.example.org/item/2023") == []


def test_twelve_hour_file_names_and_more_url_forms() -> None:
    assert file_name_date("Screenshot 2023-09-04 at 10.15.00 PM.png").start.hour == 22
    assert file_name_date("Screenshot 2023-09-04 at 12.05.00 AM.png").start.hour == 0
    assert file_name_date("Screenshot 2023-09-04 at 2.32.10 PM.png").start.hour == 14
    assert file_name_date("VID-20230904-WA0001.mp4").granularity == "day"
    found = url_dates("https://ria.ru/20230904/x.html https://www.rbc.ru/politics/04/09/2023/64f5")
    assert [f.start.strftime("%Y-%m-%d") for f in found] == ["2023-09-04", "2023-09-04"]


def test_a_path_date_counts_where_ocr_mangled_the_start_of_the_address() -> None:
    # As read from an address bar shrunk to half: the scheme and the host's dot are gone.
    [found] = url_dates("hittpsy/news example, org/2023/06/26/story-0")
    assert (found.text, found.granularity) == ("org/2023/06/26/story-0", "day")
    assert found.start.strftime("%Y-%m-%d") == "2023-06-26"
    assert url_dates("news, org/archive/2023/06/26/") != []
    # Not an address as written: a bare numeric date, a month's path or a number's parts are no URL date.
    for text in ("build 2023/06/26", "org/2023/06/", "org/20230626/x", "2023/06/26/x", "v1/2023/06/99/x"):
        assert url_dates(text) == [], text
