"""Hostile PNG and GIF layouts: nothing hidden in kept data survives, and no walk crawls.

The PNG and GIF cleaners run in-process with no sandbox and no timeout. Bytes after the end
of a compressed stream (zlib in IDAT/fdAT, LZW in GIF image data) are invisible to viewers
but were kept verbatim; kept chunks were never size-checked; and files made of millions of
tiny chunks or sub-blocks made the walks slow or memory-hungry (their work is now held to
a CPU-time cap, tests/media/measure.py).
"""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image, ImageSequence

from core.settings import Settings
from media import sanitize_file
from media.errors import MediaRefused
from media.gif import verify as verify_gif
from media.png import verify as verify_png
from tests.media import builders, oracle
from tests.media.measure import Case

PLANT = b"PLANTTRAILER serial 1234 GPS 48.8583,2.2945"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + payload))
    return struct.pack(">I", len(payload)) + kind + payload + crc


def _png(idats: list[bytes], extra: bytes = b"", size: tuple[int, int] = (40, 30)) -> bytes:
    """An RGB PNG with the given IDAT payloads and `extra` chunks before the first IDAT."""
    width, height = size
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + extra
        + b"".join(_chunk(b"IDAT", part) for part in idats)
        + _chunk(b"IEND", b"")
    )


def _stream(size: tuple[int, int] = (40, 30)) -> bytes:
    """The zlib stream of a photo-like RGB image (filter byte 0 on every row)."""
    rows = builders.pixels(*size)
    return zlib.compress(b"".join(b"\x00" + row.tobytes() for row in rows))


def _png_with_chunks(count: int) -> bytes:
    """A small PNG with `count` empty private chunks before its image data."""
    return _png([_stream()], extra=_chunk(b"prVt", b"") * count)


# Under png.MAX_CHUNKS; memory tracing slows the walk about sevenfold, hence the cap.
PNG_CHUNKS = Case("chunks.png", lambda: _png_with_chunks(60_000), cpu=5.0, memory=True)
# 20 times the chunk cap: walking them all before refusing is about 18 times the work.
PNG_FLOOD = Case("flood.png", lambda: _png_with_chunks(4_000_000))


def _frames(source: bytes | Path) -> list[bytes]:
    with Image.open(io.BytesIO(source) if isinstance(source, bytes) else source) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _clean(path: Path, workdir: Path, settings: Settings) -> Path:
    """Sanitise `path` and check the oracle finds nothing identifying in the result."""
    result = sanitize_file(path, workdir, settings=settings)
    assert oracle.leaks(result.path) == []
    return result.path


