"""A roadshow as an iCalendar (RFC 5545) file: one VEVENT whose description carries the agenda."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from api.roadshows.schemas import RoadshowRead

BEIJING = ZoneInfo("Asia/Shanghai")
PRODID = "-//Beijing First (Set) Major Technical Equipment//FirstSet Roadshows//EN"


def uid(read: RoadshowRead) -> str:
    return f"{read.id}@firstset"


def filename(read: RoadshowRead) -> str:
    return f"roadshow-{read.starts_at.astimezone(BEIJING):%Y-%m-%d}-{str(read.id)[:8]}.ics"


def _hm(moment: datetime) -> str:
    return f"{moment.astimezone(BEIJING):%H:%M}"


def _description(read: RoadshowRead, url: str, english: bool) -> str:
    lines: list[str] = []
    intro = (read.description_en or read.description_zh) if english else read.description_zh
    if intro:
        lines += [intro, ""]
    if read.slots:
        lines.append("Agenda (Beijing time):" if english else "议程（北京时间）：")
        for slot in read.slots:
            title = (slot.talk_title_en or slot.talk_title_zh) if english else slot.talk_title_zh
            org = (
                (slot.organization.name_en or slot.organization.name_zh)
                if english
                else slot.organization.name_zh
            )
            times = f"{_hm(slot.starts_at)}–{_hm(slot.ends_at)}"
            lines.append(
                f"{times} {title} — {slot.presenter} ({org})"
                if english
                else f"{times} {title} — {slot.presenter}（{org}）"
            )
        lines.append("")
    lines.append(url)
    return "\n".join(lines)


def render(read: RoadshowRead, *, url: str, english: bool = False) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    event = Event()
    event.add("uid", uid(read))
    # The last revision, not the download time: the file stays the same until the event changes.
    event.add("dtstamp", read.updated_at.astimezone(UTC))
    event.add("last-modified", read.updated_at.astimezone(UTC))
    event.add("sequence", read.version)
    event.add("dtstart", read.starts_at.astimezone(UTC))
    event.add("dtend", read.ends_at.astimezone(UTC))
    event.add("summary", (read.title_en or read.title_zh) if english else read.title_zh)
    event.add("location", (read.venue_en or read.venue_zh) if english else read.venue_zh)
    event.add("description", _description(read, url, english))
    event.add("url", url)
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
