"""A streaming multipart/form-data reader (RFC 7578) over an async byte stream.

Parts come one at a time and a part's body comes in chunks as the bytes arrive, so an upload
can be sniffed, size-checked and refused before the rest of the body is read. Only the
buffer needed to spot a boundary split across two chunks is held in memory.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import unquote


class MultipartError(ValueError):
    """The body is not well-formed multipart/form-data."""


@dataclass(frozen=True, slots=True)
class PartInfo:
    name: str
    filename: str | None
    content_type: str | None


_PARAM_NAME = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_PARAM_RE = re.compile(rf';\s*({_PARAM_NAME})\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)')
_BOUNDARY_RE = re.compile(r"^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$")


def parse_options_header(value: str) -> tuple[str, dict[str, str]]:
    """`'form-data; name="file"; filename="报告.pdf"'` → `('form-data', {...})`; keys lower case.

    Browsers send file names as raw UTF-8 and never backslash-escape them (they percent-encode
    quotes instead), so backslashes in a `filename` are kept: `C:\\x.pdf` stays recognisable as a
    path.
    """
    main, _, rest = value.partition(";")
    params: dict[str, str] = {}
    for match in _PARAM_RE.finditer(";" + rest):
        key, raw = match.group(1).lower(), match.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            raw = raw[1:-1]
            if key != "filename":
                raw = re.sub(r"\\(.)", r"\1", raw)
        params.setdefault(key, raw)
    return main.strip().lower(), params


def boundary_of(content_type: str | None) -> str | None:
    """The boundary of a `multipart/form-data` Content-Type; None for any other type."""
    if not content_type:
        return None
    media_type, params = parse_options_header(content_type)
    if media_type != "multipart/form-data":
        return None
    boundary = params.get("boundary", "")
    if not _BOUNDARY_RE.match(boundary):
        raise MultipartError("The multipart boundary is missing or invalid.")
    return boundary


def _rfc5987(value: str) -> str | None:
    charset, _, rest = value.partition("'")
    _language, _, encoded = rest.partition("'")
    if charset.lower() not in {"utf-8", "iso-8859-1"}:
        return None
    try:
        return unquote(encoded, encoding=charset, errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def _decode_header(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class MultipartReader:
    """`async for part in reader.parts(): ... async for chunk in reader.read(): ...`

    A part's body that is not read is skipped when the next part is asked for.
    """

    def __init__(
        self,
        chunks: AsyncIterator[bytes],
        boundary: str,
        *,
        max_header_bytes: int = 8 * 1024,
        max_parts: int = 16,
    ) -> None:
        self._chunks = chunks
        self._delimiter = b"\r\n--" + boundary.encode("latin-1")
        # A leading CRLF makes the first delimiter look like every later one; the bytes
        # before it (the preamble) are read like the body of a part and dropped.
        self._buf = bytearray(b"\r\n")
        self._in_body = True
        self._done = False
        self._eof = False
        self._parts = 0
        self._max_header_bytes = max_header_bytes
        self._max_parts = max_parts

    async def _more(self) -> bool:
        if self._eof:
            return False
        try:
            chunk = await anext(self._chunks)
        except StopAsyncIteration:
            self._eof = True
            return False
        self._buf += chunk
        return True

    async def read(self) -> AsyncIterator[bytes]:
        """The rest of the current part's body, in chunks as they arrive."""
        keep = len(self._delimiter) - 1
        while self._in_body:
            index = self._buf.find(self._delimiter)
            if index >= 0:
                data = bytes(self._buf[:index])
                del self._buf[: index + len(self._delimiter)]
                self._in_body = False
                if data:
                    yield data
                return
            # The tail might be the start of a delimiter split across chunks: keep it.
            if len(self._buf) > keep:
                data = bytes(self._buf[:-keep])
                del self._buf[:-keep]
                yield data
            if not await self._more():
                raise MultipartError("The multipart body ended before its closing boundary.")

    async def _line(self) -> bytes:
        while (index := self._buf.find(b"\r\n")) < 0:
            if len(self._buf) > self._max_header_bytes:
                raise MultipartError("A multipart header is too long.")
            if not await self._more():
                raise MultipartError("The multipart body ended inside a header.")
        line = bytes(self._buf[:index])
        del self._buf[: index + 2]
        return line

    async def next_part(self) -> PartInfo | None:
        """Move to the next part; None after the closing boundary."""
        if self._done:
            return None
        async for _ in self.read():
            pass
        while len(self._buf) < 2:
            if not await self._more():
                raise MultipartError("The multipart body ended after a boundary.")
        if self._buf.startswith(b"--"):
            self._done = True  # the epilogue, if any, is ignored
            return None
        if (await self._line()).strip(b" \t"):
            raise MultipartError("Unexpected bytes after a multipart boundary.")
        self._parts += 1
        if self._parts > self._max_parts:
            raise MultipartError("Too many parts in the multipart body.")
        headers: dict[str, str] = {}
        header_bytes = 0
        while line := await self._line():
            header_bytes += len(line) + 2
            if header_bytes > self._max_header_bytes:
                raise MultipartError("The multipart headers are too long.")
            name, colon, value = _decode_header(line).partition(":")
            if not colon:
                raise MultipartError("A multipart header has no colon.")
            headers.setdefault(name.strip().lower(), value.strip())
        disposition, params = parse_options_header(headers.get("content-disposition", ""))
        if disposition != "form-data" or "name" not in params:
            raise MultipartError("Each part needs `Content-Disposition: form-data; name=…`.")
        filename = params.get("filename")
        if "filename*" in params:
            filename = _rfc5987(params["filename*"]) or filename
        self._in_body = True
        return PartInfo(
            name=params["name"], filename=filename, content_type=headers.get("content-type")
        )

    async def parts(self) -> AsyncIterator[PartInfo]:
        while (part := await self.next_part()) is not None:
            yield part
