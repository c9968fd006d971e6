"""Demo roadshows: the 2021 awarding roadshow of the seed news article, with the 2021 first
batch's awarded products on its agenda, and an upcoming draft for this year.

Everything goes through the roadshow service, so the rules, versions and audit trail are the
real ones. Idempotent: an event whose Chinese title exists already is left alone."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today as beijing_today
from api.demo_intake import BEIJING_OFFSET
from api.models import Application, Award, Batch, Roadshow
from api.permissions import Principal
from api.roadshows import service
from api.roadshows.schemas import RoadshowCreate, SlotCreate

TITLE_2021_ZH = "2021首台(套)重大技术装备及项目授牌路演"
TITLE_2021_EN = "2021 First (Set) Major Technical Equipment Awarding and Project Roadshow"
VENUE_ZH = "中关村国家自主创新示范区展示中心"
VENUE_EN = "Zhongguancun National Independent Innovation Demonstration Zone Exhibition Center"
DESCRIPTION_2021_ZH = (
    "作为2021年全国大众创业万众创新活动周北京会场的活动之一，本次活动为2021年第一批"
    "首台(套)重大技术装备获奖单位现场授牌，并由获奖单位逐一路演，向用户单位、投资机构和"
    "金融机构推介首台(套)产品及示范应用项目，促进供需对接。"
)
DESCRIPTION_2021_EN = (
    "Part of the Beijing venue of the 2021 National Mass Entrepreneurship and Innovation Week. "
    "The enterprises of the 2021 first batch of first (set) major technical equipment receive "
    "their awards on stage and present their products and demonstration projects to user "
    "enterprises, investors and financial institutions."
)
SLOTS_2021 = 12
SLOT_MINUTES = 15
BREAK_MINUTES = 5

# Fictional presenters.
PRESENTERS = (
    "王志远",
    "李静怡",
    "张宏伟",
    "刘晓峰",
    "陈思敏",
    "杨建国",
    "赵一鸣",
    "黄雅琴",
    "周立新",
    "吴振华",
    "孙若兰",
    "马俊杰",
)
TALKS = (
    ("{zh}的研制与首台(套)应用", "{en}: development and first application"),
    ("{zh}：突破关键技术，实现国产替代", "{en}: key technologies and import substitution"),
    ("{zh}示范应用项目介绍", "{en}: the demonstration project"),
    ("{zh}的产业化之路", "{en}: the road to industrial production"),
)


def _at(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00{BEIJING_OFFSET}")


async def _exists(session: AsyncSession, title_zh: str) -> bool:
    found = await session.scalar(select(Roadshow.id).where(Roadshow.title_zh == title_zh))
    return found is not None


async def _awards_2021(session: AsyncSession) -> list[tuple[Award, Application]]:
    """Twelve unrevoked awards of the 2021 first batch, as many organisations as there are
    first, in certificate order."""
    rows = (
        await session.execute(
            select(Award, Application)
            .join(Batch, Batch.id == Award.batch_id)
            .join(Application, Application.id == Award.application_id)
            .where(Batch.year == 2021, Batch.sequence == 1, Award.revoked_at.is_(None))
            .order_by(Award.sequence)
        )
    ).all()
    picked: list[tuple[Award, Application]] = []
    seen: set[uuid.UUID] = set()
    for award, application in rows:
        if award.organization_id not in seen:
            seen.add(award.organization_id)
            picked.append((award, application))
    for award, application in rows:
        if (award, application) not in picked:
            picked.append((award, application))
    return sorted(picked[:SLOTS_2021], key=lambda pair: pair[0].sequence)


async def _roadshow_2021(session: AsyncSession, admin: Principal) -> None:
    day = "2021-10-22"
    roadshow = await service.create_roadshow(
        session,
        admin,
        RoadshowCreate(
            title_zh=TITLE_2021_ZH,
            title_en=TITLE_2021_EN,
            starts_at=_at(day, "14:00"),
            ends_at=_at(day, "17:30"),
            venue_zh=VENUE_ZH,
            venue_en=VENUE_EN,
            description_zh=DESCRIPTION_2021_ZH,
            description_en=DESCRIPTION_2021_EN,
        ),
    )
    # Opening and awarding 14:00–14:15, then the talks with a short break halfway.
    starts_at = _at(day, "14:15")
    awards = await _awards_2021(session)
    for index, (award, application) in enumerate(awards):
        if index == len(awards) // 2:
            starts_at += timedelta(minutes=BREAK_MINUTES)
        zh, en = TALKS[index % len(TALKS)]
        ends_at = starts_at + timedelta(minutes=SLOT_MINUTES)
        await service.add_slot(
            session,
            admin,
            roadshow.id,
            SlotCreate(
                starts_at=starts_at,
                ends_at=ends_at,
                organization_id=award.organization_id,
                award_id=award.id,
                talk_title_zh=zh.format(zh=application.product_name_zh)[:200],
                talk_title_en=en.format(
                    en=application.product_name_en or application.product_name_zh
                )[:200],
                presenter=PRESENTERS[index % len(PRESENTERS)],
            ),
            service.etag(roadshow),
        )
        starts_at = ends_at
    await service.publish_roadshow(session, admin, roadshow.id, service.etag(roadshow))


async def _upcoming_draft(session: AsyncSession, admin: Principal, year: int) -> None:
    day = f"{year}-11-18"
    await service.create_roadshow(
        session,
        admin,
        RoadshowCreate(
            title_zh=f"{year}首台(套)重大技术装备供需对接路演",
            title_en=f"{year} First (Set) Major Technical Equipment Supply and Demand Roadshow",
            starts_at=_at(day, "09:30"),
            ends_at=_at(day, "12:00"),
            venue_zh=VENUE_ZH,
            venue_en=VENUE_EN,
            description_zh="面向用户单位推介本年度首台(套)重大技术装备，议程筹备中。",
            description_en="Presenting this year's first (set) equipment to user enterprises; "
            "the agenda is in preparation.",
        ),
    )


async def load_roadshows(session: AsyncSession, admin: Principal) -> int:
    """Create the demo roadshows that are missing; how many were created."""
    created = 0
    if not await _exists(session, TITLE_2021_ZH):
        await _roadshow_2021(session, admin)
        created += 1
    year = beijing_today().year
    if not await _exists(session, f"{year}首台(套)重大技术装备供需对接路演"):
        await _upcoming_draft(session, admin, year)
        created += 1
    return created
