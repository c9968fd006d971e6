"""Markup in the names a certificate prints: the PDF is rendered from HTML, so a product or an
enterprise named like a tag must be printed as text — never become an element that WeasyPrint
would lay out, or a resource (a local file, an internal URL) it would fetch."""

from __future__ import annotations

from datetime import date

from api.awards.pdf import CertificateView, certificate_html

PAYLOADS = (
    '<img src="file:///etc/passwd">',
    "<script>alert(1)</script>",
    '<link rel="stylesheet" href="http://169.254.169.254/latest/meta-data/">',
    '"><iframe src="http://127.0.0.1:5432/">',
)


def test_markup_in_certificate_names_is_printed_as_text() -> None:
    view = CertificateView(
        number="BJSTT-2025-01-0001",
        organization_zh=f"北京{PAYLOADS[0]}有限公司",
        organization_en=PAYLOADS[1],
        uscc="91110108MA01ABCD2X",
        product_zh=f"装备{PAYLOADS[2]}",
        product_en=PAYLOADS[3],
        model=PAYLOADS[1],
        field=("集成电路", PAYLOADS[0]),
        product_type=None,
        level=None,
        batch_year=2025,
        batch_sequence=1,
        issued_on=date(2025, 6, 1),
        valid_until=date(2028, 6, 1),
        key_id="hostile-test",
        signature="c2lnbmF0dXJl",
        verify_url="https://firstset.example/verify/BJSTT-2025-01-0001",
        revoked_on=None,
    )
    html = certificate_html(view)
    for payload in PAYLOADS:
        assert payload not in html, payload
    lowered = html.lower()
    for tag in ('<img src="file:', "<script", "<iframe", '<link rel="stylesheet" href="http'):
        assert tag not in lowered, tag
    assert "&lt;img src=&quot;file:///etc/passwd&quot;&gt;" in html
