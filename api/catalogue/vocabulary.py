"""The parts synthetic catalogue entries are built from: bilingual name and summary pieces in the
style of real first-set equipment (智能 + 刻蚀机 → 智能刻蚀机 / Intelligent etcher), and the
weights that make fields, levels and districts about as uneven as the real programme's."""

from __future__ import annotations

from api.models import District, ProductType, TechnicalLevel

Pair = tuple[str, str]

PREFIXES: list[Pair] = [
    ("智能", "Intelligent"),
    ("高精度", "High-precision"),
    ("大型", "Large"),
    ("全自动", "Fully automatic"),
    ("超高速", "Ultra-high-speed"),
    ("数字化", "Digital"),
    ("模块化", "Modular"),
    ("高效", "High-efficiency"),
    ("紧凑型", "Compact"),
    ("多轴", "Multi-axis"),
    ("低温", "Cryogenic"),
    ("高压", "High-pressure"),
    ("便携式", "Portable"),
    ("新一代", "Next-generation"),
    ("国产化", "Domestically made"),
]

CORES: dict[str, list[Pair]] = {
    "integrated_circuits": [
        ("刻蚀机", "etcher"),
        ("离子注入机", "ion implanter"),
        ("薄膜沉积设备", "thin-film deposition system"),
        ("光刻胶涂布机", "photoresist coater"),
        ("晶圆清洗机", "wafer cleaner"),
        ("化学机械抛光机", "CMP polisher"),
        ("探针台", "wafer prober"),
        ("引线键合机", "wire bonder"),
    ],
    "pharma_health": [
        ("磁共振成像系统", "MRI system"),
        ("手术机器人", "surgical robot"),
        ("CT扫描仪", "CT scanner"),
        ("体外诊断分析仪", "IVD analyser"),
        ("质子治疗系统", "proton therapy system"),
        ("超声诊断仪", "ultrasound scanner"),
        ("基因测序仪", "gene sequencer"),
    ],
    "transport": [
        ("轨道检测车", "track inspection vehicle"),
        ("牵引变流器", "traction converter"),
        ("氢燃料电池发动机", "hydrogen fuel-cell engine"),
        ("盾构机", "tunnel boring machine"),
        ("列车信号控制系统", "train signalling system"),
        ("纯电动客车", "battery-electric bus"),
    ],
    "robotics_manufacturing": [
        ("工业机器人", "industrial robot"),
        ("数控机床", "CNC machine tool"),
        ("协作机器人", "collaborative robot"),
        ("激光切割机", "laser cutter"),
        ("增材制造设备", "additive manufacturing system"),
        ("精密减速器", "precision reducer"),
        ("伺服电机", "servo motor"),
    ],
    "special_intelligent_equipment": [
        ("巡检机器人", "inspection robot"),
        ("消防机器人", "firefighting robot"),
        ("无人机", "unmanned aerial vehicle"),
        ("X射线安检机", "X-ray security scanner"),
        ("应急救援装备", "emergency rescue equipment"),
    ],
    "energy_environment": [
        ("燃气轮机", "gas turbine"),
        ("储能变流器", "energy-storage converter"),
        ("光伏逆变器", "PV inverter"),
        ("垃圾焚烧炉", "waste incinerator"),
        ("污水处理装置", "wastewater treatment unit"),
        ("氢气压缩机", "hydrogen compressor"),
        ("特高压变压器", "UHV transformer"),
    ],
    "aerospace": [
        ("卫星姿态控制系统", "satellite attitude control system"),
        ("航空发动机叶片", "aero-engine blade"),
        ("星载相机", "spaceborne camera"),
        ("液体火箭发动机", "liquid rocket engine"),
        ("机载雷达", "airborne radar"),
    ],
    "frontier_equipment": [
        ("量子计算机", "quantum computer"),
        ("超导磁体", "superconducting magnet"),
        ("太赫兹成像仪", "terahertz imager"),
        ("冷原子钟", "cold-atom clock"),
        ("脑机接口设备", "brain-computer interface device"),
    ],
    "new_infrastructure": [
        ("5G基站", "5G base station"),
        ("边缘计算服务器", "edge computing server"),
        ("数据中心液冷系统", "data-centre liquid cooling system"),
        ("工业互联网网关", "industrial internet gateway"),
    ],
}

