"""Small real media files made by the tests: pictures with text, recordings, PDFs."""

from __future__ import annotations

import io
import struct
import subprocess
import tempfile
import zlib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def text_image(
    lines: list[str],
    *,
    size: tuple[int, int] = (1280, 720),
    background: str = "#f4f5f7",
    ink: str = "#111111",
    font_size: int = 30,
    bar: tuple[str, str] | None = None,
) -> Image.Image:
    """A screen with lines of text; ``bar`` adds a dark taskbar with light text at the bottom."""
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, font_size)
    for number, line in enumerate(lines):
        draw.text((60, 60 + number * int(font_size * 1.8)), line, fill=ink, font=font)
    if bar:
        text, colour = bar
        top = size[1] - 48
        draw.rectangle((0, top, size[0], size[1]), fill="#1f2328")
        draw.text((size[0] - 420, top + 10), text, fill=colour, font=ImageFont.truetype(FONT, 22))
    return image


def camera_jpeg(taken: str = "2023:09:04 14:32:10", offset: str = "+03:00") -> bytes:
    """A JPEG with the EXIF a camera writes: make, model, DateTimeOriginal and its offset."""
    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", "EOS 80D"
    details = exif.get_ifd(0x8769)
    details[0x9003], details[0x9011] = taken, offset
    buffer = io.BytesIO()
    text_image(["Photo of a monitor"], size=(640, 480)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def recording(slides: list[tuple[Image.Image, float]], *, fps: int = 10, creation_time: str = "") -> bytes:
    """An H.264 MP4 that shows each picture for its number of seconds."""
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        listing = []
        for number, (image, seconds) in enumerate(slides):
            path = work / f"{number}.png"
            image.save(path)
            listing += [f"file '{path}'", f"duration {seconds}"]
        # The concat demuxer needs the last file named again to honour its duration.
        listing.append(f"file '{work / f'{len(slides) - 1}.png'}'")
        (work / "list.txt").write_text("\n".join(listing))
        out = work / "out.mp4"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i", str(work / "list.txt")]
            + ["-vf", f"fps={fps},format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast"]
            + (["-metadata", f"creation_time={creation_time}"] if creation_time else [])
            + [str(out)],
            check=True,
            timeout=120,
        )
        return out.read_bytes()


def text_pdf(pages: list[list[str]], created: str = "D:20230720093000+02'00'") -> bytes:
    """A PDF with a real text layer (Helvetica), one list of lines per page, and a creation date."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for lines in pages:
        stream = "BT /F1 14 Tf 72 760 Td 18 TL " + " ".join(f"({_pdf_text(line)}) '" for line in lines) + " ET"
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
        content = len(objects)
        objects.append(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Contents {content} 0 R /Resources << /Font << /F1 {{font}} 0 R >> >> >>"
        )
        kids.append(len(objects))
    objects.append("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    font = len(objects)
    objects.append(f"<< /Producer (Test press) /CreationDate ({created}) >>")
    info = len(objects)
    objects = [o.replace("{font}", str(font)) for o in objects]
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer << /Size {len(objects) + 1} /Root 1 0 R /Info {info} 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _pdf_text(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def scanned_pdf(image: Image.Image) -> bytes:
    """A PDF whose page is only a picture: no text layer, so it must be read by OCR."""
    buffer = io.BytesIO()
    image.save(buffer, "PDF", resolution=150)
    return buffer.getvalue()


def png_bomb(width: int = 40000, height: int = 40000) -> bytes:
    """A valid one-bit PNG of width x height pixels that compresses to a few hundred KB."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row * 1000) for _ in range(height // 1000)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def video_page(base: str) -> str:
    """A page with an HTML5 video and a JSON-LD VideoObject saying who posted it and when."""
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Task recording</title>
<script type="application/ld+json">
{{"@context": "https://schema.org", "@type": "VideoObject", "name": "Labelling task 5512",
  "uploadDate": "2023-09-20T10:15:00+00:00", "contentUrl": "{base}/video.mp4",
  "author": {{"@type": "Person", "name": "gigwork.tasks"}}}}
</script></head><body><h1>Labelling task</h1><video controls src="/video.mp4"></video></body></html>"""
