"""A synthetic population for the annual ecological-environmental-protection enterprise survey.

Pure module (numpy + the pure area-file loader, no Django).  It makes a province's worth of
*invented* enterprises and their yearly survey returns, calibrated so that the province-level
figures the "311" Project (鲁环发〔2023〕22号, ``shared/seeds/004_6a9cb11a236a9990.txt``) sets
targets for come out near, and mostly just short of, those targets.  It is used by the demo and
the benchmarks; see ``docs/synthetic-data.md`` for the calibration and its sources.

Everything generated is recognisably synthetic: every name ends with ``（合成）`` and every
unified social credit code has an organisation-code part beginning ``YY`` (see
:func:`synthetic_uscc`).

Money is in 万元 (10,000 yuan) with one decimal place, produced as floats that convert exactly
with ``Decimal(str(x))``.  A population is deterministic for its :class:`PopulationSpec`;
``generate(PopulationSpec(enterprises=100_000))`` takes a second or two (numpy-vectorised).

Example::

    pop = generate(PopulationSpec())            # 3,700 enterprises, 2021-2025
    for row in pop.returns(2025):               # one dict per enterprise filing that year
        ...
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import numpy as np

__all__ = [
    "BASELINE_ENTERPRISES",
    "INDUSTRY_CODES",
    "INDUSTRY_SEGMENT",
    "PARK_PROFILES",
    "ROW_KEYS",
    "SEGMENTS",
    "TAG_KINDS",
    "Enterprise",
    "Population",
    "PopulationSpec",
    "generate",
    "is_synthetic_uscc",
    "summarise",
    "synthetic_uscc",
]

# =============================================================================================
# Calibration.  Figures quoted from 鲁环发〔2023〕22号 ("the plan"); 万元 = 10,000 yuan and
# 1 亿元 = 10,000 万元.  Counts and totals are for BASELINE_ENTERPRISES and scale linearly with
# PopulationSpec.enterprises (a 100,000-enterprise population is 27x the province).
# =============================================================================================

#: Plan 五(三)3: "为开展生态环保产业统计调查的3700余家企业全部匹配金融伙伴" -- the survey covers
#: some 3,700 enterprises.  The default population size, and the size the figures below are for.
BASELINE_ENTERPRISES = 3700

#: The year the plan's targets fall due ("到2025年" / "2025年年底前") and that we calibrate to.
CALIBRATION_YEAR = 2025

SEGMENTS: tuple[str, ...] = ("manufacturing", "services", "resource")

#: The plan's names for the three segments (part 四(一)1-3).
SEGMENT_NAMES: dict[str, tuple[str, str]] = {
    "manufacturing": ("环保制造业", "Environmental protection manufacturing"),
    "services": ("环境服务业", "Environmental services"),
    "resource": ("资源综合利用业", "Resource comprehensive utilisation"),
}

#: Plan 四(一)1-3: by the end of 2025 operating revenue "力争达到" 400亿元 (manufacturing),
#: 500亿元 (services) and 400亿元 (resource utilisation).  In 万元.
SEGMENT_TARGETS_2025: dict[str, float] = {
    "manufacturing": 400 * 10_000.0,
    "services": 500 * 10_000.0,
    "resource": 400 * 10_000.0,
}

#: How much of each segment target the synthetic province reaches in 2025 (all short of it).
SEGMENT_ATTAINMENT_2025: dict[str, float] = {
    "manufacturing": 0.93,
    "services": 0.90,
    "resource": 0.95,
}

#: Plan 四(一)1-3: leading and backbone enterprises' share of each segment's operating revenue,
#: "50%以上" (manufacturing), "30%以上" (services), "30%以上" (resource).
LEADING_SHARE_TARGETS: dict[str, float] = {
    "manufacturing": 0.50,
    "services": 0.30,
    "resource": 0.30,
}

#: The shares the synthetic leading enterprises hold in 2025: near the targets, services just
#: over, the other two just under (so the demo shows both outcomes).
LEADING_SHARE_2025: dict[str, float] = {
    "manufacturing": 0.47,
    "services": 0.31,
    "resource": 0.28,
}

#: Plan 一(二) and 四: "培育100家左右...环保龙头骨干企业" -- about 100 leading enterprises.
LEADING_TARGET = 100

#: How the leading enterprises active at the end of 2025 split by segment (sums to 100).
LEADING_BY_SEGMENT: dict[str, int] = {"manufacturing": 45, "services": 30, "resource": 25}

#: Leading-enterprise lists: the plan sets the guiding indicator system by June 2024 (四(二)2,
#: "2024年6月底前，研究制定生态环保龙头骨干企业发展引导性指标体系"), so the first synthetic list
#: is granted after it, a second a year later, and a few of the first are dropped then.
LEADING_FIRST_LIST = (date(2024, 9, 30), 75)
LEADING_SECOND_LIST = date(2025, 9, 30)
LEADING_REVOKED = 3  # dropped on LEADING_SECOND_LIST's date; 75 - 3 + 28 = 100 active

#: Plan 四(二)1: chain-leader ("链主") enterprises, after the chain map due "2024年6月底前".
CHAIN_LEADERS = 12
CHAIN_LEADER_DATE = date(2024, 12, 20)

#: Plan 一(二): "全省环保营业收入过1亿元的企业力争达到300家以上".  In 万元.
ABOVE_THRESHOLD = 10_000.0
ABOVE_THRESHOLD_TARGET = 300
#: Enterprises above 1亿元 of environmental revenue in 2025: close to, but short of, 300.  With
#: the growth below this puts about 250 above the line in 2023, the year the plan was issued.
ABOVE_THRESHOLD_2025 = 291

#: Plan 一(二): "3大产业集群环保业务产值力争占全省的50%以上" -- the three clusters' share of the
#: province's environmental business output (we use environmental revenue).
CLUSTER_SHARE_TARGET = 0.50
CLUSTER_SHARE_2025 = 0.47

#: Plan 四(三)1: "省级'专精特新'中小企业力争达到260家以上" -- active designations at each year
#: end: below target in the early years, close (but short) in 2025.
SPECIALISED_SME_TARGET = 260
SPECIALISED_SME_PATH: dict[int, int] = {2021: 148, 2022: 176, 2023: 203, 2024: 229, 2025: 254}
#: Designations failing their three-yearly review, per year, as a share of those active.
SPECIALISED_SME_REVOKE_RATE = 0.03

#: Plan 四(三)1: "国家级专精特新'小巨人'企业力争达到50家以上" -- reached (just) in 2025.
LITTLE_GIANT_TARGET = 50
LITTLE_GIANT_PATH: dict[int, int] = {2021: 17, 2022: 25, 2023: 34, 2024: 43, 2025: 52}

#: Other cultivation tags (not targets of the plan; plausible sizes for the demo).
INNOVATIVE_SMES = 560  # 四(三)2 "以创新型中小企业为主体"
SINGLE_CHAMPIONS = 6  # 四(三)1 "制造业单项冠军"
LISTED = 30  # 四(四) "培育一批上市环保企业"
LISTING_RESERVE = 85  # 四(四)1 "全省上市后备资源库"
LISTING_RESERVE_STAGES = (("counselling", 0.60), ("filed", 0.25), ("accepted", 0.15))
LISTING_RESERVE_REMOVED = 0.08  # share later taken off the reserve list

#: Year-on-year growth of environmental revenue (log scale): 8 % + premiums + entries, so the
#: 2021-2025 segment totals grow about 9 %/yr (within 6-12 %); enterprises differ (spread) and
#: years are noisy (noise).
GROWTH_MEAN = 0.08
GROWTH_SPREAD = 0.04
GROWTH_NOISE = 0.07
#: Cluster and leading enterprises grow a little faster: the clusters' share rises to 2025.
CLUSTER_GROWTH_PREMIUM = 0.012
LEADING_GROWTH_PREMIUM = 0.010

#: Smaller enterprises entering the survey after its first year / leaving it before its last.
ENTRANT_SHARE = 0.08
EXIT_SHARE = 0.05

#: Shapes of 2025 environmental revenue (log-normal sigmas; scales come from the calibration).
LEADING_SIGMA = 0.75
LARGE_MEDIAN = 14_000.0  # the "large" class straddles 1亿元: a Pareto-like upper tail
LARGE_SIGMA = 0.6
SMALL_SIGMA = 1.25
MIN_ENV_REVENUE = 5.0  # 万元

#: Small and medium enterprise ceiling for 专精特新 (industrial SME: revenue < 4亿元).
SME_REVENUE_LIMIT = 40_000.0

#: Share of enterprises renamed (former names with an "until" date).
RENAMED_SHARE = 0.03

#: Segment mix outside the parks (share of enterprises) -- assumption, the plan gives none.
SEGMENT_WEIGHTS: dict[str, float] = {"manufacturing": 0.36, "services": 0.44, "resource": 0.20}

#: Where the enterprises are (share of enterprises by city, GB/T 2260) -- assumption weighted to
#: the three cluster cities (Jinan, Qingdao, Zibo; plan part 二) and the larger economies.
CITY_WEIGHTS: dict[str, float] = {
    "370100": 0.150,  # 济南 (cluster)
    "370200": 0.150,  # 青岛 (cluster)
    "370300": 0.105,  # 淄博 (cluster)
    "370400": 0.040,  # 枣庄
    "370500": 0.045,  # 东营
    "370600": 0.075,  # 烟台
    "370700": 0.075,  # 潍坊
    "370800": 0.050,  # 济宁
    "370900": 0.040,  # 泰安
    "371000": 0.035,  # 威海
    "371100": 0.030,  # 日照
    "371300": 0.055,  # 临沂
    "371400": 0.045,  # 德州
    "371500": 0.035,  # 聊城
    "371600": 0.035,  # 滨州
    "371700": 0.035,  # 菏泽
}

#: County-level divisions of each city: ``COUNTIES[city code]`` is a tuple of ``(code, name)``
#: pairs in the order of ``geo/data/counties.yaml`` (the geo reference data; GB/T 2260 codes,
#: current as of 2024).  Codes are real; which enterprise sits in which county is synthetic.
#: Read from the county file on first use (see :func:`__getattr__`).
COUNTIES: dict[str, tuple[tuple[str, str], ...]]

# =============================================================================================
# Industries (GB/T 4754-2017 classes) by segment, with the products a return reports.
# =============================================================================================

#: GB/T 4754-2017 four-digit classes used by the synthetic enterprises: code -> (zh, en).
#: Suitable for seeding an industry reference table.
INDUSTRY_CODES: dict[str, tuple[str, str]] = {
    # manufacturing
    "3591": ("环境保护专用设备制造", "Manufacture of special equipment for environmental protection"),
    "3597": ("水资源专用机械制造", "Manufacture of special machinery for water resources"),
    "3463": ("气体、液体分离及纯净设备制造", "Manufacture of gas and liquid separation and purification equipment"),
    "4021": ("环境监测专用仪器仪表制造", "Manufacture of special instruments for environmental monitoring"),
    "2666": ("环境污染处理专用药剂材料制造", "Manufacture of special chemicals and materials for pollution treatment"),
    "1781": ("非织造布制造", "Manufacture of non-woven fabrics (filter media)"),
    # services
    "7721": ("水污染治理", "Water pollution control"),
    "7722": ("大气污染治理", "Air pollution control"),
    "7723": ("固体废物治理", "Solid waste treatment"),
    "7724": ("危险废物治理", "Hazardous waste treatment"),
    "7725": ("放射性废物治理", "Radioactive waste treatment"),
    "7726": ("土壤污染治理与修复服务", "Soil pollution control and remediation services"),
    "7727": ("噪声与振动控制服务", "Noise and vibration control services"),
    "7729": ("其他污染治理", "Other pollution control"),
    "7820": ("环境卫生管理", "Environmental sanitation management"),
    "7461": ("环境保护监测", "Environmental protection monitoring"),
    "7462": ("生态资源监测", "Ecological resource monitoring"),
    "7245": ("环保咨询", "Environmental protection consulting"),
    "7514": ("节能技术推广服务", "Promotion services for energy-saving technology"),
    "7516": ("环保技术推广服务", "Promotion services for environmental protection technology"),
    "4620": ("污水处理及其再生利用", "Sewage treatment and reclamation"),
    # resource comprehensive utilisation
    "4210": ("金属废料和碎屑加工处理", "Processing of metal waste and scrap"),
    "4220": ("非金属废料和碎屑加工处理", "Processing of non-metal waste and scrap"),
    "4417": ("生物质能发电", "Biomass power generation (incl. waste-to-energy)"),
    "3024": ("轻质建筑材料制造", "Manufacture of light building materials (from solid waste)"),
    "5191": ("再生物资回收与批发", "Recovery and wholesale of renewable materials"),
    "2625": ("有机肥料及微生物肥料制造", "Manufacture of organic and microbial fertilisers"),
    "1782": ("绳、索、缆制造", "Manufacture of ropes, cords and cables (from recycled plastics)"),
}  # fmt: skip

#: Industry class -> the survey segment an enterprise in it belongs to.
INDUSTRY_SEGMENT: dict[str, str] = {
    **dict.fromkeys(("3591", "3597", "3463", "4021", "2666", "1781"), "manufacturing"),
    **dict.fromkeys(
        ("7721", "7722", "7723", "7724", "7725", "7726", "7727", "7729", "7820", "7461", "7462",
         "7245", "7514", "7516", "4620"),
        "services",
    ),
    **dict.fromkeys(("4210", "4220", "4417", "3024", "5191", "2625", "1782"), "resource"),
}  # fmt: skip

#: Mix of industry classes within each segment outside the parks (assumption).
INDUSTRY_WEIGHTS: dict[str, dict[str, float]] = {
    "manufacturing": {"3591": 0.50, "4021": 0.12, "2666": 0.12, "3463": 0.13, "3597": 0.08,
                      "1781": 0.05},
    "services": {"7721": 0.14, "4620": 0.07, "7722": 0.10, "7723": 0.08, "7724": 0.07,
                 "7725": 0.005, "7726": 0.05, "7727": 0.015, "7729": 0.07, "7820": 0.12,
                 "7461": 0.12, "7462": 0.02, "7245": 0.09, "7516": 0.05, "7514": 0.03},
    "resource": {"4220": 0.30, "4210": 0.20, "4417": 0.12, "3024": 0.12, "5191": 0.14,
                 "2625": 0.08, "1782": 0.04},
}  # fmt: skip

#: Main products by industry class: (product, unit, typical unit price in 万元).  An enterprise
#: reports one or two; the first is its "main product" with capacity and output.
PRODUCTS: dict[str, tuple[tuple[str, str, float], ...]] = {
    "3591": (("袋式除尘器", "台(套)", 45.0), ("脱硫脱硝成套设备", "台(套)", 320.0),
             ("VOCs治理设备", "台(套)", 85.0), ("污水处理成套设备", "台(套)", 120.0),
             ("烟气净化设备", "台(套)", 260.0), ("土壤修复装备", "台(套)", 150.0)),
    "3597": (("水资源专用机械", "台", 18.0), ("闸门启闭设备", "台", 25.0)),
    "3463": (("厢式压滤机", "台", 35.0), ("隔膜压滤机", "台", 60.0), ("膜分离设备", "套", 80.0)),
    "4021": (("烟气在线监测系统", "套", 28.0), ("水质自动监测站", "套", 60.0),
             ("环境空气质量监测仪", "台", 12.0)),
    "2666": (("聚合氯化铝", "吨", 0.18), ("聚丙烯酰胺", "吨", 1.0), ("阻垢缓蚀剂", "吨", 0.9),
             ("脱硝催化剂", "立方米", 1.6)),
    "1781": (("高性能除尘滤料", "万平方米", 55.0),),
    "7721": (("工业废水处理运营", "万吨", 2.5), ("水污染治理工程", "项", 300.0)),
    "7722": (("大气污染治理工程", "项", 260.0), ("脱硫脱硝运营服务", "项", 150.0)),
    "7723": (("一般工业固体废物处置", "万吨", 80.0),),
    "7724": (("危险废物收集处置", "吨", 0.25),),
    "7725": (("放射性废物收贮处置", "立方米", 3.0),),
    "7726": (("土壤修复工程", "项", 500.0),),
    "7727": (("噪声与振动控制工程", "项", 60.0),),
    "7729": (("环境污染第三方治理", "项", 120.0),),
    "7820": (("生活垃圾收集转运", "万吨", 120.0), ("道路清扫保洁", "万平方米", 0.8)),
    "7461": (("环境监测检测服务", "项", 3.5),),
    "7462": (("生态资源监测服务", "项", 25.0),),
    "7245": (("环境影响评价及咨询", "项", 18.0), ("环境规划编制", "项", 45.0)),
    "7514": (("合同能源管理项目", "项", 180.0),),
    "7516": (("环保技术推广服务", "项", 40.0),),
    "4620": (("污水处理", "万吨", 1.2), ("再生水", "万吨", 1.5)),
    "4210": (("再生钢铁原料", "吨", 0.25), ("再生有色金属", "吨", 1.5)),
    "4220": (("再生塑料颗粒", "吨", 0.65), ("固废再生骨料", "吨", 0.005), ("再生纸浆", "吨", 0.2)),
    "4417": (("垃圾焚烧及生物质发电", "万千瓦时", 0.65),),
    "3024": (("石膏板", "万平方米", 120.0), ("粉煤灰蒸压砖", "万块", 2.5)),
    "5191": (("再生资源回收", "吨", 0.22),),
    "2625": (("有机肥料", "吨", 0.12),),
    "1782": (("再生塑料绳网", "吨", 1.3),),
}  # fmt: skip

#: The ten characteristic parks (plan part 三; keys from areas.yaml): the county they lie in
#: (real GB/T 2260 code), how many surveyed enterprises they hold (for 3,700; assumption scaled
#: from the plan's own park figures, e.g. 莱山 "园区环保企业入驻30家以上", 莒县 "聚集环保关联企业
#: 15家以上", 惠民 "规模以上工业企业达到60家"), and their specialism as segment -> (share,
#: industry classes).
PARK_PROFILES: dict[str, dict] = {
    "park-qingdao-shanghe": {  # 节能降碳、环保装备、海洋环保
        "county": "370281",
        "enterprises": 30,
        "segments": {"manufacturing": (0.55, ("3591", "4021", "3463")),
                     "services": (0.45, ("7514", "7516", "7721", "7245"))},
    },
    "park-zaozhuang-shizhong": {  # 以高端水处理剂为主的环保新材料
        "county": "370402",
        "enterprises": 25,
        "segments": {"manufacturing": (1.0, ("2666",))},
    },
    "park-yantai-laishan": {  # 膜处理、VOCs治理、土壤修复装备；环境服务、资源综合利用
        "county": "370613",
        "enterprises": 34,
        "segments": {"manufacturing": (0.50, ("3591", "3463")),
                     "services": (0.30, ("7726", "7722", "7721")),
                     "resource": (0.20, ("4220", "4210"))},
    },
    "park-weifang-anqiu": {  # 技术研发、设备制造、环境服务、资源综合利用、环境监测
        "county": "370784",
        "enterprises": 40,
        "segments": {"manufacturing": (0.40, ("3591", "4021")),
                     "services": (0.35, ("7721", "7461", "7516")),
                     "resource": (0.25, ("4220",))},
    },
    "park-jining-liangshan": {  # 工业废气处理高端装备、水处理技术装备、环境服务业
        "county": "370832",
        "enterprises": 15,
        "segments": {"manufacturing": (0.70, ("3591", "3597")),
                     "services": (0.30, ("7722", "7721", "7729"))},
    },
    "park-taian-feicheng": {  # 废气废水处理成套设备、污水垃圾治理服务、再生资源利用
        "county": "370983",
        "enterprises": 25,
        "segments": {"manufacturing": (0.45, ("3591", "1781")),
                     "services": (0.35, ("7721", "7820", "7724", "7461")),
                     "resource": (0.20, ("5191", "4210"))},
    },
    "park-rizhao-juxian": {  # 节能环保设备制造、节能新材料、资源综合利用
        "county": "371122",
        "enterprises": 18,
        "segments": {"manufacturing": (0.70, ("3591", "3463")),
                     "resource": (0.30, ("4220", "3024"))},
    },
    "park-dezhou-tianqu": {  # 压滤装备全产业链（服务型制造）
        "county": "371402",
        "enterprises": 45,
        "segments": {"manufacturing": (0.90, ("3463", "3591")),
                     "services": (0.10, ("7516",))},
    },
    "park-liaocheng-chiping": {  # 粉煤灰、脱硫石膏、炉渣、电石渣综合利用生产新型建材
        "county": "371503",
        "enterprises": 12,
        "segments": {"resource": (1.0, ("3024", "4220"))},
    },
    "park-binzhou-huimin": {  # 废旧塑料资源化利用与绳网产业融合
        "county": "371621",
        "enterprises": 40,
        "segments": {"resource": (1.0, ("4220", "1782"))},
    },
}  # fmt: skip

#: Per-segment economics (assumptions typical of the sector): revenue per employee (万元),
#: value-added rate, R&D intensity and R&D staff ratio (medians), share of exporters.
ECONOMICS: dict[str, dict[str, float]] = {
    "manufacturing": {"productivity": 60.0, "va_rate": 0.26, "rd": 0.035, "rd_staff": 0.12,
                      "exporters": 0.12, "output_ratio": 1.02},
    "services": {"productivity": 40.0, "va_rate": 0.45, "rd": 0.025, "rd_staff": 0.10,
                 "exporters": 0.03, "output_ratio": 1.00},
    "resource": {"productivity": 75.0, "va_rate": 0.22, "rd": 0.015, "rd_staff": 0.06,
                 "exporters": 0.05, "output_ratio": 1.03},
}  # fmt: skip

#: Productivity scales as (2025 environmental revenue / pivot) ** elasticity.
PRODUCTIVITY_PIVOT = 1_000.0
PRODUCTIVITY_ELASTICITY = 0.12

#: Where an enterprise with a secondary environmental business earns it, by its segment.
SECONDARY_SEGMENT: dict[str, dict[str, float]] = {
    "manufacturing": {"services": 0.8, "resource": 0.2},
    "services": {"manufacturing": 0.5, "resource": 0.5},
    "resource": {"services": 0.7, "manufacturing": 0.3},
}
#: Share of enterprises whose environmental revenue is all in their own segment.
SINGLE_SEGMENT_SHARE = 0.6

#: Environmental credit rating (A 诚信, B 良好, C 警示, D 不良) base shares, and violations.
CREDIT_SHARES = (0.52, 0.36, 0.09, 0.03)
VIOLATION_RATE = 0.02  # environmental violations per enterprise-year (most enterprises)
VIOLATION_RATE_PROBLEM = 0.30  # ... for those with a C/D base rating
MAJOR_VIOLATION_RATE = 0.0035  # major violations per enterprise-year (about 0.5 % overall)
MAJOR_VIOLATION_RATE_PROBLEM = 0.012

#: Invention patents granted a year: PATENT_RATE * (R&D spending / 100万元) ** PATENT_ELASTICITY
#: (sub-linear: big spenders patent less per yuan); R&D spending (万元) per standard contributed to.
PATENT_RATE = 0.8
PATENT_ELASTICITY = 0.7
NATIONAL_STANDARD_COST = 3_000.0
INDUSTRY_STANDARD_COST = 1_500.0

#: The years a population may cover.  Stocks (patents, standards, capacity) accumulate from
#: WINDOW_FIRST, and revenue is grown backwards and forwards from CALIBRATION_YEAR.
WINDOW_FIRST = 2019
WINDOW_LAST = 2030

#: The keys of a return row, in order.
ROW_KEYS: tuple[str, ...] = (
    "uscc", "name", "city_code", "county_code", "park_key", "industry_code", "segment",
    "main_products", "year", "total_revenue", "env_revenue_manufacturing",
    "env_revenue_services", "env_revenue_resource", "output_value", "added_value", "profit",
    "taxes", "exports", "rd_spending", "rd_staff", "employees", "invention_patents",
    "standards_national", "standards_industry", "main_product_capacity", "main_product_output",
    "main_product_unit", "credit_rating", "env_violations", "major_violation",
)  # fmt: skip

#: Cultivation tag kinds.
TAG_KINDS: tuple[str, ...] = (
    "leading",  # 龙头骨干企业
    "chain_leader",  # 链主企业
    "innovative_sme",  # 创新型中小企业
    "specialised_sme",  # 省级专精特新中小企业
    "little_giant",  # 国家级专精特新"小巨人"企业
    "single_champion",  # 制造业单项冠军
    "listed",  # 上市企业
    "listing_reserve",  # 上市后备资源库
)

# =============================================================================================
# Synthetic credit codes (GB 32100-2015).
# =============================================================================================

#: GB 32100-2015 character set: digits and capitals without I, O, Z, S, V.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997 organisation code
#: The synthetic marker: the organisation-code part (positions 9-17) starts with "YY".  ("ZZ"
#: would be more obvious but Z is not in the GB 32100 alphabet.)
SYNTHETIC_ORG_PREFIX = "YY"
#: Registration authority "9" (market regulation) and entity type "1" (enterprise).
SYNTHETIC_USCC_HEAD = "91"
MAX_ENTERPRISES = 999_999  # six-digit serial after the "YY" marker


def _org_check(body: str) -> str:
    """GB 11714 check character for an 8-character organisation-code body."""
    total = sum(int(c, 36) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _uscc_check(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[-total % 31]


def synthetic_uscc(rng_or_index: int | np.random.Generator, division: str = "370000") -> str:
    """A valid (GB 32100-2015) but recognisably synthetic unified social credit code.

    ``9`` + ``1`` + the six-digit ``division`` code + organisation code ``YY`` + six-digit
    serial + GB 11714 check character + GB 32100 check character.  With an int the serial is
    that number (0 .. 999,999): distinct ints give distinct codes.  With a numpy ``Generator``
    the serial is drawn at random.
    """
    if isinstance(rng_or_index, np.random.Generator):
        serial = int(rng_or_index.integers(0, MAX_ENTERPRISES + 1))
    else:
        serial = int(rng_or_index)
    if not 0 <= serial <= MAX_ENTERPRISES:
        raise ValueError(f"serial must be 0..{MAX_ENTERPRISES}, got {serial}")
    if len(division) != 6 or not division.isdigit():
        raise ValueError(f"division must be a six-digit GB/T 2260 code, got {division!r}")
    body = f"{SYNTHETIC_ORG_PREFIX}{serial:06d}"
    first17 = SYNTHETIC_USCC_HEAD + division + body + _org_check(body)
    return first17 + _uscc_check(first17)


def is_synthetic_uscc(code: str) -> bool:
    """Whether ``code`` follows this module's synthetic convention (and is well-formed)."""
    return (
        len(code) == 18
        and code.startswith(SYNTHETIC_USCC_HEAD)
        and code[2:8].isdigit()
        and code[8:10] == SYNTHETIC_ORG_PREFIX
        and code[10:16].isdigit()
        and code[16] == _org_check(code[8:16])
        and code[17] == _uscc_check(code[:17])
    )


