"""multipart/form-data read part by part as the body streams in, so an upload can be sniffed,
size-checked and refused before the rest of it is read.

python-multipart does the parsing: it is push-style, so each chunk of the body is written to it
and the events its callbacks report are queued until the reader asks for them. The queue never
holds more than one chunk's worth of bytes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from enum import Enum, auto
from urllib.parse import unquote

from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

MAX_PARTS = 16
# RFC 2046 §5.1.1: 1 to 70 characters, not ending in a space.
_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$")
_QUOTED_RE = re.compile(r'"(?:[^"\\]|\\.)*"')
_EXTENDED_FILENAME_RE = re.compile(r";\s*filename\*\s*=\s*([^;\s]*)", re.IGNORECASE)


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True, slots=True)
class PartInfo:
    name: str
    filename: str | None
    content_type: str | None


class _Mark(Enum):
    PART_END = auto()
    END = auto()


def boundary_of(content_type: str | None) -> str | None:
    """The boundary of a `multipart/form-data` Content-Type; None for any other type."""
    media_type, params = parse_options_header(content_type)
    if media_type.lower() != b"multipart/form-data":
        return None
    boundary = params.get(b"boundary", b"").decode("latin-1")
    if not _BOUNDARY_RE.match(boundary):
        raise MultipartError("The multipart boundary is missing or invalid.")
    return boundary


def _text(raw: bytes) -> str:
    # Browsers send header values, file names included, as raw UTF-8.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _extended_filename(disposition: bytes) -> str | None:
    """An RFC 5987 `filename*`, which older clients send for non-ASCII names.

    RFC 7578 forbids it in forms, so python-multipart drops it; quoted values are blanked
    first so that one cannot smuggle it in inside a plain `filename="…"`.
    """
    match = _EXTENDED_FILENAME_RE.search(_QUOTED_RE.sub('""', disposition.decode("latin-1")))
    if match is None:
        return None
    charset, _, rest = match.group(1).partition("'")
    _language, _, encoded = rest.partition("'")
    if charset.lower() not in {"utf-8", "iso-8859-1"}:
        return None
    try:
        return unquote(encoded, encoding=charset, errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def _part_info(headers: dict[bytes, bytes]) -> PartInfo:
    raw = headers.get(b"content-disposition", b"")
    disposition, params = parse_options_header(raw)
    if disposition.lower() != b"form-data" or b"name" not in params:
        raise MultipartError("Each part needs `Content-Disposition: form-data; name=…`.")
    filename = params.get(b"filename")
    content_type = headers.get(b"content-type")
    return PartInfo(
        name=_text(params[b"name"]),
        filename=_extended_filename(raw) or (None if filename is None else _text(filename)),
        content_type=None if content_type is None else _text(content_type),
    )


class FormReader:
    """`async for part in reader.parts(): ... async for chunk in reader.read(): ...`

    A part's body that is not read is skipped when the next part is asked for; anything after
    the closing boundary is not read at all.
    """

    def __init__(
        self, chunks: AsyncIterator[bytes], boundary: str, *, max_parts: int = MAX_PARTS
    ) -> None:
        self._chunks = chunks
        self._events: deque[PartInfo | bytes | _Mark] = deque()
        self._done = False
        self._parts = 0
        self._max_parts = max_parts
        self._headers: dict[bytes, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._parser = MultipartParser(
            boundary,
            {
                "on_part_begin": self._on_part_begin,
                "on_header_field": lambda data, start, end: self._field.extend(data[start:end]),
                "on_header_value": lambda data, start, end: self._value.extend(data[start:end]),
                "on_header_end": self._on_header_end,
                "on_headers_finished": lambda: self._events.append(_part_info(self._headers)),
                "on_part_data": lambda data, start, end: self._events.append(data[start:end]),
                "on_part_end": lambda: self._events.append(_Mark.PART_END),
                "on_end": lambda: self._events.append(_Mark.END),
            },
        )

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > self._max_parts:
            raise MultipartError("Too many parts in the multipart body.")
        self._headers = {}

    def _on_header_end(self) -> None:
        self._headers.setdefault(bytes(self._field).strip().lower(), bytes(self._value).strip())
        self._field.clear()
        self._value.clear()

    async def _next(self) -> PartInfo | bytes | _Mark:
        while not self._events:
            try:
                chunk = await anext(self._chunks)
            except StopAsyncIteration:
                raise MultipartError(
                    "The multipart body ended before its closing boundary."
                ) from None
            try:
                self._parser.write(chunk)
            except FormParserError as exc:
                raise MultipartError(f"The multipart body is malformed: {exc}.") from None
        return self._events.popleft()

    async def parts(self) -> AsyncIterator[PartInfo]:
        while not self._done:
            event = await self._next()
            if isinstance(event, PartInfo):
                yield event
            elif event is _Mark.END:
                self._done = True
            # Otherwise the body of a part the caller did not read: skipped.

    async def read(self) -> AsyncIterator[bytes]:
        """The rest of the current part's body, in chunks as they arrive."""
        while not self._done:
            event = await self._next()
            if isinstance(event, bytes):
                yield event
                continue
            if event is not _Mark.PART_END:  # the part was already read to its end
                self._events.appendleft(event)
            return
