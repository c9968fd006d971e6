"""Types by magic bytes, and the names files are stored under."""

from __future__ import annotations

import pytest

from api.attachments.sniff import (
    JPEG,
    PDF,
    PNG,
    ExtensionMismatch,
    attachment_filename,
    clean_filename,
    sniff,
)

PNG_HEAD = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n%\xe2\xe3", PDF),
        (PNG_HEAD, PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # Windows executable
        (b"\x7fELF\x02\x01\x01\x00", None),
        (b"PK\x03\x04\x14\x00", None),  # zip / docx
        (b"<html><script>", None),
        (b" %PDF-1.7", None),  # the signature must come first
        (b"%PDF", None),
        (b"", None),
    ],
)
def test_sniff(head: bytes, expected: object) -> None:
    assert sniff(head) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("../../x.pdf", "x.pdf"),
        ("C:\\Users\\张三\\Desktop\\申报书.pdf", "申报书.pdf"),
        ("/etc/passwd/..", ""),
        ("..", ""),
        ("a\x00b\r\nc\x1b.pdf", "ab c.pdf"),
        ("invoice\u202efdp.exe.pdf", "invoicefdp.exe.pdf"),  # no right-to-left override
        ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),  # NFC
        ('a<b>:"c"|?*.pdf', "a_b___c____.pdf"),
        ("  report...final . pdf. ", "report.final . pdf"),
        ("  .hidden.pdf", ".hidden.pdf"),
        ("北京 集成电路\t检测报告（2025）.pdf", "北京 集成电路 检测报告（2025）.pdf"),
    ],
)
def test_clean_filename(raw: str, expected: str) -> None:
    assert clean_filename(raw) == expected


@pytest.mark.parametrize(
    ("raw", "file_type", "expected"),
    [
        ("检测报告.pdf", PDF, "检测报告.pdf"),
        ("SCAN.PDF", PDF, "SCAN.PDF"),
        ("photo.jpeg", JPEG, "photo.jpeg"),
        ("licence", PNG, "licence.png"),  # no extension: the canonical one is added
        ("licence", JPEG, "licence.jpg"),
        ("", PDF, "attachment.pdf"),
        (None, PDF, "attachment.pdf"),
        ("../..", PDF, "attachment.pdf"),
        (".pdf", PDF, "attachment.pdf"),
        (" .hidden.pdf", PDF, "hidden.pdf"),
        ("\u202e", PNG, "attachment.png"),
    ],
)
def test_attachment_filename(raw: str | None, file_type: object, expected: str) -> None:
    assert attachment_filename(raw, file_type) == expected  # type: ignore[arg-type]


def test_long_names_are_cut_but_keep_their_extension() -> None:
    name = attachment_filename("首台套" * 100 + ".pdf", PDF)
    assert name.endswith(".pdf")
    assert len(name) == 104
    assert name.startswith("首台套首台套")


@pytest.mark.parametrize(
    ("raw", "file_type"),
    [("image.pdf", PNG), ("form.png", PDF), ("setup.exe", PDF), ("report.pdf.exe", PDF)],
)
def test_an_extension_naming_another_type_is_refused(raw: str, file_type: object) -> None:
    with pytest.raises(ExtensionMismatch):
        attachment_filename(raw, file_type)  # type: ignore[arg-type]
