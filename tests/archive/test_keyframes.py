"""Keyframe selection on synthetic sample streams: no video, no database."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from archive.pipeline.keyframes import SAMPLE_FPS, Sample, changed, select_keyframes

HEIGHT, WIDTH = 180, 320


def screen(seed: int) -> np.ndarray:
    """A screen-like picture: a light page with dark 'text' strokes placed by the seed."""
    rng = np.random.default_rng(seed)
    pixels = np.full((HEIGHT, WIDTH), 235, np.uint8)
    for _ in range(40):
        row, col = rng.integers(0, HEIGHT - 4), rng.integers(0, WIDTH - 40)
        pixels[row : row + 3, col : col + rng.integers(10, 40)] = 30
    return pixels


def with_panel(base: np.ndarray) -> np.ndarray:
    """The same screen with a small dark panel (about a tenth of it) in a corner."""
    shown = base.copy()
    shown[120:170, 200:310] = 40
    shown[135:140, 210:300] = 220
    return shown


def with_pointer(pixels: np.ndarray, step: int) -> np.ndarray:
    """A mouse pointer (about 16 x 24 screen pixels) drawn somewhere new at every step."""
    shown = pixels.copy()
    row, col = 20 + (step * 37) % (HEIGHT - 40), 10 + (step * 53) % (WIDTH - 20)
    shown[row : row + 12, col : col + 8] = 0
    shown[row + 2 : row + 9, col + 2 : col + 5] = 255
    return shown


def with_clock(pixels: np.ndarray, minute: int) -> np.ndarray:
    """A taskbar clock whose last digit shows ``minute``: a change to a few blocks."""
    shown = pixels.copy()
    shown[HEIGHT - 12 : HEIGHT - 2, WIDTH - 20 : WIDTH - 2] = 30
    shown[HEIGHT - 10 : HEIGHT - 4, WIDTH - 16 + minute % 4 * 3 : WIDTH - 13 + minute % 4 * 3] = 230
    return shown


def stream(*parts: tuple[np.ndarray, float], noise: int = 0, pointer: bool = False) -> list[Sample]:
    rng = np.random.default_rng(7)
    samples = []
    for pixels, seconds in parts:
        for _ in range(round(seconds * SAMPLE_FPS)):
            frame = with_pointer(pixels, len(samples)) if pointer else pixels
            if noise:
                frame = np.clip(pixels.astype(np.int16) + rng.integers(-noise, noise + 1, pixels.shape), 0, 255)
            samples.append(Sample(len(samples), len(samples) / SAMPLE_FPS, frame.astype(np.uint8)))
    return samples


def test_a_static_screen_gives_one_keyframe_a_second_in() -> None:
    chosen = select_keyframes(stream((screen(1), 10)))
    assert [k.time for k in chosen] == [1.0]


def test_compression_noise_does_not_make_new_keyframes() -> None:
    assert len(select_keyframes(stream((screen(1), 10), noise=4))) == 1


def test_a_small_panel_shown_for_one_second_is_kept() -> None:
    base = screen(1)
    panel = with_panel(base)
    samples = stream((base, 5), (panel, 1), (base, 5))
    chosen = select_keyframes(samples)
    assert len(chosen) == 2
    assert any(np.array_equal(samples[k.index].pixels, panel) for k in chosen)
    assert changed(base, panel)


def test_a_screen_that_comes_back_is_read_once() -> None:
    a, b = screen(1), screen(2)
    chosen = select_keyframes(stream((a, 3), (b, 3), (a, 3), (b, 3), (a, 3)))
    assert len(chosen) == 2


def test_every_screen_shown_a_second_or_more_is_in_some_keyframe() -> None:
    screens = [screen(seed) for seed in range(12)]
    parts = [(pixels, 1.0 + (seed % 3) * 0.5) for seed, pixels in enumerate(screens)]
    samples = stream(*parts, noise=3)
    chosen = select_keyframes(samples)
    for pixels in screens:
        assert any(not changed(pixels, samples[k.index].pixels) for k in chosen)
    assert len(chosen) == len(screens)


def test_a_moving_pointer_does_not_make_new_keyframes() -> None:
    assert len(select_keyframes(stream((screen(1), 30), pointer=True))) == 1


def test_a_clock_that_ticks_while_the_pointer_moves_is_read_at_each_minute() -> None:
    base = screen(1)
    samples = stream(*[(with_clock(base, minute), 3) for minute in range(3)], pointer=True)
    chosen = select_keyframes(samples)
    assert len(chosen) == 3
    for minute in range(3):
        clock = with_clock(base, minute)[HEIGHT - 12 :, WIDTH - 20 :]
        assert any(np.array_equal(samples[k.index].pixels[HEIGHT - 12 :, WIDTH - 20 :], clock) for k in chosen)


def test_a_panel_shown_for_one_second_is_kept_while_the_pointer_moves() -> None:
    base = screen(1)
    panel = with_panel(base)
    samples = stream((base, 5), (panel, 1), (base, 5), pointer=True, noise=3)
    chosen = select_keyframes(samples)
    assert len(chosen) == 2
    assert any(not changed(samples[k.index].pixels[120:170, 200:310], panel[120:170, 200:310]) for k in chosen)


def _sampled(image: object) -> np.ndarray:
    """A screen as the frames stage compares it: the green channel at full size."""
    return np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, 1])


def test_a_changed_number_in_small_text_on_a_full_hd_screen_is_a_change() -> None:
    from tests.media import text_image

    for before, after, size in [
        ("Total: 1,250", "Total: 1,750", 14),
        ("Posted 14 March 2022", "Posted 17 March 2023", 16),
    ]:
        a = _sampled(text_image([before], size=(1920, 1080), font_size=size))
        b = _sampled(text_image([after], size=(1920, 1080), font_size=size))
        assert changed(a, b), (before, after)
        chosen = select_keyframes(stream((a, 3), (b, 3)))
        assert len(chosen) == 2, (before, after)


def test_a_small_element_shown_across_a_page_change_is_kept() -> None:
    a, c = screen(1), screen(2)
    tag = np.s_[10:40, 10:60]
    a_tagged, c_tagged = a.copy(), c.copy()
    a_tagged[tag] = 0
    c_tagged[tag] = 0
    samples = stream((a, 2), (a_tagged, 0.5), (c_tagged, 0.5), (c, 3))
    chosen = select_keyframes(samples)
    assert any((samples[k.index].pixels[tag] == 0).all() for k in chosen)


def test_memory_stays_flat_on_long_and_on_restless_recordings() -> None:
    import tracemalloc

    def static(count: int) -> Iterator[Sample]:
        base = screen(3)
        for index in range(count):
            yield Sample(index, index / SAMPLE_FPS, base.copy())

    def restless(count: int) -> Iterator[Sample]:
        for index in range(count):
            yield Sample(index, index / SAMPLE_FPS, screen(index))

    for stream_of, count in ((static, 4000), (restless, 1500)):
        tracemalloc.start()
        select_keyframes(stream_of(count))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # Each sample is 57,600 bytes: keeping them all would take 86 MB or more.
        assert peak < 12_000_000, (stream_of.__name__, peak)
