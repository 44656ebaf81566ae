"""Decoder of Unix ``compress`` (``.Z``, LZW) streams.

Neither the standard library nor zenthermo's dependencies decode ``.Z`` (``gzip`` and
``monty.io.zopen`` only handle deflate), so this module holds a small decoder of the format
written by ``compress`` / ``ncompress``:

* a 3-byte header ``1f 9d`` and a flag byte (bits 0-4: the largest code width, 9-16;
  bit 7: block mode, where code 256 clears the table);
* LZW codes, least significant bit first, starting 9 bits wide and growing by one bit
  whenever the table fills the current width (up to the largest width; with a largest
  width of 9 the codes still grow once to 10 bits, as ``compress`` itself does);
* codes come in groups of eight, so when the width changes (or the table is cleared) the
  rest of the current group of ``8 * width`` bits is padding and is skipped.
"""

from __future__ import annotations

MAGIC = b"\x1f\x9d"
_BLOCK_MODE = 0x80
_WIDTH_MASK = 0x1F
_CLEAR = 256
_INITIAL_WIDTH = 9


class LzwError(ValueError):
    """The stream is not a valid ``compress`` stream (damaged or truncated)."""


def decompress(data: bytes) -> bytes:
    """The bytes that ``compress`` packed into ``data``.

    Parameters
    ----------
    data : bytes
        A whole ``.Z`` file, header included.

    Raises
    ------
    LzwError
        Wrong header, unsupported code width, or a code that cannot occur in a valid
        stream (the file is damaged or truncated).
    """
    if data[:2] != MAGIC or len(data) < 3:
        raise LzwError("not a compress (.Z) stream")
    flags = data[2]
    max_width = flags & _WIDTH_MASK
    block_mode = bool(flags & _BLOCK_MODE)
    if not _INITIAL_WIDTH <= max_width <= 16:
        raise LzwError(f"unsupported code width {max_width}")
    body = data[3:] + b"\x00\x00"  # two spare bytes: every code is read from 3 bytes
    total_bits = 8 * (len(data) - 3)
    table_limit = 1 << max_width
    table: list[bytes] = [bytes([i]) for i in range(256)]
    if block_mode:
        table.append(b"")  # code 256 is CLEAR, never a string
    width = _INITIAL_WIDTH
    max_code = (1 << width) - 1  # as compress: a width of max_width never grows again
    group_start = 0  # bit position where the current run of codes of this width began
    position = 0
    previous: bytes | None = None
    out = bytearray()
    while True:
        if len(table) > max_code:
            position = _skip_padding(position, group_start, width)
            group_start = position
            width += 1
            max_code = table_limit if width == max_width else (1 << width) - 1
        if position + width > total_bits:
            break
        start = position >> 3
        code = (int.from_bytes(body[start:start + 3], "little") >> (position & 7)) & (
            (1 << width) - 1
        )
        position += width
        if block_mode and code == _CLEAR:
            position = _skip_padding(position, group_start, width)
            group_start = position
            del table[257:]
            width = _INITIAL_WIDTH
            max_code = (1 << width) - 1
            previous = None
            continue
        if code < len(table):
            entry = table[code]
        elif code == len(table) and previous is not None:
            entry = previous + previous[:1]
        else:
            raise LzwError(f"invalid code {code} at bit {position - width}")
        out += entry
        if previous is not None and len(table) < table_limit:
            table.append(previous + entry[:1])
        previous = entry
    return bytes(out)


def _skip_padding(position: int, group_start: int, width: int) -> int:
    """The first bit after the group of eight ``width``-bit codes that holds ``position``."""
    group = 8 * width
    used = position - group_start
    return group_start + -(-used // group) * group
