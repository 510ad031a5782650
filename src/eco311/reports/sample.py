"""A synthetic evaluation report for tests, previews and the demo.

The targets are paraphrased from the "311" plan (鲁环发〔2023〕22号); their values, statuses and
warnings are invented from `seed` and the report is marked synthetic. Nothing here reads the
database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .document import (
    STATUS_ORDER,
    EvaluationReport,
    GroupRow,
    StatusCounts,
    TargetRow,
    WarningRow,
)

PLAN_TITLE = {
    "zh": "山东省生态环保产业高质量发展“311”工程三年行动计划（2023—2025年）",
    "en": (
        "Shandong “311” Project Three-Year Action Plan for the High-Quality Development of the "
        "Ecological and Environmental Protection Industry (2023–2025)"
    ),
}

SECTIONS = {
    "1": ("一、总体思路和发展目标", "1. Overall approach and goals"),
    "2": ("二、建设3大生态环保产业集群", "2. Three industry clusters"),
    "3": ("三、打造10个生态环保产业特色园区", "3. Ten characteristic industrial parks"),
    "4": ("四、培育100家左右龙头骨干企业", "4. About 100 leading enterprises"),
    "5": ("五、强化生态环保产业支撑保障", "5. Support and safeguards"),
    "6": ("六、加强组织领导", "6. Organisation and leadership"),
}

UNITS = {
    "sthj": ("省生态环境厅", "Provincial Dept. of Ecology and Environment"),
    "gxt": ("省工业和信息化厅", "Provincial Dept. of Industry and IT"),
    "swt": ("省商务厅", "Provincial Dept. of Commerce"),
    "jrj": ("省地方金融监管局", "Provincial Local Financial Supervision Bureau"),
    "fgw": ("省发展改革委", "Provincial Development and Reform Commission"),
    "zjt": ("省住房城乡建设厅", "Provincial Dept. of Housing and Urban-Rural Development"),
    "kjt": ("省科技厅", "Provincial Dept. of Science and Technology"),
    "rmyh": ("人民银行山东省分行", "People's Bank of China, Shandong Branch"),
    "jinan": ("济南市人民政府", "Jinan Municipal Government"),
    "qingdao": ("青岛市人民政府", "Qingdao Municipal Government"),
    "zibo": ("淄博市人民政府", "Zibo Municipal Government"),
    "parks": ("园区所在市人民政府", "Municipal government of the park"),
    "cities": ("各市人民政府", "Municipal governments"),
}

CITIES = (
    ("济南", "Jinan"),
    ("青岛", "Qingdao"),
    ("淄博", "Zibo"),
    ("枣庄", "Zaozhuang"),
    ("东营", "Dongying"),
    ("烟台", "Yantai"),
    ("潍坊", "Weifang"),
    ("济宁", "Jining"),
    ("泰安", "Tai'an"),
    ("威海", "Weihai"),
    ("日照", "Rizhao"),
    ("临沂", "Linyi"),
    ("德州", "Dezhou"),
    ("聊城", "Liaocheng"),
    ("滨州", "Binzhou"),
    ("菏泽", "Heze"),
)

END_2023, END_2024, END_2025 = date(2023, 12, 31), date(2024, 12, 31), date(2025, 12, 31)
MID_2024, MAR_2024 = date(2024, 6, 30), date(2024, 3, 31)
DEADLINE_TEXT = {
    END_2023: ("2023年年底前", "by end-2023"),
    END_2024: ("2024年年底前", "by end-2024"),
    END_2025: ("2025年年底前", "by end-2025"),
    MID_2024: ("2024年6月底前", "by end-June 2024"),
    MAR_2024: ("2024年3月底前", "by end-March 2024"),
}


@dataclass
class Spec:
    ref: str  # "3.2.2": part, subsection, item
    zh: str
    en: str
    scope: tuple[str, str]
    units: tuple[str, ...]
    deadline: date
    value: float | None = None  # None: a milestone
    unit: tuple[str, str] = ("", "")
    op: str = "≥"  # "≥", ">", "≈", "="


PROVINCE = ("全省", "Province")
JINAN, QINGDAO, ZIBO = ("济南市", "Jinan"), ("青岛市", "Qingdao"), ("淄博市", "Zibo")
JIA, GE, YI, PCT = ("家", "firms"), ("个", ""), ("亿元", "bn yuan"), ("%", "%")
WANDUN = ("万吨", "10k t")

# One line per target: easier to read and review as a table.
# fmt: off
SPECS: tuple[Spec, ...] = (
    Spec("1.2", "到2025年，全省环保营业收入过1亿元的企业力争达到300家以上", "By 2025, at least 300 firms with environmental revenue above 100 million yuan", PROVINCE, ("sthj",), END_2025, 300, JIA),
    Spec("1.2", "到2025年，3大产业集群环保业务产值力争占全省的50%以上", "By 2025, the three clusters produce at least 50% of the province's environmental output", PROVINCE, ("sthj", "jinan", "qingdao", "zibo"), END_2025, 50, PCT),
    Spec("2.1.1", "2024年年底前，依托“大气环境模拟系统”建成齐鲁中科泰山生态环境研究院", "By end-2024, build the Qilu–CAS Taishan Eco-Environment Institute on the atmospheric simulation facility", JINAN, ("jinan",), END_2024),
    Spec("2.1.2", "2024年年底前，建成“智慧生态黄河”项目", "By end-2024, complete the “Smart Ecological Yellow River” project", JINAN, ("jinan", "sthj"), END_2024),
    Spec("2.1.2", "2025年年底前，建成碳中和北方中心，打造碳中和济南样板", "By end-2025, build the Northern Carbon Neutrality Centre", JINAN, ("jinan",), END_2025),
    Spec("2.1.3", "2025年年底前，建设生态环境综合服务特色园区，引导生态环保企业向园区集聚协作发展", "By end-2025, build an eco-environmental services park", JINAN, ("jinan",), END_2025),
    Spec("2.2.1", "2025年年底前，建成环保仪器仪表产业园项目（二期）", "By end-2025, complete phase II of the environmental instruments industrial park", QINGDAO, ("qingdao",), END_2025),
    Spec("2.2.2", "2025年年底前，青岛环境医院信息服务平台入驻单位力争达30家以上", "By end-2025, at least 30 members on the Qingdao Environmental Hospital platform", QINGDAO, ("qingdao",), END_2025, 30, JIA),
    Spec("2.2.2", "2025年年底前，青岛市气候投融资合计金额力争达到1000亿元", "By end-2025, climate investment and financing in Qingdao reaches 100 bn yuan", QINGDAO, ("qingdao", "rmyh"), END_2025, 1000, YI),
    Spec("2.2.3", "2025年年底前，力争全市生态环境科技创新中心、重点实验室等研发机构达50家以上", "By end-2025, at least 50 eco-environmental R&D institutions in Qingdao", QINGDAO, ("qingdao", "kjt"), END_2025, 50, GE),
    Spec("2.3.1", "2025年年底前，建成具备污染防治关键技术研发、应用、推广等功能的产业研究中心", "By end-2025, build a pollution-control industry research centre", ZIBO, ("zibo",), END_2025),
    Spec("2.3.3", "2025年年底前，完成博山区、经开区固废循环综合利用特色基地建设", "By end-2025, complete the Boshan and ETDZ solid-waste recycling bases", ZIBO, ("zibo",), END_2025),
    Spec("2.3.3", "2024年年底前，完成炭基环保产业基地一期工程建设", "By end-2024, complete phase I of the carbon-based materials base", ZIBO, ("zibo",), END_2024),
    Spec("3.1.2", "2025年年底前，青岛上合园区建成5个以上生态环境领域实验室、工程（技术）研究中心和企业技术中心", "By end-2025, at least 5 laboratories and engineering centres in the Qingdao SCO park", ("青岛上合示范区", "Qingdao SCO zone"), ("parks",), END_2025, 5, GE),
    Spec("3.1.2", "2025年年底前，青岛上合园区培育3家以上“专精特新”企业", "By end-2025, at least 3 specialised SMEs in the Qingdao SCO park", ("青岛上合示范区", "Qingdao SCO zone"), ("parks", "gxt"), END_2025, 3, JIA),
    Spec("3.2.2", "到2025年，枣庄市中区环保新材料（水处理剂）生产能力达到100万吨", "By 2025, 1 million t of water-treatment chemicals capacity in Shizhong, Zaozhuang", ("枣庄市市中区", "Shizhong, Zaozhuang"), ("parks",), END_2025, 100, WANDUN, "="),
    Spec("3.2.2", "到2025年，枣庄市中区园区实现主营业务收入60亿元", "By 2025, 6 bn yuan of main-business revenue in the Shizhong park", ("枣庄市市中区", "Shizhong, Zaozhuang"), ("parks",), END_2025, 60, YI, "="),
    Spec("3.2.3", "到2025年年底，园区企业研究开发投入占园区总产值的2%以上", "By end-2025, R&D spending of park firms at least 2% of park output", ("枣庄市市中区", "Shizhong, Zaozhuang"), ("parks", "kjt"), END_2025, 2, PCT),
    Spec("3.2.3", "到2025年年底，园区专职研发人员总数量达到200人", "By end-2025, 200 full-time R&D staff in the park", ("枣庄市市中区", "Shizhong, Zaozhuang"), ("parks",), END_2025, 200, ("人", "people"), "="),
    Spec("3.2.3", "到2025年年底，园区企业获得授权专利180项以上", "By end-2025, at least 180 granted patents", ("枣庄市市中区", "Shizhong, Zaozhuang"), ("parks",), END_2025, 180, ("项", "")),
    Spec("3.3.2", "2025年年底，烟台莱山园区环保企业入驻30家以上", "By end-2025, at least 30 environmental firms in the Laishan park", ("烟台市莱山区", "Laishan, Yantai"), ("parks",), END_2025, 30, JIA),
    Spec("3.3.2", "2025年年底，烟台莱山园区产业增加值突破100亿元", "By end-2025, value added of the Laishan park above 10 bn yuan", ("烟台市莱山区", "Laishan, Yantai"), ("parks",), END_2025, 100, YI, ">"),
    Spec("3.3.3", "2024年年底，完成暨南大学环保产学研基地一期工程", "By end-2024, complete phase I of the Jinan University environmental research base", ("烟台市莱山区", "Laishan, Yantai"), ("parks",), END_2024),
    Spec("3.4.2", "到2025年，潍坊安丘园区产值达到130亿元，工业增加值达30亿元", "By 2025, output of the Anqiu park 13 bn yuan, industrial value added 3 bn yuan", ("潍坊市安丘市", "Anqiu, Weifang"), ("parks",), END_2025, 130, YI, "="),
    Spec("3.4.3", "2023年年底，建成生态环保产业联盟平台", "By end-2023, launch the eco-environmental industry alliance platform", ("潍坊市安丘市", "Anqiu, Weifang"), ("parks",), END_2023),
    Spec("3.5.2", "到2025年，济宁梁山园区培育3家产值过亿的龙头骨干企业", "By 2025, 3 leading firms with output above 100 million yuan in the Liangshan park", ("济宁市梁山县", "Liangshan, Jining"), ("parks",), END_2025, 3, JIA, "="),
    Spec("3.5.2", "到2025年，济宁梁山园区产值过10亿元", "By 2025, output of the Liangshan park above 1 bn yuan", ("济宁市梁山县", "Liangshan, Jining"), ("parks",), END_2025, 10, YI, ">"),
    Spec("3.5.3", "2024年年底前，完成梁山园区基础设施改造提升", "By end-2024, upgrade the Liangshan park infrastructure", ("济宁市梁山县", "Liangshan, Jining"), ("parks",), END_2024),
    Spec("3.6.2", "到2025年，泰安肥城园区生态环保产业年营业收入达30亿元以上", "By 2025, annual environmental revenue in the Feicheng park at least 3 bn yuan", ("泰安市肥城市", "Feicheng, Tai'an"), ("parks",), END_2025, 30, YI),
    Spec("3.6.3", "2025年年底前，建成肥城园区创业服务中心", "By end-2025, open the Feicheng park start-up service centre", ("泰安市肥城市", "Feicheng, Tai'an"), ("parks",), END_2025),
    Spec("3.7.2", "到2025年，日照莒县园区聚集环保关联企业15家以上", "By 2025, at least 15 environmental firms in the Juxian park", ("日照市莒县", "Juxian, Rizhao"), ("parks",), END_2025, 15, JIA),
    Spec("3.7.2", "到2025年，日照莒县园区年产环保成套装备15000套以上", "By 2025, at least 15,000 sets of environmental equipment a year", ("日照市莒县", "Juxian, Rizhao"), ("parks",), END_2025, 15000, ("套", "sets")),
    Spec("3.7.3", "2024年年底前，建成多污染物协同治理技术创新中心", "By end-2024, open the multi-pollutant control innovation centre", ("日照市莒县", "Juxian, Rizhao"), ("parks", "kjt"), END_2024),
    Spec("3.8.2", "2023年年底前，完成高性能过滤板制造等4个项目建设", "By end-2023, complete 4 projects including high-performance filter plates", ("德州市天衢新区", "Tianqu, Dezhou"), ("parks",), END_2023, 4, GE, "="),
    Spec("3.8.2", "2025年年底前，德州天衢园区规上企业总产值突破200亿元", "By end-2025, output of large firms in the Tianqu park above 20 bn yuan", ("德州市天衢新区", "Tianqu, Dezhou"), ("parks",), END_2025, 200, YI, ">"),
    Spec("3.8.3", "到2025年，德州天衢园区各类科技创新平台数量达到35个以上", "By 2025, at least 35 innovation platforms in the Tianqu park", ("德州市天衢新区", "Tianqu, Dezhou"), ("parks", "kjt"), END_2025, 35, GE),
    Spec("3.9.2", "到2025年，聊城茌平园区工业固废年综合利用能力达600万吨以上", "By 2025, at least 6 million t a year of industrial solid-waste recycling capacity", ("聊城市茌平区", "Chiping, Liaocheng"), ("parks",), END_2025, 600, WANDUN),
    Spec("3.9.2", "到2025年，聊城茌平园区总产值达到19亿元", "By 2025, output of the Chiping park 1.9 bn yuan", ("聊城市茌平区", "Chiping, Liaocheng"), ("parks",), END_2025, 19, YI, "="),
    Spec("3.10.2", "到2025年，滨州惠民园区规模以上工业企业达到60家", "By 2025, 60 large industrial firms in the Huimin park", ("滨州市惠民县", "Huimin, Binzhou"), ("parks",), END_2025, 60, JIA, "="),
    Spec("3.10.2", "到2025年，滨州惠民园区主营业务收入达到200亿元左右", "By 2025, main-business revenue of the Huimin park about 20 bn yuan", ("滨州市惠民县", "Huimin, Binzhou"), ("parks",), END_2025, 200, YI, "≈"),
    Spec("3.10.2", "到2025年，年综合利用废旧塑料等固体废物150万吨", "By 2025, 1.5 million t a year of waste plastics and other solid waste recycled", ("滨州市惠民县", "Huimin, Binzhou"), ("parks",), END_2025, 150, WANDUN, "="),
    Spec("4.1.1", "2025年年底前，环保制造业营业收入力争达到400亿元", "By end-2025, environmental manufacturing revenue reaches 40 bn yuan", PROVINCE, ("sthj", "gxt"), END_2025, 400, YI, "="),
    Spec("4.1.1", "2025年年底前，环保制造业龙头骨干企业营业收入占总营业收入的50%以上", "By end-2025, leading firms earn at least 50% of environmental manufacturing revenue", PROVINCE, ("sthj", "gxt"), END_2025, 50, PCT),
    Spec("4.1.2", "2025年年底前，环境服务业营业收入力争达到500亿元", "By end-2025, environmental services revenue reaches 50 bn yuan", PROVINCE, ("sthj",), END_2025, 500, YI, "="),
    Spec("4.1.2", "2025年年底前，环境服务业龙头骨干企业营业收入占总营业收入的30%以上", "By end-2025, leading firms earn at least 30% of environmental services revenue", PROVINCE, ("sthj",), END_2025, 30, PCT),
    Spec("4.1.3", "2025年年底前，资源综合利用业营业收入力争达到400亿元", "By end-2025, resource recycling revenue reaches 40 bn yuan", PROVINCE, ("sthj", "swt", "gxt"), END_2025, 400, YI, "="),
    Spec("4.1.3", "2025年年底前，资源综合利用业龙头骨干企业营业收入占总营业收入的30%以上", "By end-2025, leading firms earn at least 30% of resource recycling revenue", PROVINCE, ("sthj", "swt", "gxt"), END_2025, 30, PCT),
    Spec("4.2.1", "2024年6月底前，完成我省生态环保产业优势产业链图谱分析", "By end-June 2024, map the province's leading eco-environmental industry chains", PROVINCE, ("sthj",), MID_2024),
    Spec("4.2.2", "2024年6月底前，研究制定生态环保龙头骨干企业发展引导性指标体系", "By end-June 2024, publish guiding indicators for leading enterprises", PROVINCE, ("sthj",), MID_2024),
    Spec("4.2.2", "省级每年组织2次生态环保产业供需对接会", "Hold 2 provincial supply–demand matchmaking fairs a year", PROVINCE, ("sthj",), END_2025, 2, ("次/年", "a year"), "="),
    Spec("4.3.1", "到2025年，省级“专精特新”中小企业力争达到260家以上", "By 2025, at least 260 provincial “specialised and innovative” SMEs", PROVINCE, ("sthj", "gxt"), END_2025, 260, JIA),
    Spec("4.3.1", "到2025年，国家级专精特新“小巨人”企业力争达到50家以上", "By 2025, at least 50 national “little giant” firms", PROVINCE, ("sthj", "gxt"), END_2025, 50, JIA),
    Spec("5.1.1", "2025年年底前，新增污水处理能力200万吨/日以上", "By end-2025, at least 2 million t/day of new sewage treatment capacity", PROVINCE, ("sthj", "fgw", "zjt"), END_2025, 200, ("万吨/日", "10k t/day")),
    Spec("5.1.1", "2025年年底前，城市污水集中处理率达到99%", "By end-2025, 99% of urban sewage treated centrally", PROVINCE, ("zjt",), END_2025, 99, PCT, "="),
    Spec("5.1.1", "2025年年底前，建制镇生活污水处理率达到75%", "By end-2025, 75% of town sewage treated", PROVINCE, ("zjt",), END_2025, 75, PCT, "="),
    Spec("5.1.1", "2025年年底前，新增20个左右生态环境导向的开发（EOD）模式项目", "By end-2025, about 20 new ecology-oriented development (EOD) projects", PROVINCE, ("sthj", "fgw"), END_2025, 20, GE, "≈"),
    Spec("5.1.1", "2025年年底前，新建10个左右省级工业资源综合利用基地", "By end-2025, about 10 new provincial industrial resource recycling bases", PROVINCE, ("fgw", "gxt"), END_2025, 10, GE, "≈"),
    Spec("5.1.1", "2025年年底前，组织开展5-7个区域环境基础设施一体化打包服务模式试点", "By end-2025, 5–7 pilots of bundled regional environmental infrastructure", PROVINCE, ("sthj", "fgw"), END_2025, 5, GE),
    Spec("5.1.2", "2025年年底前，推动20个县（市、区）开展近零碳示范创建工作", "By end-2025, 20 counties start near-zero-carbon demonstrations", PROVINCE, ("sthj",), END_2025, 20, GE, "="),
    Spec("5.1.2", "2025年年底前，推动20个园区和30个社区开展近零碳示范创建工作", "By end-2025, 20 parks and 30 communities start near-zero-carbon demonstrations", PROVINCE, ("sthj", "zjt"), END_2025, 50, GE, "="),
    Spec("5.1.2", "2025年年底前，完成600家重点企业产品碳足迹核算", "By end-2025, product carbon footprints of 600 key firms accounted", PROVINCE, ("sthj",), END_2025, 600, JIA, "="),
    Spec("5.1.2", "每年推动1000家以上企业开展清洁生产审核", "At least 1,000 firms a year undergo cleaner-production audits", PROVINCE, ("sthj",), END_2025, 1000, ("家/年", "firms a year")),
    Spec("5.1.2", "到2025年年底前，力争建设80家左右的生态工业园区", "By end-2025, about 80 eco-industrial parks", PROVINCE, ("sthj", "swt"), END_2025, 80, JIA, "≈"),
    Spec("5.1.3", "2025年年底前，建设30个左右低VOCs含量原辅材料替代试点项目", "By end-2025, about 30 low-VOC raw-material substitution pilots", PROVINCE, ("sthj",), END_2025, 30, GE, "≈"),
    Spec("5.1.3", "2025年年底前，城市污泥无害化处置率达到90%", "By end-2025, 90% of urban sludge safely disposed", PROVINCE, ("zjt",), END_2025, 90, PCT, "="),
    Spec("5.1.3", "2025年年底前，全省55%以上的行政村完成生活污水治理任务", "By end-2025, sewage treatment in at least 55% of administrative villages", PROVINCE, ("sthj",), END_2025, 55, PCT),
    Spec("5.1.3", "力争建成省级“无废园区”“无废工厂”100家以上", "At least 100 provincial “zero-waste” parks and factories", PROVINCE, ("sthj",), END_2025, 100, JIA),
    Spec("5.3.2", "2024年年底前，省环保金融项目库新增入库项目300个", "By end-2024, 300 new projects in the provincial green-finance project pool", PROVINCE, ("sthj", "rmyh"), END_2024, 300, GE, "="),
    Spec("5.3.2", "2024年年底前，省环保金融项目库新增融资200亿元以上", "By end-2024, at least 20 bn yuan of new financing for pooled projects", PROVINCE, ("sthj", "rmyh"), END_2024, 200, YI),
    Spec("5.3.3", "为开展生态环保产业统计调查的3700余家企业全部匹配金融伙伴", "Match all 3,700-plus surveyed firms with a financial partner", PROVINCE, ("jrj", "sthj"), END_2025, 100, PCT, "="),
    Spec("5.4.2", "2024年6月底前，完成省生态环境科技成果转化综合服务平台二期工程建设", "By end-June 2024, complete phase II of the technology-transfer service platform", PROVINCE, ("sthj", "kjt"), MID_2024),
    Spec("5.4.2", "2025年年底前，组织开展30个左右的生态环境科技成果转移转化基地建设试点", "By end-2025, about 30 technology-transfer base pilots", PROVINCE, ("sthj", "kjt", "gxt"), END_2025, 30, GE, "≈"),
    Spec("6.1", "2024年6月底前，建立生态环保产业发展工作推进机制", "By end-June 2024, set up the inter-departmental working mechanism", PROVINCE, ("sthj",), MID_2024),
    Spec("6.1", "2024年3月底前，各市按照本行动计划制定具体工作方案", "By end-March 2024, every city issues its own work plan", PROVINCE, ("cities",), MAR_2024, 16, ("个市", "cities"), "="),
    Spec("6.3", "2025年年底，在全省遴选30个生态环保产业高质量发展典型案例进行集中宣传报道", "By end-2025, select and publicise 30 model cases", PROVINCE, ("sthj",), END_2025, 30, GE, "="),
)
# fmt: on

CN_NUM = "一二三四五六七八九十"

FLAGS = (
    ("数据为初步统计，待年报核定", "Preliminary figure, to be confirmed by the annual report"),
    ("2024年起统计口径含危险废物处置", "From 2024 the figure includes hazardous-waste disposal"),
    ("本期报送晚于规定时间", "This period's report was submitted late"),
    ("数值由责任单位估算", "Value estimated by the responsible unit"),
)

MILESTONE_PROGRESS = (
    ("已完成前期手续", "Preparatory approvals done"),
    ("主体工程在建", "Main works under construction"),
    ("完成投资约六成", "About 60% of investment made"),
    ("已进入验收阶段", "In acceptance"),
)


def _cn(n: int) -> str:
    return CN_NUM[n - 1] if n <= 10 else f"{n}"


def section_ref(ref: str, lang: str) -> str:
    """ "3.2.2" -> "三（二）2" in Chinese, "3(2)2" in English."""
    parts = [int(p) for p in ref.split(".")]
    if lang == "zh":
        out = _cn(parts[0])
        if len(parts) > 1:
            out += f"（{_cn(parts[1])}）"
        if len(parts) > 2:
            out += str(parts[2])
        return out
    out = str(parts[0])
    if len(parts) > 1:
        out += f"({parts[1]})"
    if len(parts) > 2:
        out += str(parts[2])
    return out


# Units whose values are not whole counts.
CONTINUOUS = {"亿元", "%", "万吨", "万吨/日"}


def _round(value: float, unit: tuple[str, str]) -> float:
    return round(value, 1) if unit[0] in CONTINUOUS else float(round(value))


# English shows Chinese units of 10^4 and 10^8 in millions and billions.
EN_SCALE = {"亿元": (0.1, "bn yuan"), "万吨": (0.01, "Mt"), "万吨/日": (0.01, "Mt/day")}


def _with_unit(value: float, unit: tuple[str, str], lang: str) -> str:
    unit_text = unit[0] if lang == "zh" else unit[1]
    if lang != "zh" and unit[0] in EN_SCALE:
        factor, unit_text = EN_SCALE[unit[0]]
        number = f"{value * factor:,.2f}".rstrip("0").rstrip(".")
    elif unit[0] in CONTINUOUS and value < 100:
        number = f"{value:,.1f}"
    else:
        number = f"{round(value):,}"
    if unit_text == "%":
        return f"{number}%"
    return f"{number} {unit_text}".strip()


def _target_display(spec: Spec, lang: str) -> str:
    if spec.value is None:
        return "建成（节点目标）" if lang == "zh" else "Done (milestone)"
    op = {"≥": "≥ ", ">": "> ", "≈": "约 " if lang == "zh" else "≈ ", "=": ""}[spec.op]
    return op + _with_unit(spec.value, spec.unit, lang)


def _period(d: date, lang: str) -> str:
    half = 1 if d.month <= 6 else 2
    if lang == "zh":
        return f"{d.year}年{'上' if half == 1 else '下'}半年"
    return f"{d.year} H{half}"


def _half_years(start: date, end: date) -> list[date]:
    out, year = [], start.year
    while True:
        for d in (date(year, 6, 30), date(year, 12, 31)):
            if start <= d <= end:
                out.append(d)
        if year >= end.year:
            return out
        year += 1


def _specs(n: int, rng: random.Random) -> list[Spec]:
    """`n` specs: the plan's own targets, then city breakdowns of the headline target."""
    specs = list(SPECS)
    i = 0
    while len(specs) < n:
        zh_city, en_city = CITIES[i % len(CITIES)]
        round_ = i // len(CITIES)
        if round_ % 2 == 0:
            goal = rng.choice((12, 15, 18, 20, 25, 30))
            spec = Spec(
                "1.2",
                f"到2025年，{zh_city}市环保营业收入过1亿元的企业达到{goal}家以上（市级分解目标）",
                f"By 2025, at least {goal} firms in {en_city} with environmental revenue above 100 million yuan (city share)",
                (f"{zh_city}市", en_city),
                ("cities", "sthj"),
                END_2025,
                goal,
                JIA,
            )
        else:
            goal = rng.choice((40, 60, 80, 120, 150))
            spec = Spec(
                "1.2",
                f"到2025年，{zh_city}市生态环保产业营业收入达到{goal}亿元（市级分解目标）",
                f"By 2025, eco-environmental industry revenue in {en_city} reaches {goal / 10:g} bn yuan (city share)",
                (f"{zh_city}市", en_city),
                ("cities",),
                END_2025,
                goal,
                YI,
                "=",
            )
        specs.append(spec)
        i += 1
    if n >= len(specs):
        return specs
    # Fewer than the plan has: spread the choice over every section.
    step = len(specs) / n
    return [specs[int(k * step)] for k in range(n)]


