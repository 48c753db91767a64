"""WAV, WebP and AMR as recorders and phones really write them, and as trailers abuse them.

Each file is built here (ffmpeg, Pillow, numpy, struct), sanitised, and judged as a user
would: does the clean copy play or display as the original did, and is nothing planted
left in it. The AMR walk runs in-process with no sandbox, so its work is held to a CPU-time
cap too (tests/media/measure.py).
"""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps, ImageSequence

from core.settings import Settings
from media import sanitize_file, wav, webp
from media.errors import MediaRefused
from tests.media import builders, oracle
from tests.media.builders_av import ffmpeg
from tests.media.measure import Case

RATE = 8000
SAMPLES = (np.sin(np.arange(RATE) / 5) * 8000).astype("<i2").tobytes()  # 1 s, mono
FMT_PCM = struct.pack("<HHIIHH", 1, 1, RATE, 2 * RATE, 2, 16)
PLANT = b"PLANTSERIAL PLANTAPP"


def _chunk(kind: bytes, payload: bytes) -> bytes:
    return kind + struct.pack("<I", len(payload)) + payload + b"\x00" * (len(payload) & 1)


def _riff(body: bytes, form: bytes = b"WAVE") -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + form + body


def _chunks(data: bytes) -> dict[bytes, bytes]:
    """Top-level chunks of a RIFF file, by id (the first of each)."""
    found: dict[bytes, bytes] = {}
    pos = 12
    while pos + 8 <= len(data):
        (size,) = struct.unpack_from("<I", data, pos + 4)
        found.setdefault(data[pos : pos + 4], data[pos + 8 : pos + 8 + size])
        pos += 8 + size + (size & 1)
    return found


def _decoded(path: Path) -> bytes:
    """The audio as ffmpeg decodes it (16-bit PCM), failing on any decoder complaint."""
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "s16le", "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert done.stderr == b"", done.stderr.decode()
    return done.stdout


def _clean(source: Path, workdir: Path, settings: Settings) -> Path:
    result = sanitize_file(source, workdir, settings=settings)
    assert oracle.leaks(result.path) == []
    return result.path


# --- WAV: headers never finalised -------------------------------------------------------