TECHNIQUES: list[Pair] = [
    ("自主可控", "self-developed"),
    ("数字孪生", "digital-twin"),
    ("机器视觉", "machine-vision"),
    ("高速伺服", "high-speed servo"),
    ("低功耗", "low-power"),
    ("人工智能", "AI"),
    ("5G通信", "5G communication"),
    ("模块化设计", "modular design"),
]
FEATURES: list[Pair] = [
    ("定位精度优于0.5微米", "positioning accuracy better than 0.5 µm"),
    ("整机能耗降低30%", "energy use cut by 30%"),
    ("连续运行时间超过10000小时", "more than 10,000 hours of continuous operation"),
    ("核心部件全部国产化", "all core parts made in China"),
    ("支持远程运维", "remote operation and maintenance"),
    ("故障自诊断", "self-diagnosis of faults"),
]
SITES: list[Pair] = [
    ("北京经济技术开发区", "Beijing Economic-Technological Development Area"),
    ("中关村科学城", "Zhongguancun Science City"),
    ("怀柔科学城", "Huairou Science City"),
    ("未来科学城", "Future Science City"),
    ("大兴国际机场", "Daxing International Airport"),
    ("首钢园区", "the Shougang Park"),
]
BRANDS: list[Pair] = [
    ("中科", "Zhongke"),
    ("华创", "Huachuang"),
    ("京仪", "Jingyi"),
    ("北方", "Beifang"),
    ("天智", "Tianzhi"),
    ("海光", "Haiguang"),
    ("燕东", "Yandong"),
    ("清芯", "Qingxin"),
    ("航星", "Hangxing"),
    ("康辉", "Kanghui"),
    ("金风", "Jinfeng"),
    ("博思", "Bosi"),
    ("睿创", "Ruichuang"),
    ("星河", "Xinghe"),
    ("长城", "Changcheng"),
    ("北斗", "Beidou"),
    ("智元", "Zhiyuan"),
    ("国望", "Guowang"),
]
TRADES: list[Pair] = [
    ("微电子", "Microelectronics"),
    ("医疗科技", "Medical Technology"),
    ("智能装备", "Intelligent Equipment"),
    ("精密机械", "Precision Machinery"),
    ("航天科技", "Aerospace Technology"),
    ("能源科技", "Energy Technology"),
    ("机器人", "Robotics"),
    ("轨道交通技术", "Rail Transit Technology"),
]
FORMS: list[Pair] = [
    ("有限公司", "Co., Ltd."),
    ("股份有限公司", "Corporation"),
    ("集团有限公司", "Group Co., Ltd."),
    ("（北京）有限公司", "(Beijing) Co., Ltd."),
]
INDICATORS: list[tuple[str, str]] = [
    ("定位精度", "μm"),
    ("最大功率", "kW"),
    ("重复定位精度", "mm"),
    ("平均无故障时间", "h"),
    ("能耗", "kWh"),
    ("分辨率", "nm"),
]
PRODUCT_TYPES = list(ProductType)
PRODUCT_TYPE_WEIGHTS = [50, 25, 12, 6, 7]
LEVELS = list(TechnicalLevel)
LEVEL_WEIGHTS = [15, 35, 35, 15]
DISTRICTS = list(District)
# Most awarded enterprises sit in the science and industrial districts.
DISTRICT_WEIGHTS = [3, 3, 10, 6, 4, 30, 1, 3, 4, 6, 10, 12, 2, 1, 1, 1]
LOST_STATUSES = ["not_selected", "rejected", "withdrawn", "returned"]
LOST_WEIGHTS = [45, 35, 12, 8]
