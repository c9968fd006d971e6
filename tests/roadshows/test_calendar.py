"""The .ics download: a valid RFC 5545 calendar with one event carrying the agenda."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from icalendar import Calendar
from sqlalchemy.ext.asyncio import AsyncSession

from api.config import get_settings
from tests.catalogue.helpers import make_entry
from tests.roadshows.helpers import BASE, EVENT, add_ok, create


async def published_with_agenda(db: AsyncSession, admin: httpx.AsyncClient) -> str:
    award = await make_entry(db)
    body, etag = await create(admin)
    rid = str(body["id"])
    _, etag = await add_ok(
        admin,
        rid,
        etag,
        award.organization_id,
        "14:00",
        "14:15",
        award_id=str(award.id),
        talk_title_zh="高精度数控系统的首台应用",
        talk_title_en="First application of a precision CNC system",
        presenter="陈晓明",
    )
    await add_ok(admin, rid, etag, award.organization_id, "14:15", "14:30")
    assert (await admin.post(f"{BASE}/{rid}/publish")).status_code == 200
    return rid


async def test_the_calendar_parses_with_the_event_and_its_agenda(
    db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    rid = await published_with_agenda(db, admin)
    response = await client.get(f"{BASE}/{rid}/calendar.ics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="roadshow-2021-10-22-')
    assert disposition.endswith('.ics"')
    assert b"\r\n" in response.content  # RFC 5545 lines end in CRLF

    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"]
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]) == f"{rid}@firstset"
    assert event.decoded("DTSTART") == datetime(2021, 10, 22, 6, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2021, 10, 22, 9, 30, tzinfo=UTC)
    assert "DTSTAMP" in event
    assert b"DTSTART:20211022T060000Z" in response.content
    assert str(event["SUMMARY"]) == EVENT["title_zh"]
    assert str(event["LOCATION"]) == EVENT["venue_zh"]
    description = str(event["DESCRIPTION"])
    assert EVENT["description_zh"] in description
    assert "14:00–14:15 高精度数控系统的首台应用 — 陈晓明" in description
    assert "14:15–14:30" in description
    public_url = f"{get_settings().public_base_url.rstrip('/')}/roadshows/{rid}"
    assert str(event["URL"]) == public_url
    assert public_url in description


async def test_english_texts_on_request(
    db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    rid = await published_with_agenda(db, admin)
    response = await client.get(f"{BASE}/{rid}/calendar.ics", params={"lang": "en"})
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == EVENT["title_en"]
    assert str(event["LOCATION"]) == EVENT["venue_en"]
    description = str(event["DESCRIPTION"])
    assert "Agenda (Beijing time):" in description
    assert "14:00–14:15 First application of a precision CNC system — 陈晓明" in description
    bad = await client.get(f"{BASE}/{rid}/calendar.ics", params={"lang": "fr"})
    assert bad.status_code == 422
