"""The roadshow HTTP contract: the event's life, who sees drafts, the agenda's rules, moves,
optimistic concurrency, the audit trail and input validation."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.models import AuditEvent, Role
from tests.auth.test_router import assert_problem
from tests.catalogue.helpers import make_entry, revoke
from tests.factories.identity import logged_in, make_org
from tests.roadshows.helpers import BASE, EVENT, add_ok, add_slot, at, create, slot_body, times


async def actions(db: AsyncSession, roadshow_id: str) -> list[str]:
    rows = await db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "roadshow", AuditEvent.object_id == roadshow_id)
        .order_by(AuditEvent.id)
    )
    return list(rows)


class TestEventLife:
    async def test_create_edit_publish_unpublish_delete(
        self, db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        body, etag = await create(admin)
        rid = body["id"]
        assert body["status"] == "draft"
        assert body["version"] == 1
        assert body["slots"] == []
        assert body["slot_count"] == 0
        assert body["published_at"] is None
        assert body["calendar_url"] == f"{BASE}/{rid}/calendar.ics"
        assert etag == f'"{rid}-v1"'

        edited = await admin.patch(
            f"{BASE}/{rid}",
            json={"title_en": "  Roadshow 2021  ", "description_en": ""},
            headers={"If-Match": etag},
        )
        assert edited.status_code == 200, edited.text
        assert edited.json()["title_en"] == "Roadshow 2021"
        assert edited.json()["description_en"] is None
        assert edited.json()["version"] == 2
        etag = edited.headers["ETag"]
        assert etag == f'"{rid}-v2"'

        published = await admin.post(f"{BASE}/{rid}/publish", headers={"If-Match": etag})
        assert published.status_code == 200, published.text
        assert published.json()["status"] == "published"
        assert published.json()["published_at"] is not None
        assert_problem(await admin.post(f"{BASE}/{rid}/publish"), 409, "already_published")

        public = await client.get(f"{BASE}/{rid}")
        assert public.status_code == 200
        assert public.json()["title_en"] == "Roadshow 2021"
        assert_problem(await admin.delete(f"{BASE}/{rid}"), 409, "roadshow_published")

        assert (await admin.post(f"{BASE}/{rid}/unpublish")).json()["status"] == "draft"
        assert_problem(await admin.post(f"{BASE}/{rid}/unpublish"), 409, "not_published")
        assert_problem(await client.get(f"{BASE}/{rid}"), 404, "roadshow_not_found")

        assert (await admin.delete(f"{BASE}/{rid}")).status_code == 204
        assert_problem(await admin.get(f"{BASE}/{rid}"), 404, "roadshow_not_found")
        assert await actions(db, rid) == [
            "roadshow.create",
            "roadshow.update",
            "roadshow.publish",
            "roadshow.unpublish",
            "roadshow.delete",
        ]

    async def test_audit_records_the_change(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        body, etag = await create(admin)
        await admin.patch(
            f"{BASE}/{body['id']}", json={"venue_zh": "新会场"}, headers={"If-Match": etag}
        )
        event = await db.scalar(
            select(AuditEvent).where(
                AuditEvent.object_id == body["id"], AuditEvent.action == "roadshow.update"
            )
        )
        assert event is not None
        assert event.actor_label
        assert event.actor_label.endswith("@example.cn")
        assert event.changes["venue_zh"] == {"before": EVENT["venue_zh"], "after": "新会场"}

    async def test_if_match_missing_is_428_and_stale_is_412(self, admin: httpx.AsyncClient) -> None:
        body, etag = await create(admin)
        url = f"{BASE}/{body['id']}"
        assert_problem(
            await admin.patch(url, json={"title_zh": "新"}), 428, "precondition_required"
        )
        assert (
            await admin.patch(url, json={"title_zh": "新"}, headers={"If-Match": etag})
        ).is_success
        stale = assert_problem(
            await admin.patch(url, json={"title_zh": "再新"}, headers={"If-Match": etag}),
            412,
            "precondition_failed",
        )
        assert stale["current_etag"] == f'"{body["id"]}-v2"'
        assert (await admin.get(url)).json()["title_zh"] == "新"

    async def test_the_window_must_keep_every_slot(self, admin: httpx.AsyncClient) -> None:
        org = await self._org(admin)
        body, etag = await create(admin)
        rid = body["id"]
        _, etag = await add_ok(admin, rid, etag, org, "14:30", "15:00")
        late_start = await admin.patch(
            f"{BASE}/{rid}", json={"starts_at": at("14:45")}, headers={"If-Match": etag}
        )
        problem = assert_problem(late_start, 422, "validation_error")
        assert problem["errors"][0]["field"] == "starts_at"
        early_end = await admin.patch(
            f"{BASE}/{rid}", json={"ends_at": at("14:50")}, headers={"If-Match": etag}
        )
        assert assert_problem(early_end, 422, "validation_error")["errors"][0]["field"] == "ends_at"
        backwards = await admin.patch(
            f"{BASE}/{rid}", json={"ends_at": at("13:00")}, headers={"If-Match": etag}
        )
        assert assert_problem(backwards, 422, "validation_error")["errors"][0] == {
            "field": "ends_at",
            "message": "The end must be after the start.",
            "code": "ends_before_start",
        }
        fits = await admin.patch(
            f"{BASE}/{rid}",
            json={"starts_at": at("14:30"), "ends_at": at("15:00")},
            headers={"If-Match": etag},
        )
        assert fits.status_code == 200, fits.text

    @staticmethod
    async def _org(admin: httpx.AsyncClient) -> str:
        response = await admin.post(
            "/api/v1/organizations",
            json={"name_zh": "路演测试单位", "name_en": "Roadshow Test Co.", "kind": "other"},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["id"])


class TestVisibility:
    async def test_a_draft_is_hidden_from_the_public_and_visible_to_admins(
        self, db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        body, _ = await create(admin)
        rid = body["id"]
        missing = await client.get(f"{BASE}/{uuid.uuid4()}")
        hidden = await client.get(f"{BASE}/{rid}")
        assert_problem(hidden, 404, "roadshow_not_found")
        assert hidden.json()["detail"] == missing.json()["detail"]
        assert_problem(await client.get(f"{BASE}/{rid}/calendar.ics"), 404, "roadshow_not_found")
        assert rid not in {i["id"] for i in (await client.get(BASE)).json()["items"]}
        assert_problem(
            await client.get(BASE, params={"include_drafts": "true"}), 401, "not_authenticated"
        )

        await logged_in(db, client, Role.applicant)
        assert_problem(await client.get(f"{BASE}/{rid}"), 404, "roadshow_not_found")
        assert_problem(await client.get(BASE, params={"include_drafts": "true"}), 403, "forbidden")

        seen = await admin.get(f"{BASE}/{rid}")
        assert seen.status_code == 200
        assert seen.headers["Cache-Control"] == "private, no-store"
        assert seen.headers["ETag"] == f'"{rid}-v1"'
        drafts = (await admin.get(BASE, params={"include_drafts": "true"})).json()["items"]
        assert rid in {i["id"] for i in drafts}
        assert (await admin.get(f"{BASE}/{rid}/calendar.ics")).status_code == 200

    async def test_public_reads_are_cacheable(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        body, _ = await create(admin)
        await admin.post(f"{BASE}/{body['id']}/publish")
        first = await client.get(f"{BASE}/{body['id']}")
        assert first.headers["Cache-Control"].startswith("public")
        again = await client.get(
            f"{BASE}/{body['id']}", headers={"If-None-Match": first.headers["ETag"]}
        )
        assert again.status_code == 304
        listing = await client.get(BASE)
        assert listing.headers["Cache-Control"].startswith("public")

    async def test_the_list_is_newest_first_with_keyset_pages(
        self, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        org = await TestEventLife._org(admin)
        ids = []
        for day in ("2031-03-01", "2031-05-01", "2031-04-01"):
            body, etag = await create(
                admin,
                starts_at=f"{day}T09:00:00+08:00",
                ends_at=f"{day}T12:00:00+08:00",
            )
            if day == "2031-05-01":
                await admin.post(
                    f"{BASE}/{body['id']}/slots",
                    json={
                        **slot_body(org, "09:00", "09:30"),
                        "starts_at": f"{day}T09:00:00+08:00",
                        "ends_at": f"{day}T09:30:00+08:00",
                    },
                    headers={"If-Match": etag},
                )
            await admin.post(f"{BASE}/{body['id']}/publish")
            ids.append(body["id"])
        first = await client.get(BASE, params={"limit": 2})
        page = first.json()
        assert [i["id"] for i in page["items"]] == [ids[1], ids[2]]
        assert page["items"][0]["slot_count"] == 1
        assert page["items"][1]["slot_count"] == 0
        assert 'rel="next"' in first.headers["Link"]
        second = (await client.get(BASE, params={"limit": 2, "cursor": page["next"]})).json()
        assert second["items"][0]["id"] == ids[0]
        assert_problem(
            await client.get(BASE, params={"cursor": "nonsense!"}), 422, "validation_error"
        )


class TestAgenda:
    async def test_overlap_is_refused_naming_the_clashing_slot(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        org = await make_org(db)
        body, etag = await create(admin)
        rid = body["id"]
        first, etag = await add_ok(admin, rid, etag, org.id, "14:00", "14:30")
        # touching edges do not clash
        second, etag = await add_ok(admin, rid, etag, org.id, "14:30", "15:00")
        assert second["slot_count"] == 2
        clash = await add_slot(admin, rid, etag, org.id, "14:50", "15:10")
        problem = assert_problem(clash, 409, "slot_overlap")
        clashing = problem["clashing_slot"]
        assert clashing["id"] == second["slots"][1]["id"]
        assert clashing["starts_at"] == second["slots"][1]["starts_at"]
        assert clashing["ends_at"] == second["slots"][1]["ends_at"]
        # a slot enclosing another clashes too
        assert_problem(
            await add_slot(admin, rid, etag, org.id, "14:10", "15:30"), 409, "slot_overlap"
        )
        # the failed inserts changed nothing, not even the version
        assert (await admin.get(f"{BASE}/{rid}")).headers["ETag"] == etag

        slot_id = second["slots"][1]["id"]
        onto_first = await admin.patch(
            f"{BASE}/{rid}/slots/{slot_id}",
            json={"starts_at": at("14:20")},
            headers={"If-Match": etag},
        )
        assert (
            assert_problem(onto_first, 409, "slot_overlap")["clashing_slot"]["id"]
            == (first["slots"][0]["id"])
        )
        # a slot does not clash with itself
        later = await admin.patch(
            f"{BASE}/{rid}/slots/{slot_id}",
            json={"starts_at": at("14:40"), "ends_at": at("15:20"), "presenter": "李四"},
            headers={"If-Match": etag},
        )
        assert later.status_code == 200, later.text
        assert times(later.json())[1][1:] == ("14:40", "15:20")
        assert later.json()["slots"][1]["presenter"] == "李四"

    async def test_slots_stay_inside_the_window(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        org = await make_org(db)
        body, etag = await create(admin)
        rid = body["id"]
        early = await add_slot(admin, rid, etag, org.id, "13:45", "14:15")
        assert assert_problem(early, 422, "validation_error")["errors"][0]["field"] == "starts_at"
        late = await add_slot(admin, rid, etag, org.id, "17:15", "17:45")
        problem = assert_problem(late, 422, "validation_error")
        assert problem["errors"][0] == {
            "field": "ends_at",
            "message": "The slot must lie inside the roadshow's time window.",
            "code": "slot_outside_window",
        }
        backwards = await add_slot(admin, rid, etag, org.id, "15:00", "14:30")
        assert assert_problem(backwards, 422, "validation_error")["errors"][0]["field"] == "ends_at"
        empty = await add_slot(admin, rid, etag, org.id, "15:00", "15:00")
        assert empty.status_code == 422
        # the whole window is fine
        await add_ok(admin, rid, etag, org.id, "14:00", "17:30")

    async def test_organisation_and_award_are_checked(
        self, db: AsyncSession, admin: httpx.AsyncClient, client: httpx.AsyncClient
    ) -> None:
        award = await make_entry(db)
        other = await make_entry(db)
        revoked = await make_entry(db, org=await make_org(db))
        await revoke(db, revoked)
        body, etag = await create(admin)
        rid = body["id"]

        unknown = await add_slot(admin, rid, etag, uuid.uuid4(), "14:00", "14:15")
        assert assert_problem(unknown, 422, "validation_error")["errors"][0]["field"] == (
            "organization_id"
        )
        not_theirs = await add_slot(
            admin, rid, etag, award.organization_id, "14:00", "14:15", award_id=str(other.id)
        )
        assert assert_problem(not_theirs, 422, "validation_error")["errors"][0]["code"] == (
            "award_not_of_organization"
        )
        gone = await add_slot(
            admin, rid, etag, revoked.organization_id, "14:00", "14:15", award_id=str(revoked.id)
        )
        assert assert_problem(gone, 422, "validation_error")["errors"][0]["code"] == (
            "award_revoked"
        )

        added, etag = await add_ok(
            admin, rid, etag, award.organization_id, "14:00", "14:15", award_id=str(award.id)
        )
        slot = added["slots"][0]
        assert slot["organization"]["id"] == str(award.organization_id)
        assert slot["organization"]["name_zh"].startswith("测试机构")
        assert slot["product"]["award_id"] == str(award.id)
        assert slot["product"]["certificate_number"] == award.number
        assert slot["product"]["product_name_zh"].startswith("目录测试装备")
        # the catalogue page the public agenda links to is the award's
        assert (await client.get(f"/api/v1/catalogue/products/{award.id}")).status_code == 200

        # changing the organisation alone leaves an award that is not theirs
        moved = await admin.patch(
            f"{BASE}/{rid}/slots/{slot['id']}",
            json={"organization_id": str(other.organization_id)},
            headers={"If-Match": etag},
        )
        assert assert_problem(moved, 422, "validation_error")["errors"][0]["field"] == "award_id"
        cleared = await admin.patch(
            f"{BASE}/{rid}/slots/{slot['id']}",
            json={"organization_id": str(other.organization_id), "award_id": None},
            headers={"If-Match": etag},
        )
        assert cleared.status_code == 200, cleared.text
        assert cleared.json()["slots"][0]["product"] is None

    async def test_slot_edits_need_the_roadshows_if_match(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        org = await make_org(db)
        body, etag = await create(admin)
        rid = body["id"]
        missing = await admin.post(f"{BASE}/{rid}/slots", json=slot_body(org.id, "14:00", "14:30"))
        assert_problem(missing, 428, "precondition_required")
        added, new_etag = await add_ok(admin, rid, etag, org.id, "14:00", "14:30")
        assert_problem(
            await add_slot(admin, rid, etag, org.id, "15:00", "15:30"), 412, "precondition_failed"
        )
        slot_id = added["slots"][0]["id"]
        for response in (
            await admin.patch(f"{BASE}/{rid}/slots/{slot_id}", json={"presenter": "王五"}),
            await admin.delete(f"{BASE}/{rid}/slots/{slot_id}"),
            await admin.post(f"{BASE}/{rid}/slots/{slot_id}/move", json={"direction": "up"}),
        ):
            assert_problem(response, 428, "precondition_required")
        stale = await admin.delete(f"{BASE}/{rid}/slots/{slot_id}", headers={"If-Match": etag})
        assert_problem(stale, 412, "precondition_failed")
        deleted = await admin.delete(
            f"{BASE}/{rid}/slots/{slot_id}", headers={"If-Match": new_etag}
        )
        assert deleted.status_code == 200
        assert deleted.json()["slots"] == []
        assert_problem(
            await admin.delete(
                f"{BASE}/{rid}/slots/{slot_id}", headers={"If-Match": deleted.headers["ETag"]}
            ),
            404,
            "slot_not_found",
        )
        assert await actions(db, rid) == [
            "roadshow.create",
            "roadshow.slot_add",
            "roadshow.slot_delete",
        ]

    async def test_move_swaps_keeping_durations_and_the_gap(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        org = await make_org(db)
        body, etag = await create(admin)
        rid = body["id"]
        _, etag = await add_ok(admin, rid, etag, org.id, "14:00", "14:20", talk_title_en="A")
        _, etag = await add_ok(admin, rid, etag, org.id, "14:25", "14:55", talk_title_en="B")
        c, etag = await add_ok(admin, rid, etag, org.id, "15:30", "15:40", talk_title_en="C")
        a_id, b_id, c_id = (s["id"] for s in c["slots"])

        up = await admin.post(
            f"{BASE}/{rid}/slots/{b_id}/move", json={"direction": "up"}, headers={"If-Match": etag}
        )
        assert up.status_code == 200, up.text
        assert times(up.json()) == [
            ("B", "14:00", "14:30"),
            ("A", "14:35", "14:55"),
            ("C", "15:30", "15:40"),
        ]
        etag = up.headers["ETag"]

        # A, now second, moves down past C: A keeps 20 min, C its 10, the 35-minute gap stays
        down = await admin.post(
            f"{BASE}/{rid}/slots/{a_id}/move",
            json={"direction": "down"},
            headers={"If-Match": etag},
        )
        assert times(down.json()) == [
            ("B", "14:00", "14:30"),
            ("C", "14:35", "14:45"),
            ("A", "15:20", "15:40"),
        ]
        etag = down.headers["ETag"]

        first = await admin.post(
            f"{BASE}/{rid}/slots/{b_id}/move", json={"direction": "up"}, headers={"If-Match": etag}
        )
        assert_problem(first, 409, "slot_already_first")
        last = await admin.post(
            f"{BASE}/{rid}/slots/{a_id}/move",
            json={"direction": "down"},
            headers={"If-Match": etag},
        )
        assert_problem(last, 409, "slot_already_last")
        assert c_id
        assert (await actions(db, rid)).count("roadshow.slot_move") == 2


class TestBadInput:
    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"title_zh": "   "}, "title_zh"),
            ({"title_zh": "x" * 201}, "title_zh"),
            ({"title_zh": "路演\x07"}, "title_zh"),
            ({"title_en": "Line\nbreak"}, "title_en"),
            ({"venue_zh": None}, "venue_zh"),
            ({"description_zh": "ok\x00"}, "description_zh"),
            ({"starts_at": "2021-10-22T14:00:00"}, "starts_at"),
            ({"starts_at": "yesterday"}, "starts_at"),
            ({"status": "published"}, "status"),
        ],
    )
    async def test_bad_events_are_422_problems(
        self, admin: httpx.AsyncClient, change: dict[str, object], field: str
    ) -> None:
        response = await admin.post(BASE, json={**EVENT, **change})
        problem = assert_problem(response, 422, "validation_error")
        assert problem["errors"][0]["field"] == field

    async def test_multi_line_descriptions_are_kept(self, admin: httpx.AsyncClient) -> None:
        body, _ = await create(admin, description_zh="第一行\r\n第二行\t缩进")
        assert body["description_zh"] == "第一行\n第二行\t缩进"

    async def test_bad_slots_and_moves_are_422_problems(
        self, db: AsyncSession, admin: httpx.AsyncClient
    ) -> None:
        org = await make_org(db)
        body, etag = await create(admin)
        rid = body["id"]
        for bad in (
            {"presenter": "x" * 101},
            {"presenter": ""},
            {"talk_title_zh": "\u0085"},
            {"organization_id": "not-a-uuid"},
            {"award_id": 12},
        ):
            response = await admin.post(
                f"{BASE}/{rid}/slots",
                json={**slot_body(org.id, "14:00", "14:30"), **bad},
                headers={"If-Match": etag},
            )
            assert_problem(response, 422, "validation_error")
        added, etag = await add_ok(admin, rid, etag, org.id, "14:00", "14:30")
        slot_id = added["slots"][0]["id"]
        sideways = await admin.post(
            f"{BASE}/{rid}/slots/{slot_id}/move",
            json={"direction": "sideways"},
            headers={"If-Match": etag},
        )
        assert_problem(sideways, 422, "validation_error")
        null_title = await admin.patch(
            f"{BASE}/{rid}/slots/{slot_id}",
            json={"talk_title_zh": None},
            headers={"If-Match": etag},
        )
        assert assert_problem(null_title, 422, "validation_error")["errors"][0]["field"] == (
            "talk_title_zh"
        )
        assert_problem(await admin.get(f"{BASE}/not-a-uuid"), 422, "validation_error")
        assert_problem(
            await admin.post(
                f"{BASE}/{uuid.uuid4()}/slots",
                json=slot_body(org.id, "14:00", "14:30"),
                headers={"If-Match": "*"},
            ),
            404,
            "roadshow_not_found",
        )
