"""Peak memory while the frames and ocr stages process a 2 GB recording (target: under 500 MB).

The script makes a 2 GB 1920x1080 recording (a task screen under light
temporal noise, losslessly encoded so that the file is large), then processes
it in a fresh Python process as a worker does: keyframe choice, extraction of
the keyframes, OCR of each. It prints the peak resident memory of that
process and of the largest program it started (ffmpeg), and their sum, which
bounds what the worker used at any moment. For scale it also prints the peak
of a baseline that reads the file into memory to hash it, as a naive vault would.

Run: .venv/bin/python bench/video_memory.py [--size-mb 2048]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ["OMP_THREAD_LIMIT"] = "1"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def make_video(folder: Path, size_mb: int) -> Path:
    from bench.recording import task_screen

    screen = folder / "screen.png"
    task_screen(3, 12, panel=True).resize((1920, 1080)).save(screen)
    out = folder / "big.mkv"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-loop", "1", "-framerate", "25", "-i", str(screen), "-t", "600"]
        + ["-vf", "noise=alls=8:allf=t,format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-qp", "0"]
        + ["-fs", f"{size_mb}M", str(out)],
        check=True,
    )
    return out


def child(path: Path) -> None:
    """Process the recording as the frames and ocr stages do, then report peak memory."""
    import django

    django.setup()
    from django.conf import settings
    from PIL import Image

    from archive.pipeline.frames import video_keyframes
    from archive.pipeline.ocr import read_lines

    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0"]
        + [str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    width, height = (int(n) for n in probe.split(","))
    with tempfile.TemporaryDirectory() as work:
        chosen = video_keyframes(path, width=width, height=height, duration=0, workdir=Path(work))
        lines = sum(len(read_lines(Image.open(file), settings.OCR_LANGUAGES)) for _, file in chosen)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    programs = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"{len(chosen)} {lines} {own:.0f} {programs:.0f}")


def naive_hash(path: Path) -> None:
    hashlib.sha256(path.read_bytes()).hexdigest()
    print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size-mb", type=int, default=2048)
    parser.add_argument("--child", type=Path)
    parser.add_argument("--naive", type=Path)
    options = parser.parse_args()
    if options.child:
        child(options.child)
        return
    if options.naive:
        naive_hash(options.naive)
        return
    with tempfile.TemporaryDirectory() as folder:
        video = make_video(Path(folder), options.size_mb)
        size = video.stat().st_size / 1e6
        out = subprocess.run([sys.executable, __file__, "--child", str(video)], capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(out.stderr)
        keyframes, lines, own, programs = out.stdout.split()[-4:]
        naive = subprocess.run([sys.executable, __file__, "--naive", str(video)], capture_output=True, text=True)
        print(f"recording: {size:.0f} MB, 1920x1080; {keyframes} keyframes, {lines} lines read")
        print(f"peak memory: worker process {own} MB, largest program (ffmpeg) {programs} MB")
        total = int(own) + int(programs)
        print(f"sum (upper bound for the worker): {total} MB (target < 500)  {'OK' if total < 500 else 'MISSED'}")
        if naive.returncode == 0:
            naive_mb = int(naive.stdout.split()[-1])
            print(
                f"baseline, reading the file whole to hash it: {naive_mb} MB; "
                f"ratio ours/baseline {total / naive_mb:.2f}"
            )


if __name__ == "__main__":
    main()
