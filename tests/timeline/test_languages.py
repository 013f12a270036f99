"""The languages a screen's text is written in, and how a language writes its numeric dates."""

from __future__ import annotations

import pytest

from timeline.extract import cldr
from timeline.extract.languages import detected

# Lines other people wrote: news and interface text from the countries of the story.
SCREENS = {
    "tr": ["Son dakika: Rusya'ya yeni yaptırımlar açıklandı", "Görev tamamlandı", "Ayarlar"],
    "uk": ["Останні новини: Євросоюз запровадив нові санкції", "Завдання виконано"],
    "ru": ["Задание выполнено, оплата поступит в течение дня", "Сегодня в 14:30"],
    "en": ["Submit your answer before the deadline", "Task completed", "Wallet"],
    "hi": ["ताज़ा ख़बरें: यूरोपीय संघ ने नए प्रतिबंध लगाए", "कार्य पूरा हुआ"],
    "bn": ["সর্বশেষ খবর: ইউরোপীয় ইউনিয়ন নতুন নিষেধাজ্ঞা দিয়েছে", "কাজ সম্পন্ন হয়েছে"],
    "ur": ["تازہ ترین خبریں: یورپی یونین نے نئی پابندیاں عائد کر دیں", "کام مکمل ہو گیا"],
}


@pytest.mark.parametrize("language", sorted(SCREENS))
def test_a_screen_s_language_is_detected(language: str) -> None:
    assert language in detected(SCREENS[language]).languages


def test_a_line_in_another_language_counts_when_the_model_is_sure_of_it() -> None:
    screen = [*SCREENS["en"], "Son dakika: Rusya'ya yeni yaptırımlar açıklandı"]
    assert {"en", "tr"} <= set(detected(screen).languages)


def test_short_text_and_numbers_name_no_language() -> None:
    assert detected(["12:45", "Oct 4", "Home | Tasks"]).languages == ()
    assert detected([]).languages == ()


def test_the_screen_s_language_is_said_only_when_the_model_is_sure_of_it() -> None:
    assert detected(["Görev 04/09/2023 tarihinde tamamlandı, ödeme yapıldı"]).screen == ("tr",)
    assert "ru" in detected(["Опубликовано 04/09/2023 в разделе Новости"]).screen
    assert detected(["Posted 04/09/2023 in News"]).screen == ()


def test_a_language_settles_numeric_dates_only_when_every_country_writes_them_one_way() -> None:
    assert cldr.numeric_order_everywhere("ru") == "day_first"
    assert cldr.numeric_order_everywhere("tr") == "day_first"
    assert cldr.numeric_order_everywhere("en") is None, "en-US is month first, en-GB day first"
    assert cldr.numeric_order_everywhere("es") is None, "es-US differs"
    assert cldr.numeric_order_everywhere("xx") is None
