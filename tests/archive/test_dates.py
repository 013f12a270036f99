from __future__ import annotations

import pytest

from archive.dates import parse_locale, parse_locales


@pytest.mark.parametrize(
    ("written", "kept"),
    [
        ("en-US", "en-US"),
        ("en-us", "en-US"),
        ("tr_tr", "tr-TR"),
        (" RU-ru ", "ru-RU"),
        ("en-MY", "en-MY"),
        ("ru", "ru"),
        ("zh-hant-tw", "zh-Hant-TW"),
        ("es-419", "es-419"),
        ("", ""),
    ],
)
def test_a_device_locale_is_kept_as_written_in_bcp_47_case(written: str, kept: str) -> None:
    assert parse_locale(written) == kept


@pytest.mark.parametrize("written", ["xx-YY", "en-ZZ", "ru-US", "und", "rus", "en--US", "en US", "e"])
def test_a_tag_cldr_does_not_know_as_written_is_refused_with_how_to_write_one(written: str) -> None:
    with pytest.raises(ValueError) as error:
        parse_locale(written)
    assert str(error.value) == f'"{written}" is not a locale CLDR knows; write it as BCP 47, e.g. en-US or tr-TR.'


def test_a_list_of_locales_is_read_from_commas_without_repeats() -> None:
    assert parse_locales("en, ru,tr-tr,,EN") == ("en", "ru", "tr-TR")
    assert parse_locales("") == ()
    with pytest.raises(ValueError, match='"xx" is not a locale'):
        parse_locales("en,xx")
