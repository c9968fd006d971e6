"""What an uploaded file is — judged by its first bytes, never by its name or declared type —
and the safe name it is stored under."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FileType:
    content_type: str
    magic: bytes
    extensions: tuple[str, ...]  # lower case, without the dot; the first is canonical


PDF = FileType("application/pdf", b"%PDF-", ("pdf",))
PNG = FileType("image/png", b"\x89PNG\r\n\x1a\n", ("png",))
JPEG = FileType("image/jpeg", b"\xff\xd8\xff", ("jpg", "jpeg", "jpe"))
ACCEPTED = (PDF, PNG, JPEG)
SNIFF_BYTES = max(len(t.magic) for t in ACCEPTED)

MAX_STEM_CHARS = 100
DEFAULT_STEM = "attachment"
# Reserved on Windows, where most applicants will save the file again.
_RESERVED = re.compile(r'[<>:"|?*]')
# "/" and "\\", and the look-alikes that Windows' "best fit" conversion to a legacy code page
# turns back into them (fullwidth, small and mathematical solidi).
_SEPARATORS = re.compile(r"[/\\\u2044\u2215\u2216\u29f5\u29f8\u29f9\ufe68\uff0f\uff3c]")
# Runs of "." and of its look-alikes (one-dot and two-dot leaders, fullwidth full stop) become
# one ".".
_DOT_RUNS = re.compile(r"[.\u2024\uff0e]{2,}|[.\u2024\uff0e]*\u2025[.\u2024\u2025\uff0e]*")


class ExtensionMismatch(ValueError):
    def __init__(self, extension: str, file_type: FileType) -> None:
        self.extension = extension
        self.file_type = file_type
        super().__init__(extension)


def sniff(head: bytes) -> FileType | None:
    """The accepted type whose signature `head` starts with, if any."""
    return next((t for t in ACCEPTED if head.startswith(t.magic)), None)


def _visible(ch: str) -> bool:
    # C*: controls, format characters (e.g. U+202E, which flips "gpj.exe" around), surrogates,
    # private use, unassigned; Zl/Zp: line and paragraph separators.
    return unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in {"Zl", "Zp"}


def clean_filename(raw: str) -> str:
    """The last path component, NFC, without control characters, reserved characters, dot
    runs, surrounding spaces or trailing dots. May be empty."""
    name = unicodedata.normalize("NFC", raw)
    name = _SEPARATORS.split(name)[-1]
    name = "".join(ch if _visible(ch) else " " if ch.isspace() else "" for ch in name)
    name = _RESERVED.sub("_", name)
    name = re.sub(r"\s+", " ", name)
    name = _DOT_RUNS.sub(".", name)
    return name.strip(" ").rstrip(" .\u2024\uff0e")


def attachment_filename(raw: str | None, file_type: FileType) -> str:
    """The name to store: cleaned, length-limited, with an extension that matches the content.

    A name without an extension gets the canonical one; an extension that names another type
    raises `ExtensionMismatch`.
    """
    name = clean_filename(raw or "")
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    if extension and extension.lower() not in file_type.extensions:
        raise ExtensionMismatch(extension, file_type)
    stem = stem.strip(" .")[:MAX_STEM_CHARS].rstrip(" .") or DEFAULT_STEM
    return f"{stem}.{extension or file_type.extensions[0]}"
