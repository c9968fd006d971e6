"""Fictional, bilingual demo data. Idempotent: running it twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.auth.passwords import hash_password
from api.config import DEMO_PASSWORD
from api.models import District, Locale, Membership, Organization, OrganizationKind, Role, User
from api.organizations.uscc import check_character

DEMO_DOMAIN = "demo.firstset.cn"

# Administrative division codes used in the USCC (characters 3–8).
DIVISION_CODES: dict[District, str] = {
    District.dongcheng: "110101",
    District.xicheng: "110102",
    District.chaoyang: "110105",
    District.fengtai: "110106",
    District.shijingshan: "110107",
    District.haidian: "110108",
    District.mentougou: "110109",
    District.fangshan: "110111",
    District.tongzhou: "110112",
    District.shunyi: "110113",
    District.changping: "110114",
    District.daxing: "110115",
    District.huairou: "110116",
    District.pinggu: "110117",
    District.miyun: "110118",
    District.yanqing: "110119",
}


def make_uscc(prefix: str, district: District, serial: int) -> str:
    """A well-formed code: registration type, division code, a serial, the check character."""
    body = f"{prefix}{DIVISION_CODES[district]}MA{serial:07d}"
    return body + check_character(body)


@dataclass(frozen=True)
class DemoOrg:
    key: str
    name_zh: str
    name_en: str
    district: District
    kind: OrganizationKind


ORGS = [
    DemoOrg(
        "drc",
        "北京市发展和改革委员会",
        "Beijing Municipal Commission of Development and Reform",
        District.tongzhou,
        OrganizationKind.agency,
    ),
    DemoOrg(
        "eit",
        "北京市经济和信息化局",
        "Beijing Municipal Bureau of Economy and Information Technology",
        District.tongzhou,
        OrganizationKind.agency,
    ),
    DemoOrg(
        "haidian_drc",
        "北京市海淀区发展和改革委员会",
        "Haidian District Development and Reform Commission",
        District.haidian,
        OrganizationKind.district_office,
    ),
    DemoOrg(
        "chaoyang_drc",
        "北京市朝阳区发展和改革委员会",
        "Chaoyang District Development and Reform Commission",
        District.chaoyang,
        OrganizationKind.district_office,
    ),
    DemoOrg(
        "zhixin",
        "北京智芯微装半导体设备有限公司",
        "Beijing Zhixin Microfab Semiconductor Equipment Co., Ltd.",
        District.haidian,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "tianheng",
        "北京天衡精密机器人科技有限公司",
        "Beijing Tianheng Precision Robotics Co., Ltd.",
        District.daxing,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "jingrui",
        "北京京瑞医疗影像设备有限公司",
        "Beijing Jingrui Medical Imaging Equipment Co., Ltd.",
        District.changping,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "huahang",
        "北京华航星控航天技术有限公司",
        "Beijing Huahang Xingkong Aerospace Technology Co., Ltd.",
        District.fengtai,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "qingneng",
        "北京清能环保装备股份有限公司",
        "Beijing Qingneng Environmental Equipment Co., Ltd.",
        District.tongzhou,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "guidao",
        "北京轨道智联交通装备有限公司",
        "Beijing Guidao Zhilian Transit Equipment Co., Ltd.",
        District.shijingshan,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "zhongke",
        "北京中科量测仪器有限公司",
        "Beijing Zhongke Metrology Instruments Co., Ltd.",
        District.haidian,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "yanshan",
        "北京燕山氢能动力科技有限公司",
        "Beijing Yanshan Hydrogen Power Technology Co., Ltd.",
        District.fangshan,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "zhaohui",
        "北京朝晖智能专用装备有限公司",
        "Beijing Zhaohui Intelligent Special Equipment Co., Ltd.",
        District.chaoyang,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "shunhang",
        "北京顺航航空部件制造有限公司",
        "Beijing Shunhang Aero Components Manufacturing Co., Ltd.",
        District.shunyi,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "guangpu",
        "北京怀柔光谱科学仪器有限公司",
        "Beijing Huairou Spectral Scientific Instruments Co., Ltd.",
        District.huairou,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "nongji",
        "北京密云智能农机装备有限公司",
        "Beijing Miyun Intelligent Agricultural Machinery Co., Ltd.",
        District.miyun,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "shuzhi",
        "北京东城数智控制系统有限公司",
        "Beijing Dongcheng Shuzhi Control Systems Co., Ltd.",
        District.dongcheng,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "xincai",
        "北京西城先进基础材料科技有限公司",
        "Beijing Xicheng Advanced Materials Technology Co., Ltd.",
        District.xicheng,
        OrganizationKind.enterprise,
    ),
    DemoOrg(
        "gongyan",
        "北京工业技术研究院",
        "Beijing Institute of Industrial Technology",
        District.haidian,
        OrganizationKind.other,
    ),
    DemoOrg(
        "zhuangbei_univ",
        "首都装备工程大学",
        "Capital University of Equipment Engineering",
        District.changping,
        OrganizationKind.other,
    ),
    DemoOrg(
        "sheji",
        "京华机电设计研究院",
        "Jinghua Mechanical and Electrical Design Institute",
        District.xicheng,
        OrganizationKind.other,
    ),
]

# (e-mail local part, display name, locale, role, organisation key)
USERS: list[tuple[str, str, Locale, Role, str]] = [
    ("admin", "市发改委管理员 Admin", Locale.zh_cn, Role.admin, "drc"),
    ("applicant", "张明 Zhang Ming", Locale.zh_cn, Role.applicant, "zhixin"),
    ("district", "海淀区审核员 Li Na", Locale.zh_cn, Role.district_officer, "haidian_drc"),
    ("agency", "市经信局 Wang Lei", Locale.zh_cn, Role.agency_officer, "eit"),
]
_EXPERT_NAMES = [
    "陈立 Chen Li",
    "刘洋 Liu Yang",
    "赵敏 Zhao Min",
    "孙浩 Sun Hao",
    "周婷 Zhou Ting",
    "吴刚 Wu Gang",
    "郑华 Zheng Hua",
    "王芳 Wang Fang",
    "冯强 Feng Qiang",
    "何静 He Jing",
    "许波 Xu Bo",
    "高峰 Gao Feng",
]
_EXPERT_EMPLOYERS = ["gongyan", "zhuangbei_univ", "sheji", "zhongke"]
USERS += [
    (
        f"expert{i}",
        name,
        Locale.en if i % 4 == 0 else Locale.zh_cn,
        Role.expert,
        _EXPERT_EMPLOYERS[(i - 1) % len(_EXPERT_EMPLOYERS)],
    )
    for i, name in enumerate(_EXPERT_NAMES, start=1)
]


def demo_email(local: str) -> str:
    return f"{local}@{DEMO_DOMAIN}"


def _uscc(index: int, org: DemoOrg) -> str:
    prefix = {"enterprise": "91", "agency": "11", "district_office": "11", "other": "12"}[org.kind]
    return make_uscc(prefix, org.district, 1000 + index)


async def load_demo(session: AsyncSession) -> dict[str, int]:
    """Create what is missing; return how many organisations, users and applications were
    added."""
    from api.agency.demo import load_demo_client
    from api.demo_followup import load_followup_demo
    from api.demo_intake import load_intake_demo
    from api.demo_review import load_review_demo, principal_of

    added = {"organizations": 0, "users": 0, "applications": 0}
    orgs: dict[str, Organization] = {}
    for index, spec in enumerate(ORGS):
        uscc = _uscc(index, spec)
        org = await session.scalar(select(Organization).where(Organization.uscc == uscc))
        if org is None:
            org = Organization(
                name_zh=spec.name_zh,
                name_en=spec.name_en,
                uscc=uscc,
                district=spec.district,
                kind=spec.kind,
            )
            session.add(org)
            added["organizations"] += 1
        orgs[spec.key] = org
    await session.flush()

    password_hash: str | None = None
    for local, name, locale, role, org_key in USERS:
        email = demo_email(local)
        user = await session.scalar(select(User).where(User.email == email))
        if user is None:
            password_hash = password_hash or await hash_password(DEMO_PASSWORD)
            user = User(email=email, display_name=name, locale=locale, password_hash=password_hash)
            session.add(user)
            await session.flush()
            added["users"] += 1
        org_id = orgs[org_key].id
        exists = await session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.organization_id == org_id,
                Membership.role == role,
            )
        )
        if exists is None:
            session.add(Membership(user_id=user.id, organization_id=org_id, role=role))
    await session.flush()
    added["applications"] = await load_intake_demo(session, orgs)
    await load_review_demo(session, orgs, {local: demo_email(local) for local, *_ in USERS})
    await load_followup_demo(session, await principal_of(session, demo_email("admin")))
    await load_demo_client(session, orgs["eit"])
    return added