def _uscc_many(serials: np.ndarray, divisions: Sequence[str]) -> list[str]:
    """Vectorised :func:`synthetic_uscc` for many (serial, division) pairs."""
    serials = np.asarray(serials, dtype=np.int64)
    if serials.size and (serials.min() < 0 or serials.max() > MAX_ENTERPRISES):
        raise ValueError(f"serials must be 0..{MAX_ENTERPRISES}")
    sdig = (serials[:, None] // 10 ** np.arange(5, -1, -1)) % 10  # (n, 6)
    y36 = int("Y", 36)
    org_total = y36 * (_ORG_WEIGHTS[0] + _ORG_WEIGHTS[1]) + sdig @ np.array(_ORG_WEIGHTS[2:])
    org = 11 - org_total % 11  # 1..11
    org_chars = np.array(list("?123456789X0"))[org]  # 10 -> X, 11 -> 0
    org_idx = np.where(org == 10, USCC_ALPHABET.index("X"), np.where(org == 11, 0, org))
    uniq = {d: i for i, d in enumerate(dict.fromkeys(divisions))}
    inverse = np.fromiter((uniq[d] for d in divisions), dtype=np.int64, count=len(divisions))
    div = np.array([[int(c) for c in d] for d in uniq], dtype=np.int64).reshape(-1, 6)
    div = div[inverse]
    w = np.array(_USCC_WEIGHTS)
    yy = USCC_ALPHABET.index("Y")
    total = (
        9 * w[0] + 1 * w[1] + div @ w[2:8] + yy * (w[8] + w[9]) + sdig @ w[10:16] + org_idx * w[16]
    )
    check = (-total) % 31
    alphabet = np.array(list(USCC_ALPHABET))
    check_chars = alphabet[check]
    return [
        f"{SYNTHETIC_USCC_HEAD}{d}{SYNTHETIC_ORG_PREFIX}{s:06d}{o}{c}"
        for d, s, o, c in zip(
            divisions, serials.tolist(), org_chars.tolist(), check_chars.tolist(), strict=True
        )
    ]


# =============================================================================================
# Names.
# =============================================================================================

#: Characters for invented two- or three-character trade names (字号).
_NAME_CHARS = (
    "泓澄清源瑞华博恒润绿蓝碧天海泰鑫宏康安盛达远新中环科信德航宇晟睿嘉禾青川洁净森林岳峰"
    "金银明阳辰星云通诚和利正元景鸿禹沃朗越翔"
)
#: The trade-style words (行业表述) for names, by industry class.
_NAME_WORDS: dict[str, tuple[str, ...]] = {
    "3591": ("环保设备", "环保装备", "环保机械", "环境工程设备"),
    "3597": ("水工机械", "水利机械"),
    "3463": ("过滤设备", "分离技术", "膜科技"),
    "4021": ("环境监测仪器", "分析仪器", "环境仪器"),
    "2666": ("水处理剂", "环保材料", "精细化工"),
    "1781": ("滤材", "过滤材料"),
    "7721": ("水务", "水处理工程", "水环境"),
    "7722": ("大气治理", "环境工程"),
    "7723": ("固废处置", "环境服务"),
    "7724": ("危废处置", "环境科技"),
    "7725": ("核环保", "辐射环境"),
    "7726": ("土壤修复", "生态修复"),
    "7727": ("声学环保", "减振降噪"),
    "7729": ("环境治理", "环境工程"),
    "7820": ("环境卫生", "城市环境服务"),
    "7461": ("环境检测", "环境监测"),
    "7462": ("生态监测", "生态科技"),
    "7245": ("环保咨询", "环境规划咨询", "环境技术咨询"),
    "7514": ("节能科技", "节能服务"),
    "7516": ("环保科技", "环境技术"),
    "4620": ("污水处理", "水务"),
    "4210": ("再生金属", "再生资源"),
    "4220": ("再生资源", "固废利用", "再生材料"),
    "4417": ("环保能源", "生物质能源"),
    "3024": ("新型建材", "绿色建材"),
    "5191": ("再生资源回收", "物资回收"),
    "2625": ("有机肥业", "生物肥料"),
    "1782": ("绳网", "绳网科技"),
}
SYNTHETIC_NAME_SUFFIX = "（合成）"

# =============================================================================================
# The public types.
# =============================================================================================


@dataclass(frozen=True)
class PopulationSpec:
    """What to generate: how many enterprises, which survey years, which random seed."""

    enterprises: int = BASELINE_ENTERPRISES
    years: tuple[int, ...] = (2021, 2022, 2023, 2024, 2025)
    seed: int = 1


@dataclass
class Enterprise:
    """One synthetic enterprise (what does not change from year to year).

    ``tags`` are cultivation designations: dicts with ``kind`` (one of :data:`TAG_KINDS`),
    ``stage`` (listing_reserve only, else None), ``granted_on`` and ``revoked_on`` (ISO dates,
    ``revoked_on`` None while in force).  ``former_names`` are ``{"name", "until"}`` dicts, oldest
    first; ``until`` is the last day the name was used.  ``first_year`` / ``last_year`` are the
    first and last years (of the population's years) the enterprise files a return for.
    """

    uscc: str
    name: str
    city_code: str
    county_code: str
    park_key: str | None
    cluster_key: str | None
    industry_code: str
    segment: str
    main_products: str
    tags: list[dict] = field(default_factory=list)
    former_names: list[dict] = field(default_factory=list)
    first_year: int | None = None
    last_year: int | None = None

    def has_tag(self, kind: str, on: date | str) -> bool:
        """Whether a ``kind`` designation is in force on ``on`` (a date or ISO date)."""
        day = on if isinstance(on, str) else on.isoformat()
        return any(
            t["kind"] == kind
            and t["granted_on"] <= day
            and (t["revoked_on"] is None or t["revoked_on"] > day)
            for t in self.tags
        )

    def name_on(self, on: date | str) -> str:
        """The enterprise's name in use on ``on``."""
        day = on if isinstance(on, str) else on.isoformat()
        for former in self.former_names:
            if day <= former["until"]:
                return former["name"]
        return self.name


@dataclass(eq=False)
class Population:
    """A generated population: the enterprises and, per year, their survey returns."""

    spec: PopulationSpec
    enterprises: list[Enterprise]
    _static: dict[str, np.ndarray] = field(repr=False)
    _yearly: dict[int, dict[str, np.ndarray]] = field(repr=False)
    _active: dict[int, np.ndarray] = field(repr=False)
    _names: dict[int, np.ndarray] = field(repr=False)

    @property
    def years(self) -> tuple[int, ...]:
        return self.spec.years

    def returns(self, year: int) -> Iterator[dict]:
        """The returns for ``year``: one dict (keys :data:`ROW_KEYS`) per enterprise filing."""
        if year not in self._yearly:
            raise ValueError(f"{year} is not one of this population's years {self.spec.years}")
        return self._rows(year)

    def _rows(self, year: int) -> Iterator[dict]:
        idx = np.flatnonzero(self._active[year])
        cols: list[list] = []
        yearly = self._yearly[year]
        for key in ROW_KEYS:
            if key == "year":
                cols.append([year] * len(idx))
            elif key == "name":
                cols.append(self._names[year][idx].tolist())
            elif key in self._static:
                cols.append(self._static[key][idx].tolist())
            else:
                cols.append(yearly[key][idx].tolist())
        for values in zip(*cols, strict=True):
            yield dict(zip(ROW_KEYS, values, strict=True))

    def set_main_products(self, texts: Sequence[str]) -> None:
        """Replace every enterprise's main-products text (one per enterprise, in order), in the
        registry and in the returns alike: the demo writes texts from its chain nodes
        (chains/textgen.py), which this module may not know of."""
        if len(texts) != len(self.enterprises):
            raise ValueError(f"{len(texts)} texts for {len(self.enterprises)} enterprises")
        for e, text in zip(self.enterprises, texts, strict=True):
            e.main_products = text
        self._static["main_products"] = np.array(list(texts), dtype=object)

    def all_returns(self) -> Iterator[dict]:
        """The returns of every year, year by year."""
        for year in self.spec.years:
            yield from self.returns(year)

    def count_returns(self, year: int | None = None) -> int:
        """How many returns ``year`` (or all years) has, without building them."""
        years = self.spec.years if year is None else (year,)
        return sum(int(self._active[y].sum()) for y in years)


# =============================================================================================
# Geography from the area file.
# =============================================================================================


@dataclass(frozen=True)
class _Geography:
    cities: tuple[str, ...]  # city codes in area-file order
    city_short: dict[str, str]  # code -> 济南
    cluster_of_city: dict[str, str]  # city code -> cluster key
    park_city: dict[str, str]  # park key -> city code
    counties: dict[str, tuple[tuple[str, str], ...]]  # city code -> ((code, 历下区), ...)


@lru_cache(maxsize=1)
def _geography() -> _Geography:
    from eco311.geo.areafile import load_area_file, load_county_file

    areas = load_area_file()
    counties = {
        city: tuple((c.code, c.name.zh) for c in rows)
        for city, rows in load_county_file(areas=areas).by_city().items()
    }
    cities = tuple(a.code for a in areas.of_kind("city"))
    short = {a.code: (a.short_name or a.name).zh for a in areas.of_kind("city")}
    clusters = {a.parent: a.key for a in areas.of_kind("cluster")}
    parks = {a.key: a.parent for a in areas.of_kind("park")}
    missing = set(cities) ^ set(CITY_WEIGHTS)
    if missing:
        raise RuntimeError(f"CITY_WEIGHTS and the area file disagree on cities: {missing}")
    if set(parks) != set(PARK_PROFILES):
        raise RuntimeError(
            f"PARK_PROFILES and the area file disagree on parks: {set(parks) ^ set(PARK_PROFILES)}"
        )
    if set(counties) != set(cities):
        raise RuntimeError(
            f"the county file has counties for {sorted(counties)}, not for every city {cities}"
        )
    for key, profile in PARK_PROFILES.items():
        if profile["county"] not in {code for code, _name in counties[parks[key]]}:
            raise RuntimeError(f"{key}: county {profile['county']} is not in {parks[key]}")
    return _Geography(cities, short, clusters, parks, counties)


def __getattr__(name: str):
    # COUNTIES is reference data (geo/data/counties.yaml), read when first asked for.
    if name == "COUNTIES":
        return _geography().counties
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# =============================================================================================
# Generation.
# =============================================================================================


def _scaled(count: float, scale: float) -> int:
    return int(round(count * scale))


def _race(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """A weighted random order (exponential race): its first k are a weighted sample of k."""
    keys = rng.exponential(size=len(weights)) / np.maximum(weights, 1e-12)
    keys[weights <= 0] = np.inf
    return np.argsort(keys, kind="stable")


def _pick(rng: np.random.Generator, choices: Sequence, weights: Sequence[float], n: int):
    p = np.asarray(weights, dtype=float)
    return np.asarray(choices)[rng.choice(len(choices), size=n, p=p / p.sum())]


def _iso(d: date) -> str:
    return d.isoformat()


def _check_spec(spec: PopulationSpec) -> tuple[int, ...]:
    if not 1 <= spec.enterprises <= MAX_ENTERPRISES:
        raise ValueError(f"enterprises must be 1..{MAX_ENTERPRISES}, got {spec.enterprises}")
    years = tuple(spec.years)
    if not years:
        raise ValueError("at least one year is needed")
    if len(set(years)) != len(years):
        raise ValueError(f"duplicate years in {years}")
    for y in years:
        if not WINDOW_FIRST <= y <= WINDOW_LAST:
            raise ValueError(f"years must lie in {WINDOW_FIRST}..{WINDOW_LAST}, got {y}")
    return years


def _calibrate(
    v_raw: np.ndarray,
    seg: np.ndarray,
    cls: np.ndarray,
    clu: np.ndarray,
    split: np.ndarray,
    active: np.ndarray,
    lead_targets: np.ndarray,
    nonlead_targets: np.ndarray,
    cluster_share: float,
) -> tuple[np.ndarray, bool]:
    """Per-row factors making the 2025 totals, leading shares and cluster share come out right.

    Rows fall into 18 cells (segment x class x in-cluster); the leading (class 0) and small
    (class 2) cells are scaled, the large cells (class 1, the band around 1亿元) are not.  The
    constraints are linear in the cell factors, so they are solved on 18x3 cell sums.  Returns
    the factors and whether the constraints could be met (they cannot when the fixed large
    cells alone exceed a segment's target, as happens in tiny populations).
    """
    cells = seg * 6 + cls * 2 + clu
    w = np.where(active, v_raw, 0.0)
    sums = np.stack(
        [np.bincount(cells, weights=w * split[:, s], minlength=18) for s in range(3)], axis=1
    )
    cell = np.arange(18)
    cell_seg, cell_cls, cell_clu = cell // 6, (cell // 2) % 3, cell % 2
    f = np.ones(18)
    adjustable = cell_cls != 1
    target_odds = cluster_share / (1 - cluster_share)
    feasible = True
    previous = 0.0
    for _ in range(2000):
        for s in range(3):
            for c, target in ((0, lead_targets[s]), (2, nonlead_targets[s])):
                own = (cell_cls == c) & (cell_seg == s)
                denom = (f[own] * sums[own, s]).sum()
                if denom <= 0:
                    continue
                fixed = (f * sums[:, s])[(cell_cls == c) & (cell_seg != s)].sum()
                if c == 2:
                    fixed += sums[cell_cls == 1, s].sum()
                if target - fixed <= 0.01 * target:
                    feasible = False
                f[own] *= max(target - fixed, 0.01 * target) / denom
        totals = (f[:, None] * sums).sum(axis=1)
        inside = totals[cell_clu == 1].sum()
        outside = totals[cell_clu == 0].sum()
        movable_in = totals[adjustable & (cell_clu == 1)].sum()
        if inside <= 0 or outside <= 0 or movable_in <= 0:
            break
        ratio = target_odds / (inside / outside)
        # converged, or stuck (the segment steps undo the cluster step: tiny populations)
        if abs(ratio - 1) < 1e-10 or abs(ratio - previous) < 1e-10 * ratio:
            break
        previous = ratio
        f[adjustable & (cell_clu == 1)] *= ratio
    return f[cells], feasible


def _yearly_growth(
    rng: np.random.Generator, n: int, premium: np.ndarray, noise_sigma: np.ndarray
) -> np.ndarray:
    """Log growth factors for each window year (column t: growth from t-1 to t)."""
    width = WINDOW_LAST - WINDOW_FIRST + 1
    mean = GROWTH_MEAN + premium + rng.normal(0.0, GROWTH_SPREAD, n)
    return mean[:, None] + noise_sigma[:, None] * rng.standard_normal((n, width))


def generate(spec: PopulationSpec = PopulationSpec()) -> Population:  # noqa: B008
    """Generate the population for ``spec`` (deterministic for the spec)."""
    years = _check_spec(spec)
    geo = _geography()
    rng = np.random.default_rng(spec.seed)
    n = spec.enterprises
    scale = n / BASELINE_ENTERPRISES
    first_year, last_year = min(years), max(years)

    # --- where, and what ---------------------------------------------------------------------
    city_codes = np.array(geo.cities)
    city_w = np.array([CITY_WEIGHTS[c] for c in geo.cities])
    city_idx = rng.choice(len(city_codes), size=n, p=city_w / city_w.sum())
    city = city_codes[city_idx]
    park = np.full(n, None, dtype=object)
    in_park = np.zeros(n, dtype=bool)
    race = _race(rng, np.ones(n))  # one random order to draw park members from
    for key in sorted(PARK_PROFILES):
        want = _scaled(PARK_PROFILES[key]["enterprises"], scale)
        park_city = geo.cities.index(geo.park_city[key])
        pool = race[(city_idx[race] == park_city) & ~in_park[race]][:want]
        park[pool] = key
        in_park[pool] = True
    segment = _pick(rng, SEGMENTS, [SEGMENT_WEIGHTS[s] for s in SEGMENTS], n).astype(object)
    industry = np.empty(n, dtype=object)
    for s in SEGMENTS:
        codes = list(INDUSTRY_WEIGHTS[s])
        industry[:] = np.where(
            segment == s, _pick(rng, codes, [INDUSTRY_WEIGHTS[s][c] for c in codes], n), industry
        )
    county = np.empty(n, dtype=object)
    for ci, c in enumerate(geo.cities):
        members = np.flatnonzero(city_idx == ci)
        options = [code for code, _ in geo.counties[c]]
        weights = rng.dirichlet(np.full(len(options), 1.5))
        county[members] = _pick(rng, options, weights, len(members))
    for key in sorted(PARK_PROFILES):
        members = np.flatnonzero(park == key)
        profile = PARK_PROFILES[key]
        segs = list(profile["segments"])
        chosen = _pick(rng, segs, [profile["segments"][s][0] for s in segs], len(members))
        for s in segs:
            these = members[chosen == s]
            codes = profile["segments"][s][1]
            segment[these] = s
            industry[these] = _pick(rng, codes, [1.0] * len(codes), len(these))
        county[members] = profile["county"]
    seg = np.select([segment == s for s in SEGMENTS], range(len(SEGMENTS))).astype(np.int64)
    in_cluster = np.isin(city_idx, [geo.cities.index(c) for c in geo.cluster_of_city])
    clu = in_cluster.astype(np.int64)

    # --- environmental revenue split across segments ------------------------------------------
    split = np.zeros((n, 3))
    single = rng.random(n) < SINGLE_SEGMENT_SHARE
    primary_share = np.where(single, 1.0, rng.uniform(0.60, 0.95, n))
    u_second = rng.random(n)
    split[np.arange(n), seg] = primary_share
    for s, name in enumerate(SEGMENTS):
        options = list(SECONDARY_SEGMENT[name])
        probs = np.cumsum([SECONDARY_SEGMENT[name][o] for o in options])
        which = np.searchsorted(probs, u_second * probs[-1])
        second = np.array([SEGMENTS.index(o) for o in options])[np.minimum(which, len(options) - 1)]
        rows = np.flatnonzero(seg == s)
        split[rows, second[rows]] += 1.0 - primary_share[rows]

    # --- classes: leading, large (around 1亿元), small -----------------------------------------
    z = rng.standard_normal(n)
    u_entry, u_exit, u_entry_year, u_exit_year = rng.random((4, n))
    lead_order = _race(rng, np.where(in_cluster, 2.0, 1.0))
    leading = np.zeros(n, dtype=bool)
    for s, name in enumerate(SEGMENTS):
        want = _scaled(LEADING_BY_SEGMENT[name], scale)
        leading[lead_order[seg[lead_order] == s][:want]] = True
    revoked_leading = np.zeros(n, dtype=bool)
    revoked_leading[lead_order[~leading[lead_order]][: _scaled(LEADING_REVOKED, scale)]] = True
    large_order = _race(rng, np.where(in_cluster, 1.3, 1.0) * (~leading))
    # formerly-leading enterprises are always "large"
    large_order = np.concatenate(
        [large_order[revoked_leading[large_order]], large_order[~revoked_leading[large_order]]]
    )
    large_order = large_order[~leading[large_order]]
    rank_in_segment = np.full(n, n, dtype=np.int64)
    for s in range(3):
        members = large_order[seg[large_order] == s]
        rank_in_segment[members] = np.arange(len(members))

    span = last_year - first_year
    entry_cut = np.where(
        u_entry < ENTRANT_SHARE, first_year + 1 + np.floor(u_entry_year * span), -1
    )
    exit_cut = np.where(u_exit < EXIT_SHARE, first_year + np.floor(u_exit_year * span), 10_000)
    if span == 0:
        entry_cut[:] = -1
        exit_cut[:] = 10_000
    exit_cut = np.where(exit_cut < entry_cut, 10_000, exit_cut)

    total_targets = np.array(
        [SEGMENT_TARGETS_2025[s] * SEGMENT_ATTAINMENT_2025[s] * scale for s in SEGMENTS]
    )
    lead_targets = total_targets * np.array([LEADING_SHARE_2025[s] for s in SEGMENTS])
    nonlead_targets = total_targets - lead_targets
    large_weights = nonlead_targets / nonlead_targets.sum()
    want_above = _scaled(ABOVE_THRESHOLD_2025, scale)

    def classes(k_total: int) -> tuple[np.ndarray, np.ndarray]:
        quotas = np.floor(large_weights * k_total).astype(int)
        quotas[np.argsort(-(large_weights * k_total - quotas))[: k_total - quotas.sum()]] += 1
        large = (~leading) & (rank_in_segment < quotas[seg])
        large |= revoked_leading
        cls_ = np.where(leading, 0, np.where(large, 1, 2))
        return cls_, large

    def settle(k_total: int):
        cls_, large = classes(k_total)
        small = cls_ == 2
        entry = np.where(small, entry_cut, -1)
        exit_ = np.where(small, exit_cut, 10_000)
        active25 = (entry <= CALIBRATION_YEAR) & (CALIBRATION_YEAR <= exit_)
        v_raw = np.where(
            cls_ == 0,
            np.exp(LEADING_SIGMA * z),
            np.where(
                cls_ == 1,
                np.clip(LARGE_MEDIAN * np.exp(LARGE_SIGMA * z), 3_000.0, 90_000.0),
                np.exp(SMALL_SIGMA * z),
            ),
        )
        factors, feasible = _calibrate(
            v_raw, seg, cls_, clu, split, active25, lead_targets, nonlead_targets,
            CLUSTER_SHARE_2025,
        )  # fmt: skip
        v = v_raw * factors
        above = int(((v > ABOVE_THRESHOLD) & active25).sum())
        return feasible, above, cls_, entry, exit_, v

    k = max(0, int(round((want_above - leading.sum()) / 0.75)))
    k_max = int((~leading).sum())
    best = None
    tried: set[int] = set()
    for _ in range(30):
        k = min(max(k, 0), k_max)
        if k in tried:
            break
        tried.add(k)
        result = settle(k)
        feasible, above = result[:2]
        # prefer calibrations that meet the totals, then the count closest to the aim
        if best is None or (not feasible, abs(above - want_above)) < (
            not best[0],
            abs(best[1] - want_above),
        ):
            best = result
        if not feasible:  # too much fixed "large" revenue: fewer large enterprises
            k -= max(1, k // 5)
            continue
        if above == want_above:
            break
        step = int(round((want_above - above) / 0.75))
        k += step if step else (1 if want_above > above else -1)
    _, _, cls, entry, exit_, v2025 = best
    v2025 = np.maximum(v2025, MIN_ENV_REVENUE)

    # --- growth to and from 2025 ------------------------------------------------------------
    premium = CLUSTER_GROWTH_PREMIUM * in_cluster + LEADING_GROWTH_PREMIUM * (cls == 0)
    noise_sigma = np.where(cls == 2, GROWTH_NOISE * 1.3, GROWTH_NOISE)
    growth = _yearly_growth(rng, n, premium, noise_sigma)
    cum = np.cumsum(growth, axis=1)
    anchor = CALIBRATION_YEAR - WINDOW_FIRST
    ncols = max(last_year, CALIBRATION_YEAR) - WINDOW_FIRST + 1
    col_years = np.arange(WINDOW_FIRST, WINDOW_FIRST + ncols)
    env = np.maximum(v2025[:, None] * np.exp(cum[:, :ncols] - cum[:, [anchor]]), MIN_ENV_REVENUE)
    active_m = (entry[:, None] <= col_years) & (col_years <= exit_[:, None])

    # --- tags ----------------------------------------------------------------------------------
    tags: list[list[dict]] = [[] for _ in range(n)]
    tagged_as: dict[str, np.ndarray] = {}
    incumbent = (entry < 0) & (exit_ >= 10_000)
    _assign_tags(rng, tags, tagged_as, scale, cls, seg, v2025, leading, revoked_leading, incumbent)
    specialised = tagged_as["specialised_sme"]

    # --- names and codes --------------------------------------------------------------------
    enterprise_rows = _names_and_codes(rng, geo, n, city_idx, county, industry, cls, tagged_as)
    names, former_names, uscc, products, (main_unit, main_price) = enterprise_rows

    # --- yearly figures (columns WINDOW_FIRST..max year), then keep the asked-for years ------
    econ = {k: np.array([ECONOMICS[s][k] for s in SEGMENTS])[seg] for k in ECONOMICS["services"]}
    shape = env.shape
    parts_t = np.rint(env[:, :, None] * split[:, None, :] * 10).astype(np.int64)
    env_t = parts_t.sum(axis=2)
    env_share = np.where(rng.random(n) < 0.35, 1.0, np.clip(rng.beta(4.0, 2.0, n), 0.2, 1.0))
    env_share = np.where(cls == 0, np.minimum(env_share, rng.uniform(0.4, 1.0, n)), env_share)
    total = env / env_share[:, None] * np.exp(rng.normal(0, 0.03, shape))
    total_t = np.maximum(np.rint(total * 10).astype(np.int64), env_t)
    total = total_t / 10.0
    out_ratio = econ["output_ratio"][:, None] * np.exp(rng.normal(0, 0.04, shape))
    output_t = np.maximum(np.rint(total * out_ratio * 10).astype(np.int64), 50)
    va_rate = np.clip(econ["va_rate"] * np.exp(rng.normal(0, 0.15, n)), 0.08, 0.85)
    added_t = np.minimum(
        np.rint(output_t * va_rate[:, None] * np.exp(rng.normal(0, 0.03, shape))).astype(np.int64),
        output_t - 1,
    )
    margin = rng.normal(0.065, 0.05, n)[:, None] + rng.normal(0, 0.04, shape)
    profit_t = np.rint(total * margin * 10).astype(np.int64)
    tax_rate = rng.uniform(0.025, 0.06, n)[:, None] * np.exp(rng.normal(0, 0.1, shape))
    taxes_t = np.rint(total * tax_rate * 10).astype(np.int64)
    exporter = rng.random(n) < np.where(cls == 0, 0.4, econ["exporters"])
    export_share = rng.uniform(0.03, 0.35, n)[:, None] * np.exp(rng.normal(0, 0.1, shape))
    exports_t = np.where(
        exporter[:, None], np.rint(total * np.minimum(export_share, 0.6) * 10), 0
    ).astype(np.int64)
    rd_int = econ["rd"] * np.exp(rng.normal(0, 0.45, n)) * np.where(specialised, 1.5, 1.0)
    rd_int = np.clip(rd_int, 0.001, 0.15)
    rd = total * rd_int[:, None] * np.exp(rng.normal(0, 0.1, shape))
    rd_t = np.rint(rd * 10).astype(np.int64)
    # revenue per employee (万元) rises gently with size
    productivity = (
        econ["productivity"]
        * (v2025 / PRODUCTIVITY_PIVOT) ** PRODUCTIVITY_ELASTICITY
        * np.exp(rng.normal(0, 0.35, n))
    )
    employees = np.maximum(
        3, np.rint(total / (productivity[:, None] * np.exp(rng.normal(0, 0.05, shape))))
    ).astype(np.int64)
    rd_ratio = np.clip(econ["rd_staff"] * np.exp(rng.normal(0, 0.4, n)), 0.0, 0.6)
    rd_staff = np.floor(employees * rd_ratio[:, None]).astype(np.int64)
    patent_rate = PATENT_RATE * (rd / 100.0) ** PATENT_ELASTICITY
    patents = rng.poisson(4 * patent_rate[:, :1]) + np.cumsum(rng.poisson(patent_rate), axis=1)
    lam_nat = np.minimum(rd / NATIONAL_STANDARD_COST, 2.0)
    lam_ind = np.minimum(rd / INDUSTRY_STANDARD_COST, 3.0)
    std_nat = rng.poisson(2 * lam_nat[:, :1]) + np.cumsum(rng.poisson(lam_nat), axis=1)
    std_ind = rng.poisson(2 * lam_ind[:, :1]) + np.cumsum(rng.poisson(lam_ind), axis=1)
    primary_env = env * split[np.arange(n), seg][:, None]
    price = main_price * np.exp(rng.normal(0, 0.2, n))
    product_share = rng.uniform(0.4, 0.9, n)
    qty = primary_env * product_share[:, None] / price[:, None]
    output_q = np.maximum(np.rint(qty * np.exp(rng.normal(0, 0.05, shape)) * 10), 1).astype(
        np.int64
    )
    utilisation = rng.uniform(0.6, 0.95, n)
    capacity_q = np.maximum(
        np.rint(np.maximum.accumulate(output_q, axis=1) / utilisation[:, None]), output_q
    ).astype(np.int64)
    problem = rng.random(n) < (CREDIT_SHARES[2] + CREDIT_SHARES[3]) * np.where(cls == 0, 0, 1)
    base_rating = np.where(
        problem,
        np.where(rng.random(n) < CREDIT_SHARES[3] / (CREDIT_SHARES[2] + CREDIT_SHARES[3]), 3, 2),
        np.where(
            rng.random(n)
            < CREDIT_SHARES[0] / (CREDIT_SHARES[0] + CREDIT_SHARES[1]) + 0.3 * (cls == 0),
            0,
            1,
        ),
    )
    shift = np.where(rng.random(shape) < 0.15, rng.choice((-1, 1), size=shape), 0)
    rating = np.clip(base_rating[:, None] + shift, 0, 3)
    violations = rng.poisson(np.where(problem, VIOLATION_RATE_PROBLEM, VIOLATION_RATE)[:, None] * np.where(cls == 0, 0.3, 1.0)[:, None], shape)  # fmt: skip
    major = (
        rng.random(shape)
        < np.where(problem, MAJOR_VIOLATION_RATE_PROBLEM, MAJOR_VIOLATION_RATE)[:, None]
        * (cls != 0)[:, None]
    )
    violations = np.where(major, np.maximum(violations, 1), violations)
    floor = np.where(major, 3, np.where(violations >= 2, 2, np.where(violations >= 1, 1, 0)))
    rating = np.maximum(rating, floor)
    rating_letters = np.array(["A", "B", "C", "D"])

    yearly: dict[int, dict[str, np.ndarray]] = {}
    active: dict[int, np.ndarray] = {}
    names_by_year: dict[int, np.ndarray] = {}
    renamed = [i for i in range(n) if former_names[i]]
    for y in years:
        j = y - WINDOW_FIRST
        yearly[y] = {
            "total_revenue": total_t[:, j] / 10.0,
            "env_revenue_manufacturing": parts_t[:, j, 0] / 10.0,
            "env_revenue_services": parts_t[:, j, 1] / 10.0,
            "env_revenue_resource": parts_t[:, j, 2] / 10.0,
            "output_value": output_t[:, j] / 10.0,
            "added_value": added_t[:, j] / 10.0,
            "profit": profit_t[:, j] / 10.0,
            "taxes": taxes_t[:, j] / 10.0,
            "exports": exports_t[:, j] / 10.0,
            "rd_spending": rd_t[:, j] / 10.0,
            "rd_staff": rd_staff[:, j],
            "employees": employees[:, j],
            "invention_patents": patents[:, j],
            "standards_national": std_nat[:, j],
            "standards_industry": std_ind[:, j],
            "main_product_capacity": capacity_q[:, j] / 10.0,
            "main_product_output": output_q[:, j] / 10.0,
            "credit_rating": rating_letters[rating[:, j]].astype(object),
            "env_violations": violations[:, j],
            "major_violation": major[:, j],
        }
        active[y] = active_m[:, j]
        year_names = np.array(names, dtype=object)
        day = f"{y}-12-31"
        for i in renamed:
            for former in former_names[i]:
                if day <= former["until"]:
                    year_names[i] = former["name"]
                    break
        names_by_year[y] = year_names

    static = {
        "uscc": np.array(uscc, dtype=object),
        "city_code": city.astype(object),
        "county_code": county,
        "park_key": park,
        "industry_code": industry,
        "segment": segment,
        "main_products": products,
        "main_product_unit": main_unit,
    }
    firsts = np.maximum(first_year, entry).astype(np.int64).tolist()
    lasts = np.minimum(last_year, exit_).astype(np.int64).tolist()
    clusters = geo.cluster_of_city
    city_l = city.tolist()
    enterprises = list(
        map(
            Enterprise,
            uscc,
            names,
            city_l,
            county.tolist(),
            park.tolist(),
            [clusters.get(c) for c in city_l],
            industry.tolist(),
            segment.tolist(),
            products.tolist(),
            [t if len(t) < 2 else sorted(t, key=_tag_order) for t in tags],
            former_names,
            firsts,
            lasts,
        )
    )
    return Population(spec, enterprises, static, yearly, active, names_by_year)


def _tag_order(tag: dict) -> tuple[str, str]:
    return tag["granted_on"], tag["kind"]


def _tag(kind: str, granted: date, revoked: date | None = None, stage: str | None = None) -> dict:
    return {
        "kind": kind,
        "stage": stage,
        "granted_on": _iso(granted),
        "revoked_on": _iso(revoked) if revoked else None,
    }


def _random_day(rng: np.random.Generator, start: date, end: date) -> date:
    return start + timedelta(days=int(rng.integers(0, (end - start).days + 1)))


def _assign_tags(
    rng: np.random.Generator,
    tags: list[list[dict]],
    tagged_as: dict[str, np.ndarray],
    scale: float,
    cls: np.ndarray,
    seg: np.ndarray,
    v2025: np.ndarray,
    leading: np.ndarray,
    revoked_leading: np.ndarray,
    incumbent: np.ndarray,
) -> None:
    n = len(cls)
    for kind in TAG_KINDS:
        tagged_as[kind] = np.zeros(n, dtype=bool)

    def add(i: int, tag: dict) -> None:
        tags[i].append(tag)
        tagged_as[tag["kind"]][i] = True

    # leading: the first list (including those dropped later), then the second
    lead_idx = np.flatnonzero(leading)
    dropped = np.flatnonzero(revoked_leading)
    first_list_size = min(_scaled(LEADING_FIRST_LIST[1], scale), len(lead_idx) + len(dropped))
    order = lead_idx[_race(rng, np.sqrt(v2025[lead_idx]))]
    first = set(dropped.tolist()) | set(order[: max(0, first_list_size - len(dropped))].tolist())
    for i in dropped:
        add(int(i), _tag("leading", LEADING_FIRST_LIST[0], LEADING_SECOND_LIST))
    for i in order:
        add(int(i), _tag("leading", LEADING_FIRST_LIST[0] if i in first else LEADING_SECOND_LIST))
    # chain leaders: among the biggest leading enterprises on the first list
    listed_first = np.array(sorted(first - set(dropped.tolist())), dtype=np.int64)
    top = listed_first[np.argsort(-v2025[listed_first], kind="stable")][: 3 * CHAIN_LEADERS]
    for i in top[_race(rng, np.ones(len(top)))][: _scaled(CHAIN_LEADERS, scale)]:
        add(int(i), _tag("chain_leader", CHAIN_LEADER_DATE))
    # single champions: large manufacturers
    pool = np.flatnonzero((seg == 0) & (cls <= 1))
    for i in pool[_race(rng, v2025[pool])][: _scaled(SINGLE_CHAMPIONS, scale)]:
        add(int(i), _tag("single_champion", date(int(rng.integers(2016, 2025)), 11, 20)))
    # listed: mostly leading, some large; recent listings leave the listing reserve
    listed_lead = lead_idx[_race(rng, v2025[lead_idx])][: _scaled(LISTED * 0.6, scale)]
    pool = np.flatnonzero(cls == 1)
    listed_large = pool[_race(rng, v2025[pool])][: _scaled(LISTED * 0.4, scale)]
    for i in np.concatenate([listed_lead, listed_large]):
        if rng.random() < 0.75:
            on = _random_day(rng, date(2005, 1, 1), date(2020, 12, 31))
        else:
            on = _random_day(rng, date(2021, 1, 1), date(2025, 10, 31))
            reserve_on = date(on.year - int(rng.integers(1, 3)), 4, 30)
            add(int(i), _tag("listing_reserve", reserve_on, on, stage="accepted"))
        add(int(i), _tag("listed", on))
    # specialised SMEs (provincial 专精特新) and little giants, following the calibrated paths
    sme_pool = np.flatnonzero(
        (cls != 0) & incumbent & (v2025 < SME_REVENUE_LIMIT) & ~tagged_as["listed"]
    )
    weights = np.array([3.0, 1.0, 1.5])[seg[sme_pool]] * np.sqrt(v2025[sme_pool])
    sme_order = [int(i) for i in sme_pool[_race(rng, weights)]]
    spec_path = {y: _scaled(c, scale) for y, c in SPECIALISED_SME_PATH.items()}
    giant_path = {y: _scaled(c, scale) for y, c in LITTLE_GIANT_PATH.items()}
    years = sorted(spec_path)
    granted: dict[int, date] = {}  # enterprise -> date designated
    revoked: dict[int, date] = {}  # enterprise -> date the designation lapsed
    giants: dict[int, date] = {}
    cursor = 0

    def grant_spec(count: int, dates: Sequence[date]) -> None:
        nonlocal cursor
        for _ in range(count):
            if cursor >= len(sme_order):
                return
            i = sme_order[cursor]
            cursor += 1
            granted[i] = dates[int(rng.integers(0, len(dates)))]

    y0 = years[0]
    grant_spec(
        spec_path[y0],
        [date(y, m, d) for y in range(2018, y0 + 1) for m, d in ((6, 30), (12, 10))],
    )
    giant_dates = [date(y, 7, 20) for y in range(2019, y0 + 1)]
    eligible = [i for i in granted if granted[i] <= giant_dates[-1]]
    for k in rng.permutation(len(eligible))[: giant_path[y0]]:
        i = eligible[int(k)]
        options = [d for d in giant_dates if d >= granted[i]]
        giants[i] = options[int(rng.integers(0, len(options)))]
    for prev, y in zip(years, years[1:], strict=False):
        giant_day, review_day = date(y, 7, 20), date(y, 12, 10)
        active_spec = [i for i in granted if i not in revoked]
        # national little giants come from the provincial specialised SMEs
        eligible = [i for i in active_spec if i not in giants and granted[i] <= giant_day]
        for k in rng.permutation(len(eligible))[: max(0, giant_path[y] - giant_path[prev])]:
            giants[eligible[int(k)]] = giant_day
        # designations older than three years may fail their review
        reviewable = [
            i for i in active_spec if i not in giants and granted[i] <= date(y - 3, 12, 31)
        ]
        n_revoke = min(len(reviewable), round(SPECIALISED_SME_REVOKE_RATE * len(active_spec)))
        for k in rng.permutation(len(reviewable))[:n_revoke]:
            revoked[reviewable[int(k)]] = review_day
        grant_spec(
            max(0, spec_path[y] - (len(active_spec) - n_revoke)), [date(y, 6, 30), review_day]
        )
    for i, on in granted.items():
        add(i, _tag("specialised_sme", on, revoked.get(i)))
    for i, on in giants.items():
        add(i, _tag("little_giant", on))
    # innovative SMEs (from 2022, when the evaluation began)
    pool = np.flatnonzero((cls != 0) & incumbent & (v2025 < SME_REVENUE_LIMIT))
    chosen = pool[_race(rng, np.sqrt(v2025[pool]))][: _scaled(INNOVATIVE_SMES, scale)]
    on = {y: date(y, 6, 30) for y in range(2022, 2026)}
    for i, y in zip(chosen.tolist(), rng.integers(2022, 2026, len(chosen)).tolist(), strict=True):
        add(i, _tag("innovative_sme", on[y]))
    # listing reserve, among non-listed larger SMEs and large enterprises; a few leave it
    pool = np.flatnonzero((cls != 0) & incumbent & ~tagged_as["listed"])
    weights = np.sqrt(v2025[pool]) * np.where(
        tagged_as["specialised_sme"][pool] | (cls[pool] == 1), 4.0, 1.0
    )
    chosen = pool[_race(rng, weights)][: _scaled(LISTING_RESERVE, scale)]
    stages = [s for s, _ in LISTING_RESERVE_STAGES]
    stage_p = np.array([p for _, p in LISTING_RESERVE_STAGES])
    picked = rng.choice(len(stages), size=len(chosen), p=stage_p).tolist()
    entered = rng.integers(2021, 2026, len(chosen)).tolist()
    left = (rng.random(len(chosen)) < LISTING_RESERVE_REMOVED).tolist()
    for i, stage, y, gone in zip(chosen.tolist(), picked, entered, left, strict=True):
        removed = date(y + 1, 4, 30) if gone and y < 2025 else None
        add(i, _tag("listing_reserve", date(y, 4, 30), removed, stage=stages[stage]))


def _names_and_codes(rng, geo, n, city_idx, county, industry, cls, tagged_as):
    """Synthetic names (unique, ending （合成）), former names, credit codes and products."""
    listed = tagged_as["listed"]
    provincial = (cls == 0) & (rng.random(n) < 0.4)  # "山东..." for some leading enterprises
    prefixes = [geo.city_short[c] for c in geo.cities] + ["山东"]
    namespace = np.where(provincial, len(geo.cities), city_idx)
    renamed = rng.random(n) < RENAMED_SHARE
    twice = renamed & (rng.random(n) < 0.1)
    chars = _NAME_CHARS
    k = len(chars)
    words = np.empty(n, dtype=object)
    former_words: dict[int, list[str]] = {}
    for ns in range(len(prefixes)):
        members = np.flatnonzero(namespace == ns)
        need = len(members) + int(renamed[members].sum()) + int(twice[members].sum())
        if need <= 0.8 * k * (k - 1):
            picks = rng.choice(k * (k - 1), size=need, replace=False)
            a, b = picks // (k - 1), picks % (k - 1)
            b = b + (b >= a)
            pool = [chars[x] + chars[y] for x, y in zip(a.tolist(), b.tolist(), strict=True)]
        else:
            picks = rng.choice(k**3, size=need, replace=False)
            pool = [
                chars[x // (k * k)] + chars[(x // k) % k] + chars[x % k] for x in picks.tolist()
            ]
        words[members] = np.array(pool[: len(members)], dtype=object)
        it = iter(pool[len(members) :])
        for i in members[renamed[members]].tolist():
            former_words[i] = [next(it) for _ in range(2 if twice[i] else 1)]
    industry_l = industry.tolist()
    trade = [_NAME_WORDS[code] for code in industry_l]
    trade_pick = rng.integers(0, 12, n).tolist()
    group = (cls == 0) & (rng.random(n) < 0.3)
    joint_stock = listed | (rng.random(n) < 0.15)
    forms = np.where(group, "集团有限公司", np.where(joint_stock, "股份有限公司", "有限公司"))
    ns_l = [prefixes[x] for x in namespace.tolist()]
    names = [
        f"{ns}{word}{tr[pick % len(tr)]}{form}{SYNTHETIC_NAME_SUFFIX}"
        for ns, word, tr, pick, form in zip(
            ns_l, words.tolist(), trade, trade_pick, forms.tolist(), strict=True
        )
    ]
    former_names: list[list[dict]] = [[] for _ in range(n)]
    until_days = rng.integers(0, (date(2025, 11, 30) - date(2019, 1, 1)).days, n)
    for i, fws in former_words.items():
        last = date(2019, 1, 1) + timedelta(days=int(until_days[i]))
        entries = []
        for back, word in enumerate(fws):
            until = date(last.year - 2 * back, last.month, min(last.day, 28))
            t = trade[i][(trade_pick[i] + 1 + back) % len(trade[i])]
            entries.append(
                {"name": f"{ns_l[i]}{word}{t}有限公司{SYNTHETIC_NAME_SUFFIX}",
                 "until": _iso(until)}
            )  # fmt: skip
        former_names[i] = sorted(entries, key=lambda e: e["until"])
    uscc = _uscc_many(np.arange(1, n + 1), county.tolist())
    # one or two products; the first is the main product (unit and unit price)
    pick_a, pick_b = rng.integers(0, 60, (2, n))
    two = rng.random(n) < 0.5
    products = np.empty(n, dtype=object)
    unit = np.empty(n, dtype=object)
    price = np.zeros(n)
    industry_u = industry.astype(str)
    for code, options in PRODUCTS.items():
        members = np.flatnonzero(industry_u == code)
        if not len(members):
            continue
        m = len(options)
        a = pick_a[members] % m
        b = np.where(two[members] & (pick_b[members] % m != a), pick_b[members] % m, -1)
        labels = np.array(
            [options[x][0] + (f"、{options[y][0]}" if y >= 0 else "")
             for x in range(m) for y in range(-1, m)],
            dtype=object,
        )  # fmt: skip
        products[members] = labels[a * (m + 1) + b + 1]
        unit[members] = np.array([o[1] for o in options], dtype=object)[a]
        price[members] = np.array([o[2] for o in options])[a]
    return names, former_names, uscc, products, (unit, price)


# =============================================================================================
# Summary (the calibration figures, computed from the returns).
# =============================================================================================


def summarise(population: Population) -> dict:
    """Province-level figures per year, computed from the returns and tags.

    ``segment_totals`` (万元), ``above_threshold`` (enterprises with environmental revenue above
    1亿元), ``cluster_share`` (of environmental revenue), ``leading_share`` per segment (tags in
    force at year end), ``tag_counts`` (in force at year end), ``returns`` (count).
    """
    geo = _geography()
    tagged: dict[str, list[Enterprise]] = {}
    for e in population.enterprises:
        for t in e.tags:
            tagged.setdefault(t["kind"], []).append(e)
    out: dict = {"enterprises": len(population.enterprises), "years": {}}
    for year in population.years:
        day = f"{year}-12-31"
        leading = {e.uscc for e in tagged.get("leading", []) if e.has_tag("leading", day)}
        seg_tot = dict.fromkeys(SEGMENTS, 0.0)
        lead_tot = dict.fromkeys(SEGMENTS, 0.0)
        above = 0
        cluster = 0.0
        count = 0
        for row in population.returns(year):
            count += 1
            env = 0.0
            for s in SEGMENTS:
                value = row[f"env_revenue_{s}"]
                env += value
                seg_tot[s] += value
                if row["uscc"] in leading:
                    lead_tot[s] += value
            if env > ABOVE_THRESHOLD:
                above += 1
            if row["city_code"] in geo.cluster_of_city:
                cluster += env
        total = sum(seg_tot.values())
        out["years"][year] = {
            "returns": count,
            "segment_totals": {s: round(seg_tot[s], 1) for s in SEGMENTS},
            "above_threshold": above,
            "cluster_share": cluster / total if total else 0.0,
            "leading_share": {
                s: (lead_tot[s] / seg_tot[s] if seg_tot[s] else 0.0) for s in SEGMENTS
            },
            "tag_counts": {
                kind: len({e.uscc for e in tagged.get(kind, []) if e.has_tag(kind, day)})
                for kind in TAG_KINDS
            },
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m eco311.enterprises.survey.synthetic``: time a generation, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=BASELINE_ENTERPRISES)
    parser.add_argument("--years", default="2021-2025", help="e.g. 2021-2025 or 2023,2025")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if "-" in args.years:
        lo, hi = (int(x) for x in args.years.split("-"))
        years = tuple(range(lo, hi + 1))
    else:
        years = tuple(int(x) for x in args.years.split(","))
    spec = PopulationSpec(enterprises=args.enterprises, years=years, seed=args.seed)
    t = time.perf_counter()
    _geography()
    print(f"area file: {time.perf_counter() - t:.2f} s (once per process)")
    t0 = time.perf_counter()
    pop = generate(spec)
    t1 = time.perf_counter()
    rows = sum(1 for _ in pop.all_returns())
    t2 = time.perf_counter()
    print(f"generate: {t1 - t0:.2f} s; {rows} returns built in {t2 - t1:.2f} s")
    summary = summarise(pop)
    for year, fig in summary["years"].items():
        totals = ", ".join(f"{s} {v / 10_000:.1f}亿" for s, v in fig["segment_totals"].items())
        shares = ", ".join(f"{s} {v:.3f}" for s, v in fig["leading_share"].items())
        tags = fig["tag_counts"]
        print(
            f"{year}: {fig['returns']} returns; {totals}; >1亿 {fig['above_threshold']}; "
            f"cluster {fig['cluster_share']:.3f}; leading {shares}; "
            f"leading {tags['leading']}, 专精特新 {tags['specialised_sme']}, "
            f"小巨人 {tags['little_giant']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
