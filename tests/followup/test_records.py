"""Creating, editing and deleting follow-up records: exact money, the insurance caps, dates,
text hygiene, duplicates, If-Match, revoked awards."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.catalogue.helpers import revoke
from tests.followup.helpers import (
    BASE,
    Setting,
    as_user,
    awarded,
    create,
    error_codes,
    intention,
    policy,
    project,
)


@pytest.fixture
async def s(db: AsyncSession, client: httpx.AsyncClient) -> Setting:
    setting = await awarded(db)
    await as_user(client, setting.applicant)
    return setting


class TestMoney:
    async def test_amounts_round_trip_exactly(self, s: Setting, client: httpx.AsyncClient) -> None:
        big = await create(
            client, s.award, "projects", project(expected_investment_yuan="12345678901234.56")
        )
        small = await create(client, s.award, "intentions", intention(amount_yuan="0.01"))
        assert big.status_code == small.status_code == 201, (big.text, small.text)
        assert big.json()["expected_investment_yuan"] == "12345678901234.56"
        assert small.json()["amount_yuan"] == "0.01"
        detail = (await client.get(f"{BASE}/awards/{s.award.id}")).json()
        assert detail["project_list"][0]["expected_investment_yuan"] == "12345678901234.56"
        assert detail["intention_list"][0]["amount_yuan"] == "0.01"

    @pytest.mark.parametrize(
        ("amount", "code"),
        [
            ("0", "greater_than"),
            ("-5", "greater_than"),
            ("1.005", "decimal_max_places"),
            ("100000000000000.00", "decimal_whole_digits"),
            ("NaN", "finite_number"),
            ("12,345", "decimal_parsing"),
        ],
    )
    async def test_bad_amounts_are_field_errors(
        self, s: Setting, client: httpx.AsyncClient, amount: str, code: str
    ) -> None:
        response = await create(client, s.award, "intentions", intention(amount_yuan=amount))
        assert response.status_code == 422, response.text
        assert error_codes(response) == {"amount_yuan": code}


class TestInsurance:
    async def test_rate_of_three_percent_is_accepted(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        response = await create(client, s.award, "insurance-policies", policy(premium_rate="0.03"))
        assert response.status_code == 201, response.text
        body = response.json()
        assert Decimal(body["premium_rate"]) == Decimal("0.03")
        assert Decimal(body["subsidy_share"]) == Decimal("0.8")

    async def test_rate_over_three_percent_is_refused(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        response = await create(
            client, s.award, "insurance-policies", policy(premium_rate="0.0301")
        )
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert error_codes(response) == {"premium_rate": "premium_rate_over_cap"}

    @pytest.mark.parametrize("share", ["-0.1", "1.001", "1.5"])
    async def test_subsidy_share_between_0_and_1(
        self, s: Setting, client: httpx.AsyncClient, share: str
    ) -> None:
        response = await create(client, s.award, "insurance-policies", policy(subsidy_share=share))
        assert response.status_code == 422
        assert "subsidy_share" in error_codes(response)

    async def test_three_years_accepted_one_day_more_refused(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        ok = await create(
            client,
            s.award,
            "insurance-policies",
            policy(starts_on="2024-03-01", ends_on="2027-03-01"),
        )
        assert ok.status_code == 201, ok.text
        long = await create(
            client,
            s.award,
            "insurance-policies",
            policy(policy_number="P-2", starts_on="2024-03-01", ends_on="2027-03-02"),
        )
        assert long.status_code == 422
        assert error_codes(long) == {"ends_on": "policy_period_too_long"}

    async def test_leap_day_start_ends_on_28_february(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        ok = await create(
            client,
            s.award,
            "insurance-policies",
            policy(starts_on="2024-02-29", ends_on="2027-02-28"),
        )
        assert ok.status_code == 201, ok.text
        long = await create(
            client,
            s.award,
            "insurance-policies",
            policy(policy_number="P-3", starts_on="2024-02-29", ends_on="2027-03-01"),
        )
        assert error_codes(long) == {"ends_on": "policy_period_too_long"}

    async def test_end_must_follow_start(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(
            client,
            s.award,
            "insurance-policies",
            policy(starts_on="2024-03-01", ends_on="2024-03-01"),
        )
        assert error_codes(response) == {"ends_on": "ends_before_start"}

    async def test_duplicate_policy_number_is_a_conflict(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        assert (await create(client, s.award, "insurance-policies", policy())).status_code == 201
        again = await create(client, s.award, "insurance-policies", policy(premium_yuan="1.00"))
        assert again.status_code == 409
        assert again.json()["code"] == "duplicate_policy_number"
        assert error_codes(again) == {"policy_number": "duplicate_policy_number"}
        other_insurer = await create(
            client, s.award, "insurance-policies", policy(insurer="太平财产保险有限公司")
        )
        assert other_insurer.status_code == 201

    async def test_renumbering_onto_a_taken_number_is_a_conflict(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        await create(client, s.award, "insurance-policies", policy())
        second = (
            await create(client, s.award, "insurance-policies", policy(policy_number="P-9"))
        ).json()
        response = await client.patch(
            f"{BASE}/insurance-policies/{second['id']}",
            json={"policy_number": "PICC-2024-0001"},
            headers={"If-Match": second["etag"]},
        )
        assert response.status_code == 409
        assert response.json()["code"] == "duplicate_policy_number"


class TestText:
    async def test_text_is_stripped(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(
            client, s.award, "intentions", intention(buyer="  某晶圆厂  ", source="   ", notes=" ")
        )
        body = response.json()
        assert (body["buyer"], body["source"], body["notes"]) == ("某晶圆厂", None, None)

    @pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "a\u202eb", "a\nb"])
    async def test_control_characters_are_refused(
        self, s: Setting, client: httpx.AsyncClient, value: str
    ) -> None:
        response = await create(client, s.award, "intentions", intention(buyer=value))
        assert response.status_code == 422
        assert error_codes(response) == {"buyer": "control_characters"}

    async def test_notes_keep_line_breaks(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(client, s.award, "intentions", intention(notes="一\n二"))
        assert response.json()["notes"] == "一\n二"

    async def test_length_limits(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(
            client, s.award, "projects", project(site="址" * 201, notes="x" * 5001)
        )
        assert error_codes(response) == {"site": "string_too_long", "notes": "string_too_long"}

    async def test_unknown_fields_are_refused(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(client, s.award, "projects", project(verified_at="2024-01-01"))
        assert response.status_code == 422


class TestDates:
    async def test_project_cannot_end_before_it_starts(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        response = await create(
            client, s.award, "projects", project(starts_on="2024-03-01", ends_on="2024-02-29")
        )
        assert error_codes(response) == {"ends_on": "ends_before_start"}

    async def test_patch_checks_the_merged_dates(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        created = (await create(client, s.award, "projects", project())).json()
        response = await client.patch(
            f"{BASE}/projects/{created['id']}",
            json={"starts_on": "2026-01-01"},
            headers={"If-Match": created["etag"]},
        )
        assert error_codes(response) == {"ends_on": "ends_before_start"}

    async def test_implausible_year_is_refused(self, s: Setting, client: httpx.AsyncClient) -> None:
        response = await create(client, s.award, "intentions", intention(intended_on="0202-05-20"))
        assert "intended_on" in error_codes(response)


class TestEditing:
    async def test_patch_needs_if_match(self, s: Setting, client: httpx.AsyncClient) -> None:
        created = (await create(client, s.award, "projects", project())).json()
        url = f"{BASE}/projects/{created['id']}"
        missing = await client.patch(url, json={"site": "亦庄"})
        assert missing.status_code == 428
        ok = await client.patch(url, json={"site": "亦庄"}, headers={"If-Match": created["etag"]})
        assert ok.status_code == 200, ok.text
        assert ok.json()["version"] == created["version"] + 1
        assert ok.headers["ETag"] == ok.json()["etag"] != created["etag"]
        stale = await client.patch(
            url, json={"site": "顺义"}, headers={"If-Match": created["etag"]}
        )
        assert stale.status_code == 412
        assert stale.json()["current_etag"] == ok.json()["etag"]

    async def test_required_fields_cannot_be_emptied(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        created = (await create(client, s.award, "intentions", intention())).json()
        response = await client.patch(
            f"{BASE}/intentions/{created['id']}",
            json={"amount_yuan": None, "source": None},
            headers={"If-Match": created["etag"]},
        )
        assert response.status_code == 422
        assert error_codes(response) == {"amount_yuan": "required"}

    async def test_an_edit_without_changes_keeps_the_version(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        created = (await create(client, s.award, "intentions", intention())).json()
        response = await client.patch(
            f"{BASE}/intentions/{created['id']}",
            json={"amount_yuan": "12345678.9"},
            headers={"If-Match": created["etag"]},
        )
        assert response.json()["version"] == created["version"]

    async def test_delete(self, s: Setting, client: httpx.AsyncClient) -> None:
        created = (await create(client, s.award, "insurance-policies", policy())).json()
        url = f"{BASE}/insurance-policies/{created['id']}"
        assert (await client.delete(url, headers={"If-Match": '"other"'})).status_code == 412
        assert (await client.delete(url)).status_code == 204
        assert (await client.delete(url)).status_code == 404
        detail = (await client.get(f"{BASE}/awards/{s.award.id}")).json()
        assert detail["policy_list"] == []
        # the number is free again
        assert (await create(client, s.award, "insurance-policies", policy())).status_code == 201

    async def test_unknown_roadshow_is_a_field_error(
        self, s: Setting, client: httpx.AsyncClient
    ) -> None:
        response = await create(
            client,
            s.award,
            "intentions",
            intention(roadshow_id="00000000-0000-4000-8000-000000000000"),
        )
        assert error_codes(response) == {"roadshow_id": "roadshow_not_found"}


class TestRevokedAward:
    async def test_records_stay_readable_but_none_are_added(
        self, s: Setting, db: AsyncSession, client: httpx.AsyncClient
    ) -> None:
        created = (await create(client, s.award, "projects", project())).json()
        await revoke(db, s.award)
        refused = await create(client, s.award, "intentions", intention())
        assert refused.status_code == 409
        assert refused.json()["code"] == "award_revoked"
        edit = await client.patch(
            f"{BASE}/projects/{created['id']}",
            json={"site": "亦庄"},
            headers={"If-Match": created["etag"]},
        )
        assert edit.status_code == 409
        assert (await client.delete(f"{BASE}/projects/{created['id']}")).status_code == 409
        detail = await client.get(f"{BASE}/awards/{s.award.id}")
        assert detail.status_code == 200
        assert detail.json()["revoked"] is True
        assert detail.json()["status"] == "revoked"
        assert len(detail.json()["project_list"]) == 1
