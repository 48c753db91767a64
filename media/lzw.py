"""Where a GIF image's LZW code stream ends, found without decoding it.

Viewers stop at the end-of-information code, so bytes after it are seen by nobody and
could carry anything; media.gif cuts them off. Codes are read in vectorised numpy steps,
one clear-code segment at a time (code widths depend only on how many codes have been
read since the last clear), so a 100-megapixel frame takes milliseconds, not seconds.
numpy is imported here and this module only when a GIF is cleaned.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import numpy as np

from media.errors import MediaRefused

_SCHEDULED = 4096  # after this many codes since a clear code, every code is 12 bits
_MAX_READ = 1 << 16  # codes read per numpy step: bounded memory


@functools.cache
def _schedule(min_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bit offset, end and mask of the first codes after a clear code.

    Code widths depend only on how many codes have been read since the last clear (the
    table grows by one per code): start at min_size+1 bits, one more each time the next
    free code reaches a power of two, at most 12.
    """
    clear = 1 << min_size
    widths = np.array(
        [max(min_size + 1, min(12, (clear + 1 + k).bit_length())) for k in range(_SCHEDULED)],
        dtype=np.int64,
    )
    ends = np.cumsum(widths)
    return ends - widths, ends, (1 << widths) - 1


def _read_codes(arr: np.ndarray, offsets: np.ndarray, masks: np.ndarray | int) -> np.ndarray:
    """The codes at absolute bit `offsets` (LSB first) of `arr`, at most 12 bits each."""
    first = int(offsets[0]) >> 3
    last = (int(offsets[-1]) >> 3) + 3
    window = arr[first:last].astype(np.uint32)
    if len(window) < last - first:  # the final code may end in the last byte
        window = np.concatenate((window, np.zeros(last - first - len(window), np.uint32)))
    words = window[:-2] | (window[1:-1] << 8) | (window[2:] << 16)
    relative = offsets - (first << 3)
    return (words.take(relative >> 3) >> (relative & 7)) & masks


def _code_positions(
    min_size: int, done: int, wanted: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray | int]:
    """(offsets, ends) relative to the last clear code, and masks, for `wanted` codes
    after `done`; never across the end of the scheduled part."""
    offsets, ends, masks = _schedule(min_size)
    if done < _SCHEDULED:
        stop = min(done + wanted, _SCHEDULED)
        return offsets[done:stop], ends[done:stop], masks[done:stop]
    base = int(ends[-1]) + 12 * (done - _SCHEDULED)
    steps = base + 12 * np.arange(wanted, dtype=np.int64)
    return steps, steps + 12, 4095


def end_of_codes(
    payload: bytearray, min_size: int, pixels: int, on_clear: Callable[[], None]
) -> int | None:
    """Bytes of `payload` up to the one holding the end-of-information code, or None.

    Reads codes in vectorised steps, one clear-code segment at a time; refuses a stream
    with more codes than the frame has pixels (each code draws at least one).
    """
    arr = np.frombuffer(payload, np.uint8)
    clear, total = 1 << min_size, len(payload) * 8
    segment, done, wanted, drawn = 0, 0, 64, 0
    while True:
        offsets, ends, masks = _code_positions(min_size, done, wanted)
        fit = int(np.searchsorted(ends, total - segment, side="right"))
        if not fit:
            return None
        if not isinstance(masks, int):
            masks = masks[:fit]
        codes = _read_codes(arr, offsets[:fit] + segment, masks)
        hits = np.flatnonzero((codes | 1) == clear + 1)  # the clear or end code
        drawn += int(hits[0]) if len(hits) else fit
        if drawn > pixels:
            raise MediaRefused("Malformed GIF: more image data than the frame holds")
        if not len(hits):
            done, wanted = done + fit, min(wanted * 2, _MAX_READ)
            continue
        end = segment + int(ends[hits[0]])
        if codes[hits[0]] != clear:
            return (end + 7) // 8
        on_clear()  # the caller bounds how many segments a file may have
        segment, wanted, done = end, max(64, min(2 * (done + int(hits[0])), _MAX_READ)), 0
