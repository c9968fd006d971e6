"""Demo intake data: the 2021 first batch (intake closed; ~60 applications, most accepted, taken on
through review by api.demo_review) and an open batch of the current year with applications in
every intake state. Idempotent."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.eligibility import product_key
from api.audit import service as audit
from api.calendar import service as calendar
from api.models import (
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    CheckStep,
    Organization,
    OrganizationKind,
    ProductType,
    TechnicalLevel,
)
from api.taxonomy.data import DEFAULT_FIELDS, LEVEL_LABELS

BEIJING_OFFSET = "+08:00"

# field → [(product zh, product en, model prefix, product type)]
PRODUCTS: dict[str, list[tuple[str, str, str, ProductType]]] = {
    "pharma_health": [
        (
            "1.5T超导磁共振成像系统",
            "1.5T superconducting MRI system",
            "JR-MR15",
            ProductType.complete_machine,
        ),
        (
            "全自动化学发光免疫分析仪",
            "Automated chemiluminescence immunoassay analyser",
            "JR-CL8",
            ProductType.complete_machine,
        ),
        (
            "手术机器人力反馈控制器",
            "Force-feedback controller for surgical robots",
            "JR-FC2",
            ProductType.control_system,
        ),
    ],
    "integrated_circuits": [
        (
            "12英寸晶圆等离子刻蚀机",
            "12-inch wafer plasma etcher",
            "ZX-E300",
            ProductType.complete_machine,
        ),
        (
            "化学机械抛光设备",
            "Chemical mechanical polishing tool",
            "ZX-CMP2",
            ProductType.complete_machine,
        ),
        (
            "晶圆缺陷光学检测系统",
            "Optical wafer defect inspection system",
            "ZK-WI5",
            ProductType.complete_machine,
        ),
    ],
    "transport": [
        (
            "全自动无人驾驶地铁信号系统",
            "Fully automatic metro signalling system",
            "GD-CBTC4",
            ProductType.control_system,
        ),
        (
            "氢燃料电池城市客车动力总成",
            "Hydrogen fuel-cell bus powertrain",
            "YS-H120",
            ProductType.core_component,
        ),
    ],
    "robotics_manufacturing": [
        ("七轴协作机器人", "Seven-axis collaborative robot", "TH-C7", ProductType.complete_machine),
        ("精密谐波减速器", "Precision harmonic reducer", "TH-HR20", ProductType.core_component),
        ("五轴联动数控系统", "Five-axis CNC system", "SZ-CNC5", ProductType.control_system),
    ],
    "special_intelligent_equipment": [
        (
            "智能除雪作业车",
            "Intelligent snow-clearing vehicle",
            "ZH-SC3",
            ProductType.complete_machine,
        ),
        (
            "丘陵山地智能收获机",
            "Intelligent harvester for hilly terrain",
            "NJ-HV6",
            ProductType.complete_machine,
        ),
    ],
    "energy_environment": [
        (
            "垃圾焚烧烟气超低排放成套装备",
            "Ultra-low-emission flue gas treatment set",
            "QN-FG9",
            ProductType.complete_machine,
        ),
        (
            "兆瓦级质子交换膜电解槽",
            "Megawatt PEM electrolyser",
            "YS-PEM1",
            ProductType.complete_machine,
        ),
        (
            "百兆瓦级压缩空气储能膨胀机",
            "100 MW compressed-air energy storage expander",
            "QN-CAES1",
            ProductType.complete_machine,
        ),
        (
            "十兆瓦级海上风电主轴轴承",
            "Main shaft bearing for 10 MW offshore wind turbines",
            "YS-WB10",
            ProductType.core_component,
        ),
    ],
    "aerospace": [
        (
            "卫星姿态控制飞轮",
            "Satellite attitude-control reaction wheel",
            "HH-RW10",
            ProductType.core_component,
        ),
        (
            "航空发动机高温合金叶片",
            "Superalloy turbine blades for aero engines",
            "SH-TB7",
            ProductType.basic_material,
        ),
    ],
    "frontier_equipment": [
        (
            "光谱共焦三维测量仪",
            "Confocal spectral 3-D profiler",
            "GP-CS3",
            ProductType.complete_machine,
        ),
        (
            "工业设计仿真软件",
            "Industrial design simulation software",
            "SZ-SIM",
            ProductType.software,
        ),
    ],
}
# The demo applicant's application in the open batch, submitted and waiting for the district.
OWN_PRODUCT: tuple[str, tuple[str, str, str, ProductType]] = (
    "integrated_circuits",
    ("12英寸晶圆键合设备", "12-inch wafer bonding system", "ZX-WB12", ProductType.complete_machine),
)
# org key (see api.demo.ORGS) per field, so products come from plausible enterprises
MAKERS: dict[str, list[str]] = {
    "pharma_health": ["jingrui"],
    "integrated_circuits": ["zhixin", "zhongke"],
    "transport": ["guidao", "yanshan"],
    "robotics_manufacturing": ["tianheng", "shuzhi"],
    "special_intelligent_equipment": ["zhaohui", "nongji"],
    "energy_environment": ["qingneng", "yanshan"],
    "aerospace": ["huahang", "shunhang"],
    "frontier_equipment": ["guangpu", "xincai"],
}
Mix = list[tuple[ApplicationStatus, CheckStep | None, int]]
# The 2021 batch went on through review to the award (api.demo_review): most were accepted.
MIX_2021: Mix = [
    (ApplicationStatus.draft, None, 2),
    (ApplicationStatus.returned, CheckStep.district, 2),
    (ApplicationStatus.accepted, None, 48),
    (ApplicationStatus.rejected, CheckStep.district, 3),
    (ApplicationStatus.rejected, CheckStep.formal, 2),
    (ApplicationStatus.withdrawn, None, 3),
]
# The open batch of the current year holds every intake state, for the district and formal
# queues.
MIX_OPEN: Mix = [
    (ApplicationStatus.draft, None, 2),
    (ApplicationStatus.submitted, None, 8),
    (ApplicationStatus.returned, CheckStep.district, 4),
    (ApplicationStatus.recommended, None, 6),
    (ApplicationStatus.returned, CheckStep.formal, 2),
    (ApplicationStatus.accepted, None, 3),
    (ApplicationStatus.rejected, CheckStep.district, 1),
    (ApplicationStatus.rejected, CheckStep.formal, 1),
    (ApplicationStatus.withdrawn, None, 1),
]
# The audit trail each final state went through (verbs as in api.applications.service).
PATHS: dict[tuple[ApplicationStatus, CheckStep | None], list[tuple[str, ApplicationStatus]]] = {
    (ApplicationStatus.draft, None): [],
    (ApplicationStatus.submitted, None): [("submit", ApplicationStatus.submitted)],
    (ApplicationStatus.returned, CheckStep.district): [
        ("submit", ApplicationStatus.submitted),
        ("district_return", ApplicationStatus.returned),
    ],
    (ApplicationStatus.recommended, None): [
        ("submit", ApplicationStatus.submitted),
        ("district_recommend", ApplicationStatus.recommended),
    ],
    (ApplicationStatus.returned, CheckStep.formal): [
        ("submit", ApplicationStatus.submitted),
        ("district_recommend", ApplicationStatus.recommended),
        ("formal_return", ApplicationStatus.returned),
    ],
    (ApplicationStatus.accepted, None): [
        ("submit", ApplicationStatus.submitted),
        ("district_recommend", ApplicationStatus.recommended),
        ("formal_accept", ApplicationStatus.accepted),
    ],
    (ApplicationStatus.rejected, CheckStep.district): [
        ("submit", ApplicationStatus.submitted),
        ("district_reject", ApplicationStatus.rejected),
    ],
    (ApplicationStatus.rejected, CheckStep.formal): [
        ("submit", ApplicationStatus.submitted),
        ("district_recommend", ApplicationStatus.recommended),
        ("formal_reject", ApplicationStatus.rejected),
    ],
    (ApplicationStatus.withdrawn, None): [
        ("submit", ApplicationStatus.submitted),
        ("withdraw", ApplicationStatus.withdrawn),
    ],
}
RETURN_REASONS = [
    "检测报告缺少CMA盖章页，请补充。",
    "销售合同与发票金额不一致，请核对说明。",
    "查新报告超过有效期，请重新提供。",
]
REJECT_REASONS = ["产品已在北京销售超过3台(套)，不符合申报条件。", "申报产品不属于本批次支持领域。"]


def _patent_number(rng: random.Random) -> str:
    return f"ZL20{rng.randint(18, 23)}1{rng.randint(1000000, 9999999)}.{rng.randint(0, 9)}"


def _content(
    rng: random.Random, field: str, name_zh: str, name_en: str, model: str, kind: ProductType
) -> dict[str, Any]:
    level = rng.choice(list(TechnicalLevel))
    units = rng.randint(0, 3)
    return {
        "product_name_zh": name_zh,
        "product_name_en": name_en,
        "model_spec": model,
        "product_key": product_key(name_zh, model),
        "field": field,
        "product_type": kind,
        "claimed_level": level,
        "summary_zh": f"{name_zh}突破关键核心技术，主要性能指标达到{LEVEL_LABELS[level][0]}水平，"
        "已完成工程化验证，具备批量供货能力。",
        "summary_en": f"The {name_en.lower()} overcomes key core technologies and has "
        "completed engineering validation.",
        "indicators": [
            {
                "indicator": "关键性能指标",
                "unit": "%",
                "own_value": f"{rng.uniform(95, 99.9):.1f}",
                "best_domestic": f"{rng.uniform(90, 95):.1f}",
                "best_international": f"{rng.uniform(96, 99.9):.1f}",
                "evidence": "第三方检测报告",
            },
            {
                "indicator": "平均无故障时间",
                "unit": "h",
                "own_value": str(rng.randint(3, 9) * 1000),
                "best_domestic": "3000",
                "best_international": "8000",
                "evidence": "用户运行报告",
            },
        ],
        "ip_rights": [
            {
                "number": _patent_number(rng),
                "type": "invention_patent",
                "status": "granted",
            }
        ],
        "sales": [
            {
                "buyer": "北京示范用户单位",
                "date": f"2020-{rng.randint(1, 12):02d}-15",
                "units": units,
                "amount_yuan": f"{units * rng.randint(80, 900) * 10000}.00",
                "in_beijing": True,
            }
        ]
        if units
        else [],
        "licences": [
            {
                "name": "医疗器械注册证",
                "number": "国械注准" + str(rng.randint(20203000000, 20203999999)),
            }
        ]
        if field == "pharma_health"
        else [],
        "price_yuan": Decimal(rng.randint(50, 3000) * 10000),
        "expected_demonstration_use": "拟在北京市重点工程中开展首台(套)示范应用。",
    }


async def _batch(session: AsyncSession, year: int, sequence: int, **values: Any) -> Batch:
    batch = await session.scalar(
        select(Batch).where(Batch.year == year, Batch.sequence == sequence)
    )
    if batch is None:
        batch = Batch(year=year, sequence=sequence, **values)
        session.add(batch)
        await session.flush()
        await audit.record(
            session,
            actor=None,
            action="batch.create",
            object_type="batch",
            object_id=batch.id,
            after={"status": batch.status},
            note="demo data",
        )
    return batch


async def load_intake_demo(session: AsyncSession, orgs: dict[str, Organization]) -> int:
    """The 2021 batch (closed for intake) and the open batch of the current year; returns the
    number of applications added."""
    now = datetime.now(UTC)
    open_batch = await _batch(
        session,
        now.year,
        2,
        title_zh=f"{now.year}年第二批首台(套)重大技术装备",
        title_en=f"{now.year} second batch",
        fields=list(DEFAULT_FIELDS),
        opens_at=datetime(now.year, 1, 1, tzinfo=UTC),
        closes_at=max(datetime(now.year, 12, 31, 9, tzinfo=UTC), now + timedelta(days=60)),
        status=BatchStatus.open,
    )
    first_2021 = await _batch(
        session,
        2021,
        1,
        title_zh="2021年第一批首台(套)重大技术装备",
        title_en="2021 first batch",
        fields=list(DEFAULT_FIELDS),
        opens_at=datetime.fromisoformat(f"2021-03-01T09:00:00{BEIJING_OFFSET}"),
        closes_at=datetime.fromisoformat(f"2021-04-30T17:00:00{BEIJING_OFFSET}"),
        status=BatchStatus.closed,
    )
    added = await add_applications(
        session, first_2021, MIX_2021, orgs, seed=2021, submitted_from=date(2021, 4, 1)
    )
    # Returns of the open batch: some made three weeks ago (overdue), some today.
    added += await add_applications(
        session,
        open_batch,
        MIX_OPEN,
        orgs,
        seed=now.year,
        submitted_from=(now - timedelta(days=40)).date(),
        offset=7,
        # The demo applicant's own case waits in its district officer's queue.
        own=orgs["zhixin"],
    )
    return added


async def add_applications(
    session: AsyncSession,
    batch: Batch,
    mix: Mix,
    orgs: dict[str, Organization],
    *,
    seed: int,
    submitted_from: date,
    offset: int = 0,
    own: Organization | None = None,
) -> int:
    """Fill an empty batch with applications ending in the states of `mix`, each with the audit
    trail that got it there; a batch that has applications is left alone. `offset` shifts the
    products taken from the catalogue so that batches do not repeat each other; the first
    submitted application is `own`'s, when given."""
    existing = await session.scalar(
        select(func.count()).select_from(Application).where(Application.batch_id == batch.id)
    )
    if existing:
        return 0

    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    catalogue = [(field, p) for field, products in PRODUCTS.items() for p in products]
    states = [(status, step) for status, step, n in mix for _ in range(n)]
    today = datetime.now(UTC).date()
    added = 0
    for index, (status, step) in enumerate(states):
        field, (name_zh, name_en, model_prefix, kind) = catalogue[(index + offset) % len(catalogue)]
        generation = index // len(catalogue)
        model = f"{model_prefix}{'-' + chr(65 + generation) if generation else ''}"
        org = orgs[rng.choice(MAKERS[field])]
        if own is not None and status == ApplicationStatus.submitted:
            org, own = own, None
            field, (name_zh, name_en, model, kind) = OWN_PRODUCT
        assert org.kind == OrganizationKind.enterprise
        submitted_on = submitted_from + timedelta(days=rng.randint(0, 28))
        submitted = datetime.fromisoformat(f"{submitted_on.isoformat()}T10:00:00{BEIJING_OFFSET}")
        application = Application(
            batch_id=batch.id,
            organization_id=org.id,
            status=status,
            version=1,
            submitted_at=submitted if status != ApplicationStatus.draft else None,
            **_content(
                rng,
                field,
                name_zh if not generation else f"{name_zh}（{model}）",
                name_en,
                model,
                kind,
            ),
        )
        if status == ApplicationStatus.returned:
            application.return_step = step
            application.return_reason = rng.choice(RETURN_REASONS)
            # Some corrections are overdue, some still running.
            start = submitted_on + timedelta(days=7) if index % 2 else today
            try:
                application.return_deadline_on = await calendar.add_working_days(
                    session, start + timedelta(days=1), 5
                )
            except calendar.CalendarYearUnknown:
                # Demo data only: a year the calendar does not know yet counts a plain week.
                application.return_deadline_on = start + timedelta(days=7)
        if status == ApplicationStatus.rejected:
            application.decision_reason = rng.choice(REJECT_REASONS)
        session.add(application)
        await session.flush()
        await audit.record(
            session,
            actor=None,
            action="application.create",
            object_type="application",
            object_id=application.id,
            after={"status": ApplicationStatus.draft},
            note="demo data",
        )
        previous = ApplicationStatus.draft
        for verb, reached in PATHS[(status, step)]:
            note = (
                application.return_reason
                if verb.endswith("_return")
                else (application.decision_reason if verb.endswith("_reject") else None)
            )
            await audit.record(
                session,
                actor=None,
                action=f"application.{verb}",
                object_type="application",
                object_id=application.id,
                before={"status": previous},
                after={"status": reached},
                note=note,
            )
            previous = reached
        added += 1
    return added