@pytest.mark.parametrize(
    ("riff_size", "data_size"),
    [(0, 0), (0xFFFFFFFF, 0xFFFFFFFF), (36, 0)],
    ids=["zero", "streaming", "empty-file-header"],
)
def test_wav_whose_recorder_never_finalised_the_header_plays_in_full(
    riff_size: int, data_size: int, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Sizes left as placeholders: the samples run to the end of the file (whole frames)."""
    body = _chunk(b"fmt ", FMT_PCM) + b"data" + struct.pack("<I", data_size) + SAMPLES
    source = builders.write(
        tmp_path / "memo.wav", b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + body + b"\x01"
    )

    clean = _clean(source, workdir, settings)

    data = clean.read_bytes()
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert _chunks(data)[b"data"] == SAMPLES, "every whole sample frame, sized correctly"
    assert _decoded(clean) == SAMPLES


def test_wav_cut_short_is_still_refused(tmp_path: Path, workdir: Path, settings: Settings) -> None:
    """A finalised header promising more than the file holds is a damaged file."""
    whole = _riff(_chunk(b"fmt ", FMT_PCM) + _chunk(b"data", SAMPLES))
    source = builders.write(tmp_path / "cut.wav", whole[: len(whole) // 2])
    with pytest.raises(MediaRefused, match="truncated"):
        sanitize_file(source, workdir, settings=settings)


# --- WAV: fixed-layout chunks carrying extra bytes --------------------------------------


def _ffmpeg_wav(folder: Path, codec: str) -> Path:
    path = folder / f"{codec}.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-c:a", codec, str(path))
    return path


def _with_chunks(path: Path, **payloads: bytes) -> Path:
    """Rewrite `path` with the given chunk payloads (keyword = chunk id, stripped)."""
    found = _chunks(path.read_bytes())
    found.update({kind.ljust(4).encode(): payload for kind, payload in payloads.items()})
    order = [b"fmt ", b"fact", b"data"]
    body = b"".join(_chunk(kind, found[kind]) for kind in order if kind in found)
    return builders.write(path.with_name(f"dirty-{path.name}"), _riff(body))


@pytest.mark.parametrize(
    ("codec", "needed"),
    [("pcm_s16le", 16), ("pcm_f32le", 40), ("pcm_alaw", 18), ("adpcm_ima_wav", 20)],
)
def test_wav_format_chunk_keeps_only_what_its_codec_needs(
    codec: str, needed: int, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    original = _ffmpeg_wav(tmp_path, codec)
    fmt = _chunks(original.read_bytes())[b"fmt "]
    if len(fmt) > 16 and codec != "adpcm_ima_wav":  # make cbSize claim the planted bytes
        (extension,) = struct.unpack_from("<H", fmt, 16)
        fmt = fmt[:16] + struct.pack("<H", extension + len(PLANT)) + fmt[18:]
    source = _with_chunks(original, fmt=fmt + PLANT)

    clean = _clean(source, workdir, settings)

    assert len(_chunks(clean.read_bytes())[b"fmt "]) == needed
    assert _decoded(clean) == _decoded(original)


def test_wav_extensible_format_is_cut_to_its_fixed_size(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    guid = bytes.fromhex("0100000000001000800000aa00389b71")  # KSDATAFORMAT_SUBTYPE_PCM
    fmt = struct.pack("<HHIIHHHHI", 0xFFFE, 1, RATE, 2 * RATE, 2, 16, 22 + len(PLANT), 16, 4)
    source = builders.write(
        tmp_path / "ext.wav",
        _riff(_chunk(b"fmt ", fmt + guid + PLANT) + _chunk(b"data", SAMPLES)),
    )

    clean = _clean(source, workdir, settings)

    written = _chunks(clean.read_bytes())[b"fmt "]
    assert len(written) == 40 and struct.unpack_from("<H", written, 16)[0] == 22
    assert _decoded(clean) == SAMPLES


def test_wav_fact_chunk_keeps_only_its_sample_count(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    original = _ffmpeg_wav(tmp_path, "adpcm_ima_wav")
    fact = _chunks(original.read_bytes())[b"fact"]
    source = _with_chunks(original, fact=fact[:4] + PLANT)

    clean = _clean(source, workdir, settings)

    assert _chunks(clean.read_bytes())[b"fact"] == fact[:4]
    assert _decoded(clean) == _decoded(original)


def test_wav_with_a_short_format_chunk_is_refused(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders.write(
        tmp_path / "short.wav", _riff(_chunk(b"fmt ", FMT_PCM[:14]) + _chunk(b"data", SAMPLES))
    )
    with pytest.raises(MediaRefused, match="short format chunk"):
        sanitize_file(source, workdir, settings=settings)


def test_wav_verifier_rejects_a_format_chunk_with_extra_bytes() -> None:
    dirty = _riff(_chunk(b"fmt ", FMT_PCM + PLANT) + _chunk(b"data", SAMPLES))
    with pytest.raises(MediaRefused, match="extra bytes"):
        wav.verify_wav(dirty)


def test_rf64_wav_is_cleaned_into_a_plain_wav(tmp_path: Path) -> None:
    """RF64 (broadcast recorders) keeps its sizes in ds64. media/formats.py must route
    "RF64....WAVE" to WAV for intake to accept it; the cleaner itself is ready."""
    ds64 = struct.pack("<QQQI", 4 + 36 + 24 + 8 + len(SAMPLES), len(SAMPLES), RATE, 0)
    body = _chunk(b"ds64", ds64) + _chunk(b"fmt ", FMT_PCM) + b"data\xff\xff\xff\xff" + SAMPLES
    rf64 = b"RF64\xff\xff\xff\xffWAVE" + body + _chunk(b"LIST", b"INFOIART" + PLANT)

    clean = b"".join(bytes(part) for part in wav.clean_wav(rf64, max_seconds=60))

    wav.verify_wav(clean)
    path = builders.write(tmp_path / "plain.wav", clean)
    assert _decoded(path) == SAMPLES and oracle.planted_bytes(path) == []


# --- WebP -------------------------------------------------------------------------------


def _frames(path: Path) -> list[bytes]:
    with Image.open(path) as image:
        return [frame.convert("RGBA").tobytes() for frame in ImageSequence.Iterator(image)]


def _webp(animated: bool, orientation: int, lossless: bool = True) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x0131] = "PLANTAPP"
    images = [Image.fromarray(builders.pixels(40, 30, seed=s)) for s in range(1 + animated)]
    return builders.encode(
        images[0],
        "WEBP",
        lossless=lossless,
        quality=90,
        exif=exif.tobytes(),
        save_all=animated,
        append_images=images[1:],
        duration=100,
    )


def _replace_chunk(data: bytes, kind: bytes, payload: bytes) -> bytes:
    """`data` with the first `kind` chunk's payload replaced (sizes fixed)."""
    pos = data.index(kind)
    (size,) = struct.unpack_from("<I", data, pos + 4)
    end = pos + 8 + size + (size & 1)
    body = data[12:pos] + _chunk(kind, payload) + data[end:]
    return _riff(body, b"WEBP")


@pytest.mark.parametrize("kind", [b"VP8X", b"ANIM"])
def test_webp_fixed_size_headers_carry_nothing_extra(
    kind: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    original = _webp(animated=kind == b"ANIM", orientation=1)
    header = _chunks(original)[kind]
    source = builders.write(
        tmp_path / "long.webp", _replace_chunk(original, kind, header + b"PLANTAPP!!")
    )
    reference = builders.write(tmp_path / "reference.webp", original)

    clean = _clean(source, workdir, settings)

    assert len(_chunks(clean.read_bytes())[kind]) == len(header)
    assert _frames(clean) == _frames(reference)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("animated", "lossless"), [(False, False), (False, True), (True, True)])
def test_webp_keeps_only_its_orientation_and_displays_as_the_phone_showed(
    animated: bool, lossless: bool, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = builders.write(tmp_path / "photo.webp", _webp(animated, 6, lossless))

    clean = _clean(source, workdir, settings)

    assert _frames(clean) == _frames(source)
    with Image.open(clean) as after, Image.open(source) as before:
        assert dict(after.getexif()) == {0x0112: 6}
        assert ImageOps.exif_transpose(after).size == ImageOps.exif_transpose(before).size
    report = oracle.exiftool_report(clean)
    assert report["IFD0:Orientation"] == "Rotate 90 CW"
    assert b"PLANTAPP" not in clean.read_bytes()


def test_webp_verifier_rejects_exif_other_than_orientation(tmp_path: Path) -> None:
    dirty = _webp(animated=False, orientation=6)
    with pytest.raises(MediaRefused, match="metadata chunk"):
        webp.verify_webp(dirty)


# --- AMR --------------------------------------------------------------------------------


def _speech(rng: np.random.Generator, header: int, size: int, padding: int) -> bytes:
    """One frame of random (speech-like) bits, padded with zeros as encoders do."""
    payload = bytearray(rng.integers(0, 256, size, dtype=np.uint8).tobytes())
    payload[-1] &= ~((1 << padding) - 1) & 0xFF
    return bytes([header]) + bytes(payload)


NB_FRAME = {"magic": b"#!AMR\n", "header": 0x3C, "size": 31, "padding": 4}  # 12.2 kbit/s
WB_FRAME = {"magic": b"#!AMR-WB\n", "header": 0x44, "size": 60, "padding": 3}  # 23.85


@pytest.mark.parametrize(
    ("codec", "trailer"),
    [
        (NB_FRAME, b"<PLANTGPS 48.8583 2.2945 serial!X|||"),
        (WB_FRAME, b"LPLANTLISTLPLANT|LPLANT"),
        (NB_FRAME, b"<PLANTSERIAL 0123456789 \xa7\x91\x02\xee\x13\x05\xfe\x81\x99\x0b\xcc"),
        (WB_FRAME, b"\x00" * 18 + b"PLANTAPP"),
    ],
    ids=["nb-text", "wb-text", "nb-text-then-binary", "wb-nul-padded"],
)
def test_amr_trailer_that_parses_as_frames_is_dropped(
    codec: dict, trailer: bytes, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    rng = np.random.default_rng(7)
    frames = [_speech(rng, codec["header"], codec["size"], codec["padding"]) for _ in range(50)]
    audio = codec["magic"] + b"".join(frames)
    source = builders.write(tmp_path / "note.amr", audio + trailer)

    clean = _clean(source, workdir, settings)

    assert clean.read_bytes() == audio, "every speech frame, nothing after them"
    _decoded(clean)


def test_amr_recording_ending_in_silence_keeps_every_frame(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    """Discontinuous transmission: comfort-noise (SID) and NO_DATA frames end the file."""
    rng = np.random.default_rng(3)
    speech = b"".join(_speech(rng, 0x3C, 31, 4) for _ in range(50))
    silence = (_speech(rng, 0x44, 5, 1) + b"\x7c" * 7) * 10
    audio = b"#!AMR\n" + speech + silence
    source = builders.write(tmp_path / "quiet.amr", audio)

    assert _clean(source, workdir, settings).read_bytes() == audio


def _amr(frames: bytes, size: int) -> bytes:
    """An AMR-NB file of `frames` repeated to about `size` bytes."""
    return b"#!AMR\n" + frames * (size // len(frames))


# 32 MB of tiny frames: walking them all, a Python step each, before refusing would be 40
# (comfort noise) to 180 (no data) times the work of stopping at the duration limit.
AMR_NO_DATA_FLOOD = Case("flood.amr", lambda: _amr(b"\x7c", 32 << 20))
AMR_SID_FLOOD = Case("sid-flood.amr", lambda: _amr(b"\x7c\x44\x00\x00\x00\x00\x00", 32 << 20))
# 50 minutes of silence, within the limit: one C-speed match, milliseconds.
AMR_SILENCE = Case("silence.amr", lambda: _amr(b"\x7c", 150_000))


@pytest.mark.parametrize(
    "case", [AMR_NO_DATA_FLOOD, AMR_SID_FLOOD], ids=["no-data", "no-data-and-sid"]
)
def test_amr_flood_of_tiny_frames_is_refused_quickly(
    case: Case, tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = case.write(tmp_path)

    with pytest.raises(MediaRefused, match="too long"):
        case.sanitize(source, workdir, settings)


def test_long_silence_within_the_limit_is_accepted_quickly(
    tmp_path: Path, workdir: Path, settings: Settings
) -> None:
    source = AMR_SILENCE.write(tmp_path)

    clean = AMR_SILENCE.sanitize(source, workdir, settings).value.path

    assert clean.read_bytes() == source.read_bytes()
