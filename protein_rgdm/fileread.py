"""Guarded reading of input files: regular files only, bounded size (gzip included), strict UTF-8 text.

Every reader of user-supplied files goes through here, so odd inputs fail with one line naming the
file instead of hanging or exhausting memory:

* only regular files are read: a FIFO, a device (``/dev/zero``), a folder, a dangling symlink or a
  symlink loop is refused (a FIFO is opened non-blocking, so it cannot hang the reader);
* at most ``max_bytes`` are read, and a gzip file is decompressed only up to ``max_bytes``
  (a "gzip bomb" of 18 MB that inflates to 4 GB is refused after reading ``max_bytes``);
* text is strict UTF-8 (ASCII included); a leading UTF-8 byte-order mark is dropped. UTF-16,
  Latin-1 and binary content are refused with the byte offset of the first bad byte.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import errno
import os
import stat
import zlib
from collections.abc import Iterator
from pathlib import Path

from protein_rgdm.errors import InputError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "check_regular_file",
    "csv_field_limit",
    "decode_text",
    "read_limited_bytes",
    "read_text_file",
]

#: Default bound on the bytes read from one input file, after gzip decompression: 1 GiB. The largest
#: PDB entries (ribosomes, viral capsids) are a few hundred MB as mmCIF; nothing real comes near it.
DEFAULT_MAX_BYTES: int = 1 << 30

_KIND = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _refusal(path: Path, mode: int) -> InputError:
    kind = _KIND.get(stat.S_IFMT(mode), "not a regular file")
    return InputError(f"{path}: is {kind}, not a regular file; refused")


def _oserror(path: Path, exc: OSError) -> InputError:
    if path.is_symlink() and not path.exists():
        what = "a symlink loop" if exc.errno == errno.ELOOP else "a dangling symlink"
        return InputError(f"{path}: is {what}; refused")
    return InputError(f"{path}: cannot read ({exc.strerror or exc})")


def check_regular_file(path: str | Path) -> os.stat_result:
    """``os.stat`` of ``path`` (symlinks followed) when it is a regular file, else ``InputError`` saying what it is."""
    path = Path(path)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _oserror(path, exc) from None
    if not stat.S_ISREG(info.st_mode):
        raise _refusal(path, info.st_mode)
    return info


def _too_big(path: Path, max_bytes: int, what: str) -> InputError:
    return InputError(
        f"{path}: {what} more than {max_bytes:,} bytes; refused (raise the 'max_file_bytes' limit if the file is real)"
    )


def read_limited_bytes(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, *, decompress: bool = True) -> bytes:
    """The bytes of a regular file, gunzipped when it starts with the gzip magic, at most ``max_bytes`` of them.

    Parameters
    ----------
    path
        The file. Symlinks are followed; anything that is not a regular file is refused.
    max_bytes
        Upper bound on the bytes returned (after decompression); a larger file is refused.
    decompress
        Gunzip content that starts with ``1f 8b`` (multi-member files included).

    Raises
    ------
    InputError
        Not a regular file, unreadable, too large (compressed or not), truncated or corrupt gzip.
    """
    path = Path(path)
    try:  # non-blocking: opening a FIFO without a writer must not wait forever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise _oserror(path, exc) from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise _refusal(path, mode)
    with os.fdopen(fd, "rb") as handle:
        try:
            raw = handle.read(max_bytes + 1)
        except OSError as exc:
            raise _oserror(path, exc) from None
    if len(raw) > max_bytes:
        raise _too_big(path, max_bytes, "holds")
    if decompress and raw[:2] == b"\x1f\x8b":
        raw = _gunzip(path, raw, max_bytes)
    return raw


def _gunzip(path: Path, data: bytes, max_bytes: int) -> bytes:
    """Decompress every gzip member of ``data``, never producing more than ``max_bytes + 1`` bytes."""
    parts: list[bytes] = []
    size = 0
    while data:
        inflater = zlib.decompressobj(wbits=31)  # one gzip member
        try:
            part = inflater.decompress(data, max_bytes + 1 - size)
        except zlib.error as exc:
            raise InputError(f"{path}: truncated or corrupt gzip ({exc})") from None
        size += len(part)
        parts.append(part)
        if size > max_bytes or inflater.unconsumed_tail:
            raise _too_big(path, max_bytes, "decompresses to")
        if not inflater.eof:
            raise InputError(f"{path}: truncated or corrupt gzip (compressed data ends before the end of the stream)")
        data = inflater.unused_data.lstrip(b"\x00")  # members follow each other; trailing zero padding is allowed
    return b"".join(parts)


def decode_text(data: bytes, source: str | Path) -> str:
    """Strict UTF-8 text of ``data``, a leading byte-order mark removed; ``InputError`` naming the first bad byte."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{source}: is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"{source}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}, line {line}); "
            "save it as UTF-8"
        ) from None


def read_text_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """Text of a regular UTF-8 file (gzip allowed), bounded by ``max_bytes``; see :func:`read_limited_bytes`."""
    text = decode_text(read_limited_bytes(path, max_bytes), path)
    if "\x00" in text:
        raise InputError(f"{path}: binary content (NUL bytes) in a text file")
    return text


@contextlib.contextmanager
def csv_field_limit(limit: int) -> Iterator[None]:
    """Raise the ``csv`` module's per-field size limit (131,072 characters) to ``limit`` inside the block.

    A CSV holding one 200,000-letter sequence is valid; the record is then refused for its length,
    by the caller, not the whole file by the parser.
    """
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, min(limit, 2**31 - 1)))
    try:
        yield
    finally:
        csv.field_size_limit(old)
