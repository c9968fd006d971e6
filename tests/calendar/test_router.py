"""The calendar over HTTP: working-day arithmetic (public), the years (public reads, admin
replacement and deletion), with problems for a year without data and for invalid days."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, CalendarSource, CalendarYear, Role
from tests.auth.test_router import assert_problem
from tests.factories.identity import logged_in

URL = "/api/v1/calendar"

# 2031: New Year's Day on a Wednesday, the Saturday after it worked; a Sunday off inside a
# named holiday.
YEAR_2031 = [
    {"day": "2031-01-01", "working": False, "name_zh": "元旦", "name_en": "New Year's Day"},
    {"day": "2031-01-04", "working": True, "name_zh": "元旦", "name_en": "New Year's Day"},
    {"day": "2031-10-05", "working": False, "name_zh": "国庆节", "name_en": "National Day"},
    {"day": "2031-10-06", "working": False, "name_zh": "国庆节"},
]


@pytest.fixture
async def admin(db: AsyncSession, client: httpx.AsyncClient) -> httpx.AsyncClient:
    await logged_in(db, client, Role.admin)
    return client


async def end_of(client: httpx.AsyncClient, start: str, days: int) -> httpx.Response:
    return await client.get(f"{URL}/add-working-days", params={"start": start, "days": days})


class TestAddWorkingDays:
    @pytest.mark.parametrize(
        ("start", "days", "end"),
        [
            ("2025-01-27", 2, "2025-02-05"),  # over Spring Festival 2025
            ("2025-01-24", 2, "2025-01-26"),  # onto its make-up Sunday
            ("2025-02-05", 4, "2025-02-08"),  # onto its make-up Saturday
            ("2025-09-30", 2, "2025-10-09"),  # over National Day 2025
            ("2025-09-27", 1, "2025-09-28"),  # onto its make-up Sunday
            ("2025-10-09", 3, "2025-10-11"),  # onto its make-up Saturday
        ],
    )
    async def test_across_holidays_and_make_up_days(
        self, client: httpx.AsyncClient, start: str, days: int, end: str
    ) -> None:
        response = await end_of(client, start, days)
        assert response.status_code == 200, response.text
        assert response.json() == {"start": start, "days": days, "end": end}

    async def test_cached_publicly(self, client: httpx.AsyncClient) -> None:
        response = await end_of(client, "2025-01-27", 2)
        assert response.headers["cache-control"].startswith("public")
        again = await client.get(
            f"{URL}/add-working-days",
            params={"start": "2025-01-27", "days": 2},
            headers={"If-None-Match": response.headers["etag"]},
        )
        assert again.status_code == 304

    async def test_a_year_without_data(self, client: httpx.AsyncClient, without_2031: None) -> None:
        response = await end_of(client, "2031-03-03", 5)
        body = assert_problem(response, 409, "calendar_year_unknown")
        assert body["year"] == 2031
        assert "2031" in body["detail"]
        assert not response.headers.get("cache-control", "").startswith("public")

    async def test_counting_into_a_year_without_data(
        self, db: AsyncSession, client: httpx.AsyncClient, without_2031: None
    ) -> None:
        db.add(CalendarYear(year=2030, source=CalendarSource.admin))
        await db.flush()
        # Mon 30 and Tue 31 Dec 2030 are known working days; the third lies in 2031
        assert (await end_of(client, "2030-12-30", 2)).json()["end"] == "2030-12-31"
        body = assert_problem(await end_of(client, "2030-12-30", 3), 409, "calendar_year_unknown")
        assert body["year"] == 2031

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"start": "2025-01-27", "days": 0}, "days"),
            ({"start": "2025-01-27", "days": 367}, "days"),
            ({"start": "2025-02-30", "days": 1}, "start"),
            ({"days": 1}, "start"),
            ({"start": "2025-01-27"}, "days"),
        ],
    )
    async def test_invalid_queries(
        self, client: httpx.AsyncClient, params: dict, field: str
    ) -> None:
        response = await client.get(f"{URL}/add-working-days", params=params)
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == field


class TestReadYears:
    async def test_library_years_are_listed(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{URL}/years")
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"].startswith("public")
        years = {y["year"]: y["source"] for y in response.json()["items"]}
        assert all(years.get(y) == "library" for y in range(2004, 2027))

    async def test_a_year_and_its_days(self, client: httpx.AsyncClient) -> None:
        response = await client.get(f"{URL}/years/2025")
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["year"], body["source"]) == (2025, "library")
        days = {d["day"]: d for d in body["days"]}
        assert days["2025-01-26"] == {
            "day": "2025-01-26",
            "working": True,
            "name_zh": "春节",
            "name_en": "Spring Festival",
            "source": "library",
        }
        assert days["2025-10-01"]["working"] is False
        assert days["2025-10-11"]["working"] is True
        assert "2025-01-27" not in days  # a plain Monday
        assert [d["day"] for d in body["days"]] == sorted(days)

    async def test_an_unknown_year(self, client: httpx.AsyncClient, without_2031: None) -> None:
        body = assert_problem(await client.get(f"{URL}/years/2031"), 404, "calendar_year_unknown")
        assert body["year"] == 2031
        assert_problem(await client.get(f"{URL}/years/1999"), 422, "validation_error")


class TestReplaceYear:
    async def test_admin_enters_a_year_then_arithmetic_works(
        self, db: AsyncSession, admin: httpx.AsyncClient, without_2031: None
    ) -> None:
        assert_problem(await end_of(admin, "2031-01-01", 1), 409, "calendar_year_unknown")
        response = await admin.put(f"{URL}/years/2031", json=YEAR_2031)
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["year"], body["source"]) == (2031, "admin")
        assert [d["day"] for d in body["days"]] == [e["day"] for e in YEAR_2031]
        assert {d["source"] for d in body["days"]} == {"admin"}

        # Wed 1 Jan off; Thu 2, Fri 3, and the make-up Saturday 4 Jan
        assert (await end_of(admin, "2031-01-01", 1)).json()["end"] == "2031-01-02"
        assert (await end_of(admin, "2031-01-01", 3)).json()["end"] == "2031-01-04"
        listed = (await admin.get(f"{URL}/years")).json()["items"]
        assert {"year": 2031, "source": "admin"}.items() <= listed[-1].items()

        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "calendar_year.replace", AuditEvent.object_id == "2031"
            )
        )
        assert event is not None
        assert event.changes == {
            "source": {"before": None, "after": "admin"},
            "holidays": {"before": 0, "after": 3},
            "make_up_days": {"before": 0, "after": 1},
        }

    async def test_a_replacement_replaces(
        self, admin: httpx.AsyncClient, without_2031: None
    ) -> None:
        await admin.put(f"{URL}/years/2031", json=YEAR_2031)
        response = await admin.put(f"{URL}/years/2031", json=YEAR_2031[:1])
        assert [d["day"] for d in response.json()["days"]] == ["2031-01-01"]
        assert (await end_of(admin, "2031-01-01", 3)).json()["end"] == "2031-01-06"
        emptied = await admin.put(f"{URL}/years/2031", json=[])
        assert emptied.status_code == 200
        assert emptied.json()["days"] == []
        assert (await end_of(admin, "2031-01-01", 1)).json()["end"] == "2031-01-01"

    async def test_amending_a_library_year_makes_it_admin(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        days = (await admin.get(f"{URL}/years/2025")).json()["days"]
        # the State Council moves a make-up day: Sat 8 Feb becomes a plain weekend day again
        amended = [
            {k: d[k] for k in ("day", "working", "name_zh", "name_en")}
            for d in days
            if d["day"] != "2025-02-08"
        ]
        response = await admin.put(f"{URL}/years/2025", json=amended)
        assert response.status_code == 200, response.text
        assert response.json()["source"] == "admin"
        assert (await end_of(admin, "2025-02-05", 4)).json()["end"] == "2025-02-10"
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "calendar_year.replace", AuditEvent.object_id == "2025"
            )
        )
        assert event is not None
        assert event.changes["source"] == {"before": "library", "after": "admin"}
        before = event.changes["make_up_days"]["before"]
        assert event.changes["make_up_days"] == {"before": before, "after": before - 1}
        assert "holidays" not in event.changes  # unchanged

    @pytest.mark.parametrize(
        ("entry", "field", "code"),
        [
            ({"day": "2030-12-31", "working": False}, "1.day", "day_outside_year"),
            ({"day": "2031-01-01", "working": False}, "1.day", "duplicate_day"),
            ({"day": "2031-01-02", "working": True}, "1.working", "working_day_not_weekend"),
            ({"day": "2031-01-05", "working": False}, "1.working", "weekend_not_named"),
        ],
    )
    async def test_invalid_days_are_named_by_field(
        self,
        admin: httpx.AsyncClient,
        without_2031: None,
        entry: dict,
        field: str,
        code: str,
    ) -> None:
        body = [YEAR_2031[0], entry]
        problem = assert_problem(
            await admin.put(f"{URL}/years/2031", json=body), 422, "validation_error"
        )
        assert [(e["field"], e["code"]) for e in problem["errors"]] == [(field, code)]
        # nothing was stored
        assert_problem(await admin.get(f"{URL}/years/2031"), 404, "calendar_year_unknown")

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ([{"day": "2031-01-01"}], "0.working"),
            ([{"day": "2031-13-01", "working": False}], "0.day"),
            ([{"day": "2031-01-01", "working": False, "name_zh": "元" * 61}], "0.name_zh"),
            ([{"day": "2031-01-01", "working": False, "note": "x"}], "0.note"),
            ({"day": "2031-01-01", "working": False}, "body"),
        ],
    )
    async def test_malformed_bodies(
        self, admin: httpx.AsyncClient, body: object, field: str
    ) -> None:
        problem = assert_problem(
            await admin.put(f"{URL}/years/2031", json=body), 422, "validation_error"
        )
        assert problem["errors"][0]["field"] == field

    async def test_at_most_a_year_of_days(self, admin: httpx.AsyncClient) -> None:
        body = [{"day": "2031-01-01", "working": False}] * 367
        problem = assert_problem(
            await admin.put(f"{URL}/years/2031", json=body), 422, "validation_error"
        )
        assert problem["errors"][0]["code"] == "too_long"

    async def test_only_admins(self, db: AsyncSession, client: httpx.AsyncClient) -> None:
        assert_problem(await client.put(f"{URL}/years/2031", json=[]), 401, "not_authenticated")
        await logged_in(db, client, Role.agency_officer)
        assert_problem(await client.put(f"{URL}/years/2031", json=[]), 403, "forbidden")
        assert_problem(await client.delete(f"{URL}/years/2031"), 403, "forbidden")


class TestDeleteYear:
    async def test_an_admin_year_is_forgotten(
        self, db: AsyncSession, admin: httpx.AsyncClient, without_2031: None
    ) -> None:
        await admin.put(f"{URL}/years/2031", json=YEAR_2031)
        response = await admin.delete(f"{URL}/years/2031")
        assert response.status_code == 204, response.text
        assert_problem(await admin.get(f"{URL}/years/2031"), 404, "calendar_year_unknown")
        assert_problem(await end_of(admin, "2031-01-01", 1), 409, "calendar_year_unknown")
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.action == "calendar_year.delete", AuditEvent.object_id == "2031"
            )
        )
        assert event is not None
        assert event.changes["source"] == {"before": "admin", "after": None}
        assert event.changes["holidays"] == {"before": 3, "after": None}
        # entering it again after the deletion starts from nothing
        again = await admin.put(f"{URL}/years/2031", json=YEAR_2031[:1])
        assert len(again.json()["days"]) == 1

    async def test_a_library_year_stays(self, admin: httpx.AsyncClient) -> None:
        body = assert_problem(
            await admin.delete(f"{URL}/years/2025"), 409, "calendar_year_from_library"
        )
        assert body["year"] == 2025
        assert (await admin.get(f"{URL}/years/2025")).status_code == 200

    async def test_an_unknown_year(self, admin: httpx.AsyncClient, without_2031: None) -> None:
        assert_problem(await admin.delete(f"{URL}/years/2031"), 404, "calendar_year_unknown")
