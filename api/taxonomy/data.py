"""Bilingual labels of the fixed vocabularies."""

from __future__ import annotations

from api.models import District, ProductType, TechnicalLevel

DISTRICT_LABELS: dict[District, tuple[str, str]] = {
    District.dongcheng: ("东城区", "Dongcheng"),
    District.xicheng: ("西城区", "Xicheng"),
    District.chaoyang: ("朝阳区", "Chaoyang"),
    District.fengtai: ("丰台区", "Fengtai"),
    District.shijingshan: ("石景山区", "Shijingshan"),
    District.haidian: ("海淀区", "Haidian"),
    District.mentougou: ("门头沟区", "Mentougou"),
    District.fangshan: ("房山区", "Fangshan"),
    District.tongzhou: ("通州区", "Tongzhou"),
    District.shunyi: ("顺义区", "Shunyi"),
    District.changping: ("昌平区", "Changping"),
    District.daxing: ("大兴区", "Daxing"),
    District.huairou: ("怀柔区", "Huairou"),
    District.pinggu: ("平谷区", "Pinggu"),
    District.miyun: ("密云区", "Miyun"),
    District.yanqing: ("延庆区", "Yanqing"),
}


# Fields (领域) of Beijing's 2025 call; a batch offers a subset (2024 also had new_infrastructure).
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "pharma_health": ("医药健康", "Pharma & health"),
    "integrated_circuits": ("集成电路", "Integrated circuits"),
    "transport": ("交通", "Transport"),
    "robotics_manufacturing": ("机器人及智能制造", "Robotics & intelligent manufacturing"),
    "special_intelligent_equipment": ("特色智能专用装备", "Specialised intelligent equipment"),
    "energy_environment": (
        "高端能源及节能环保装备",
        "High-end energy, energy-saving & environmental equipment",
    ),
    "aerospace": ("航空航天", "Aerospace"),
    "frontier_equipment": ("前沿领域关键设备", "Frontier key equipment"),
    "new_infrastructure": ("新型基础设施关键设备", "New-infrastructure key equipment"),
}
DEFAULT_FIELDS = [code for code in FIELD_LABELS if code != "new_infrastructure"]
# Fields whose products are regulated and need a licence (e.g. medical device registration).
REGULATED_FIELDS = frozenset({"pharma_health"})

PRODUCT_TYPE_LABELS: dict[ProductType, tuple[str, str]] = {
    ProductType.complete_machine: ("整机/成套", "Complete machine or set"),
    ProductType.core_component: ("核心零部件", "Core component"),
    ProductType.control_system: ("控制系统", "Control system"),
    ProductType.basic_material: ("基础材料", "Basic material"),
    ProductType.software: ("软件", "Software"),
}

LEVEL_LABELS: dict[TechnicalLevel, tuple[str, str]] = {
    TechnicalLevel.international_leading: ("国际领先", "International leading"),
    TechnicalLevel.international_advanced: ("国际先进", "International advanced"),
    TechnicalLevel.domestic_leading: ("国内领先", "Domestic leading"),
    TechnicalLevel.domestic_advanced: ("国内先进", "Domestic advanced"),
}