def _pick_status(spec: Spec, as_of: date, rng: random.Random) -> str:
    if spec.deadline < as_of:
        return rng.choices(("achieved", "overdue", "no_data"), (0.62, 0.3, 0.08))[0]
    return rng.choices(
        ("achieved", "on_track", "at_risk", "off_track", "no_data"),
        (0.12, 0.4, 0.2, 0.14, 0.14),
    )[0]


MEASURE = {
    "achieved": "target_achieved",
    "on_track": "substantial_progress",
    "at_risk": "moderate_progress",
    "off_track": "limited_progress",
    "overdue": "limited_progress",
}


def sample_report(lang: str = "zh", n_targets: int = 100, seed: int = 1) -> EvaluationReport:
    rng = random.Random(seed)
    zh = lang == "zh"
    as_of = date(2025, 6, 30)
    start = date(2023, 1, 1)
    rows: list[TargetRow] = []
    warnings: list[WarningRow] = []
    section_of: dict[str, str] = {}
    units_of: dict[str, list[str]] = {}
    seen: dict[str, int] = {}

    for spec in _specs(n_targets, rng):
        seen[spec.ref] = seen.get(spec.ref, 0) + 1
        key = f"{spec.ref}-{seen[spec.ref]}"
        status = _pick_status(spec, as_of, rng)
        deadline_text = DEADLINE_TEXT[spec.deadline][0 if zh else 1]
        latest = period = forecast = None
        projected = None
        series: list[tuple[date, float]] = []
        flags: list[str] = []

        if spec.value is not None and status != "no_data":
            base = spec.value * rng.uniform(0.35, 0.65)
            end_ratio = {
                "achieved": rng.uniform(1.0, 1.15),
                "on_track": rng.uniform(1.0, 1.15),
                "at_risk": rng.uniform(0.9, 0.99),
                "off_track": rng.uniform(0.6, 0.88),
                "overdue": rng.uniform(0.55, 0.9),
            }[status]
            end = spec.deadline if status not in ("achieved", "overdue") else as_of
            span = (end - start).days
            for d in _half_years(start, as_of):
                frac = min((d - start).days / span, 1.0)
                ratio = base / spec.value + (end_ratio - base / spec.value) * frac
                if status != "achieved":
                    ratio = min(ratio, 0.97)  # not yet reached
                series.append((d, _round(spec.value * ratio * rng.uniform(0.97, 1.0), spec.unit)))
            if spec.deadline < as_of:
                series = [(d, v) for d, v in series if d <= spec.deadline + timedelta(days=190)]
            if status == "achieved":
                series[-1] = (series[-1][0], _round(spec.value * end_ratio, spec.unit))
            last_d, last_v = series[-1]
            latest, period = _with_unit(last_v, spec.unit, lang), _period(last_d, lang)
            if status in ("on_track", "at_risk", "off_track"):
                forecast_value = spec.value * end_ratio
                if spec.unit[0] not in CONTINUOUS and end_ratio < 1:
                    forecast_value = min(round(forecast_value), spec.value - 1)
                forecast = ("约 " if zh else "≈ ") + _with_unit(forecast_value, spec.unit, lang)
                if status == "on_track":
                    projected = spec.deadline - timedelta(days=rng.randint(0, 150))
        elif spec.value is None and status != "no_data":
            if status == "achieved":
                latest = "已建成" if zh else "Done"
                period = _period(min(spec.deadline, as_of), lang)
            else:
                latest = rng.choice(MILESTONE_PROGRESS)[0 if zh else 1]
                period = _period(as_of, lang)
                forecast = {
                    "on_track": "可按期完成" if zh else "On schedule",
                    "at_risk": "可能延期" if zh else "May slip",
                    "off_track": "将延期" if zh else "Will slip",
                    "overdue": None,
                }[status]
                if status == "on_track":
                    projected = spec.deadline - timedelta(days=rng.randint(0, 90))
        if status != "no_data" and rng.random() < 0.15:
            flags.append(rng.choice(FLAGS)[0 if zh else 1])

        units = [UNITS[u][0 if zh else 1] for u in spec.units]
        rows.append(
            TargetRow(
                key=key,
                section_ref=section_ref(spec.ref, lang),
                text=spec.zh if zh else spec.en,
                scope=spec.scope[0 if zh else 1],
                responsible=units,
                deadline=spec.deadline,
                deadline_text=deadline_text,
                target_display=_target_display(spec, lang),
                latest_value=latest,
                latest_period=period,
                forecast_display=forecast,
                projected_date=projected,
                status=status,
                measure_status=MEASURE.get(status),
                flags=flags,
                series=series,
                target_value=spec.value,
            )
        )
        section_of[key] = spec.ref.split(".")[0]
        units_of[key] = list(spec.units)
        warning = _warning(rows[-1], as_of, zh, rng)
        if warning:
            warnings.append(warning)

    def groups(keys_of, names, order) -> list[GroupRow]:
        out = []
        for code in order:
            statuses = [r.status for r in rows if code in keys_of(r.key)]
            if statuses:
                label = names[code][0 if zh else 1]
                out.append(GroupRow(code, label, StatusCounts.from_statuses(statuses)))
        return out

    by_section = groups(lambda k: [section_of[k]], SECTIONS, SECTIONS)
    by_unit = groups(lambda k: units_of[k], UNITS, UNITS)
    kind_rank = {"overdue": 0, "missing_report": 1, "slow_progress": 2, "due_soon": 3}
    warnings.sort(key=lambda w: kind_rank[w.kind])
    return EvaluationReport(
        lang=lang,
        plan_key="shandong-311",
        plan_title=PLAN_TITLE["zh" if zh else "en"],
        as_of=as_of,
        generated_at=datetime(2025, 7, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai")),
        synthetic=True,
        summary=StatusCounts.from_statuses(r.status for r in rows),
        by_section=by_section,
        by_unit=by_unit,
        targets=rows,
        warnings=warnings,
        source_note=(
            "合成演示数据：按计划文本生成的目标，进展数值为随机生成，截至2025年6月30日。"
            if zh
            else "Synthetic demo data: targets from the plan text, progress values generated "
            "at random, as of 30 June 2025."
        ),
    )


def _warning(row: TargetRow, as_of: date, zh: bool, rng: random.Random) -> WarningRow | None:
    """Like the platform's warnings: the target's text, and what is wrong in the detail."""
    days_left = (row.deadline - as_of).days if row.deadline else None
    kind = detail = None
    if row.status == "overdue":
        kind = "overdue"
        detail = f"逾期 {-days_left} 天" if zh else f"{-days_left} days past the deadline"
    elif row.status == "no_data":
        kind = "missing_report"
        detail = "2025年上半年进展未报送" if zh else "No progress report for 2025 H1"
    elif row.status in ("off_track", "at_risk") and (
        row.status == "off_track" or rng.random() < 0.5
    ):
        kind = "slow_progress"
        detail = (
            f"预测 {row.forecast_display or '—'}，目标 {row.target_display}"
            if zh
            else f"Forecast {row.forecast_display or '—'}, target {row.target_display}"
        )
    elif row.status in ("on_track", "at_risk") and days_left is not None and 0 <= days_left <= 190:
        if rng.random() < 0.25:
            kind = "due_soon"
            detail = f"距完成时限 {days_left} 天" if zh else f"{days_left} days to the deadline"
    if kind is None:
        return None
    return WarningRow(kind, row.key, row.text, detail)


__all__ = ["STATUS_ORDER", "sample_report"]


DOC_CITIES = (
    ("370100", "济南市", "Jinan"),
    ("370200", "青岛市", "Qingdao"),
    ("370300", "淄博市", "Zibo"),
    ("370600", "烟台市", "Yantai"),
    ("370700", "潍坊市", "Weifang"),
)


def sample_document(
    lang: str = "zh", n_targets: int = 30, seed: int = 1, issue_number: str = ""
) -> EvaluationReport:
    """The sample report with the official document's sections: cities, KPIs, a Top-100
    summary and a narrative (short texts written here; evaluation/narrative.py drafts the real
    ones from the database). Optionally issued under ``issue_number``."""
    from .document import Extras, KpiRow, Narrative, RankingRow, RankingSummary

    report = sample_report(lang, n_targets=n_targets, seed=seed)
    rng = random.Random(seed)
    zh = lang == "zh"
    by_city = []
    for code, name_zh, name_en in DOC_CITIES:
        statuses = [rng.choice(STATUS_ORDER) for _ in range(rng.randint(3, 9))]
        by_city.append(
            GroupRow(code, name_zh if zh else name_en, StatusCounts.from_statuses(statuses))
        )
    kpis = [
        KpiRow(
            "enterprises",
            "环保企业数量" if zh else "Environmental enterprises",
            "3,712",
            "家" if zh else "",
            3712,
            number=3712.0,
        ),
        KpiRow(
            "revenue",
            "环保业务营业收入" if zh else "Environmental revenue",
            "5,911.20",
            "亿元" if zh else "100 million yuan",
            3712,
            number=5911.2,
        ),
        KpiRow(
            "chain_leaders",
            "“链主”企业数量" if zh else "Chain-leader enterprises",
            "—",
            "家" if zh else "",
            2,
            withheld=True,
        ),
    ]
    top = [
        RankingRow(
            i,
            f"山东示例环保科技有限公司{i}" if zh else f"Example Environmental Co. {i}",
            DOC_CITIES[i % len(DOC_CITIES)][1 if zh else 2],
            f"{90 - i * 1.7:.1f}",
        )
        for i in range(1, 11)
    ]
    c = report.summary.counts
    good = c["achieved"] + c["on_track"]
    lagging = [t for t in report.targets if t.status in ("overdue", "off_track", "at_risk")]
    narrative = Narrative(
        judgement=(
            f"截至{report.as_of.year}年{report.as_of.month}月{report.as_of.day}日，纳入评估的"
            f"{report.summary.total}项目标中，已完成或进展顺利{good}项。"
            if zh
            else f"{good} of {report.summary.total} targets are achieved or on track."
        ),
        problems="\n\n".join(
            (f"{t.key}“{t.text}”进度滞后。" if zh else f"{t.key} “{t.text}” lags.")
            for t in lagging[:5]
        ),
        next_steps=(
            "各责任单位按月报送进展。" if zh else "Every responsible unit reports monthly."
        ),
    )
    report.extras = Extras(
        by_city=by_city,
        kpis=kpis,
        kpi_year=report.as_of.year - 1,
        kpi_source="来源：示例企业年报。" if zh else "Source: sample annual returns.",
        ranking=RankingSummary(
            year=report.as_of.year - 1,
            version=1,
            published_on=date(report.as_of.year, 3, 1),
            count=100,
            top=top,
            by_city=[(c[1 if zh else 2], 20) for c in DOC_CITIES],
            source="来源：示例百强榜单。" if zh else "Source: a sample list.",
        ),
        narrative=narrative,
        issue_number=issue_number,
        issued_on=report.as_of + timedelta(days=30) if issue_number else None,
        issuer="山东省生态环境厅" if zh else "Department of Ecology and Environment of Shandong",
    )
    return report
