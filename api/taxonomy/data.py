"""Bilingual labels of the fixed vocabularies."""

from __future__ import annotations

from api.models import District

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