# --- PNG ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "layout",
    ["tail-in-idat", "extra-idat", "tail-in-split-idat", "extra-empty-and-junk-idat"],
)
def test_png_bytes_after_the_zlib_stream_are_dropped(
    layout: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    stream = _stream()
    idats = {
        "tail-in-idat": [stream + PLANT],
        "extra-idat": [stream, PLANT],
        "tail-in-split-idat": [stream[:100], stream[100:] + PLANT],
        "extra-empty-and-junk-idat": [stream, b"", PLANT, PLANT],
    }[layout]
    source = _write(tmp_path, "tail.png", _png(idats))

    clean = _clean(source, workdir, settings)

    assert _frames(clean) == _frames(_png([stream]))
    assert stream in b"".join(_idat_payloads(clean.read_bytes()))
    assert len(b"".join(_idat_payloads(clean.read_bytes()))) == len(stream)


def _idat_payloads(data: bytes) -> list[bytes]:
    found, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        if data[pos + 4 : pos + 8] == b"IDAT":
            found.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    return found


def test_png_verifier_rejects_bytes_after_the_zlib_stream() -> None:
    stream = _stream()
    verify_png(_png([stream]))
    with pytest.raises(MediaRefused, match="Verification failed"):
        verify_png(_png([stream + b"PLANTTRAILER"]))
    with pytest.raises(MediaRefused, match="Verification failed"):
        verify_png(_png([stream, b"PLANTTRAILER"]))


@pytest.mark.parametrize(
    "chunk",
    [
        _chunk(b"bKGD", b"\x00\x10\x00\x20\x00\x30" + PLANT),
        _chunk(b"tRNS", b"\x00\x10\x00\x20\x00\x30" + PLANT),
        _chunk(b"sBIT", b"\x08\x08\x08" + PLANT),
        _chunk(b"gAMA", b"\x00\x00\xb1\x8f" + PLANT),
        _chunk(b"cHRM", bytes(32) + PLANT),
        _chunk(b"sRGB", b"\x00" + PLANT),
        _chunk(b"cICP", b"\x01\x0d\x00\x01" + PLANT),
        _chunk(b"tRNS", PLANT[:2]),  # right size for grey, wrong colour type: RGB needs 6
    ],
    ids=["bKGD", "tRNS", "sBIT", "gAMA", "cHRM", "sRGB", "cICP", "tRNS-grey"],
)
def test_png_kept_chunks_of_the_wrong_size_are_dropped(
    chunk: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    stream = _stream()
    source = _write(tmp_path, "oversize.png", _png([stream], extra=chunk))

    clean = _clean(source, workdir, settings)

    assert chunk[4:8] not in clean.read_bytes()
    assert _frames(clean) == _frames(_png([stream]))


def test_png_kept_chunks_of_the_right_size_are_kept(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    stream = _stream()
    extra = _chunk(b"gAMA", b"\x00\x00\xb1\x8f") + _chunk(b"tRNS", b"\x00\x10\x00\x20\x00\x30")
    source = _write(tmp_path, "ok.png", _png([stream], extra=extra))

    clean = _clean(source, workdir, settings)

    assert extra in clean.read_bytes()
    assert _frames(clean) == _frames(source)


def _apng(frames: int = 3) -> bytes:
    images = [Image.fromarray(builders.pixels(40, 30, seed=s)) for s in range(frames)]
    return builders.encode(images[0], "PNG", save_all=True, append_images=images[1:], duration=90)


def _split(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every chunk of a well-formed PNG."""
    found, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        found.append((data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return found


def _join(chunks: list[tuple[bytes, bytes]]) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"".join(_chunk(kind, payload) for kind, payload in chunks)


def test_apng_junk_frame_data_with_a_bad_sequence_number_is_refused(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _apng()
    end = plain.rindex(b"IEND") - 4
    junk = _chunk(b"fdAT", struct.pack(">I", 99) + PLANT)
    source = _write(tmp_path, "junk.png", plain[:end] + junk + plain[end:])

    with pytest.raises(MediaRefused):
        sanitize_file(source, workdir, settings=settings)
    assert list(workdir.iterdir()) == []


@pytest.mark.parametrize("layout", ["tail-in-fdat", "extra-fdat"])
def test_apng_bytes_after_a_frame_stream_are_dropped(
    layout: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _apng()
    chunks = _split(plain)
    last = max(i for i, (kind, _) in enumerate(chunks) if kind == b"fdAT")
    seq = struct.unpack(">I", chunks[last][1][:4])[0]
    if layout == "tail-in-fdat":
        chunks[last] = (b"fdAT", chunks[last][1] + PLANT)
    else:  # a whole extra chunk with the right next sequence number
        chunks.insert(last + 1, (b"fdAT", struct.pack(">I", seq + 1) + PLANT))
    source = _write(tmp_path, "anim.png", _join(chunks))

    clean = _clean(source, workdir, settings)

    assert _frames(clean) == _frames(plain)
    assert len(_frames(clean)) == 3


def test_png_many_dropped_chunks_clean_in_bounded_memory_and_time(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Under the chunk cap: nothing is kept per dropped chunk."""
    source = PNG_CHUNKS.write(tmp_path)

    run = PNG_CHUNKS.sanitize(source, workdir, settings)
    clean = run.value.path

    assert run.peak < source.stat().st_size + 1_000_000, f"peak {run.peak} bytes"
    assert b"prVt" not in clean.read_bytes()
    assert _frames(clean) == _frames(_png_with_chunks(0))


def test_png_too_many_chunks_are_refused_quickly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = PNG_FLOOD.write(tmp_path)

    with pytest.raises(MediaRefused, match="too many chunks"):
        PNG_FLOOD.sanitize(source, workdir, settings)

    assert list(workdir.iterdir()) == []


# --- GIF ------------------------------------------------------------------------------


def _gif(size: tuple[int, int] = (32, 24), seed: int = 0) -> bytes:
    image = Image.fromarray(builders.pixels(*size, seed=seed)).convert("P")
    data = builders.encode(image, "GIF")
    assert data.endswith(b"\x00\x3b")
    return data


def _sub_blocks(payload: bytes, size: int) -> bytes:
    blocks = (payload[i : i + size] for i in range(0, len(payload), size))
    return b"".join(bytes([len(block)]) + block for block in blocks) + b"\x00"


def _lzw(data: bytes) -> tuple[int, bytes, int]:
    """(offset of the LZW minimum code size, joined sub-block payload, end of image data)
    of a one-frame GIF with a global colour table and no extensions."""
    pos = data.index(b"\x2c", 13 + (3 << ((data[10] & 7) + 1)))
    pos += 10 + ((3 << ((data[pos + 9] & 7) + 1)) if data[pos + 9] & 0x80 else 0)
    start, payload, block = pos, bytearray(), pos + 1
    while data[block]:
        payload += data[block + 1 : block + 1 + data[block]]
        block += 1 + data[block]
    return start, bytes(payload), block + 1


def _tiny_sub_blocks_after_the_image() -> bytes:
    """32 MB of legal 1-byte sub-blocks after the LZW end code, then a planted one."""
    tail = b"\x01\x00" * (16 << 20) + bytes([len(PLANT)]) + PLANT
    return _gif()[:-2] + tail + b"\x00\x3b"


def _image_data_in_one_byte_sub_blocks() -> bytes:
    plain = _gif((400, 300))
    start, payload, end = _lzw(plain)
    return plain[: start + 1] + _sub_blocks(payload, 1) + plain[end:]


# A Python step per sub-block is about 30 times the work of the walk by runs.
GIF_TINY = Case("tiny.gif", _tiny_sub_blocks_after_the_image, memory=True)
# Cleaned in milliseconds: the cap catches only gross (quadratic) regressions here.
GIF_ONES = Case("ones.gif", _image_data_in_one_byte_sub_blocks)


@pytest.mark.parametrize("layout", ["extra-sub-block", "tail-in-last-sub-block"])
def test_gif_data_after_the_lzw_end_code_is_dropped(
    layout: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _gif()
    if layout == "extra-sub-block":
        data = plain[:-2] + bytes([len(PLANT)]) + PLANT + b"\x00\x3b"
    else:
        start, payload, end = _lzw(plain)
        data = plain[: start + 1] + _sub_blocks(payload + PLANT, 255) + plain[end:]
    source = _write(tmp_path, "tail.gif", data)

    clean = _clean(source, workdir, settings)

    assert _frames(clean) == _frames(plain)
    assert clean.stat().st_size <= len(plain)


def test_gif_verifier_rejects_data_after_the_lzw_end_code() -> None:
    plain = _gif()
    verify_gif(plain, max_pixels=10**8)
    with pytest.raises(MediaRefused, match="Verification failed"):
        verify_gif(plain[:-2] + b"\x05PLANT\x00\x3b", max_pixels=10**8)


@pytest.mark.parametrize("layout", ["no-trailer", "stray-zero", "stray-zeros-no-trailer"])
def test_gif_without_trailer_or_with_stray_zeros_is_accepted(
    layout: str, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _gif()
    data = {
        "no-trailer": plain[:-1],
        "stray-zero": plain[:-1] + b"\x00\x3b",
        "stray-zeros-no-trailer": plain[:-1] + bytes(1000),
    }[layout]
    source = _write(tmp_path, "odd.gif", data)

    clean = _clean(source, workdir, settings)

    assert clean.read_bytes().endswith(b"\x00\x3b")
    assert _frames(clean) == _frames(plain)


def test_gif_cut_inside_the_image_data_is_still_refused(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _gif((64, 48))
    start, payload, _ = _lzw(plain)
    cut = plain[: start + 1] + _sub_blocks(payload[: len(payload) // 2], 255)  # no end code
    with pytest.raises(MediaRefused):
        sanitize_file(_write(tmp_path, "cut.gif", cut), workdir, settings=settings)


def test_gif_tiny_sub_blocks_after_the_image_are_walked_quickly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """32 MB of legal 1-byte sub-blocks after the LZW end code: skipped at C speed."""
    source = GIF_TINY.write(tmp_path)

    run = GIF_TINY.sanitize(source, workdir, settings)
    clean = run.value.path

    assert run.peak < 3 * source.stat().st_size, f"peak {run.peak} bytes"
    assert oracle.planted_bytes(clean) == []
    assert _frames(clean) == _frames(_gif())


def test_gif_image_data_in_one_byte_sub_blocks_is_kept_and_reblocked(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    plain = _gif((400, 300))
    source = GIF_ONES.write(tmp_path)

    clean = GIF_ONES.sanitize(source, workdir, settings).value.path

    assert _frames(clean) == _frames(plain)
    assert clean.stat().st_size == len(plain), "re-blocked into 255-byte sub-blocks"
