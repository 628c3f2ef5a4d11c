"""What the demo company is made of: its channels, logins, territories, regions, industries, names and reasons.

Pure data, no randomness and no ORM: every generator module draws from these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from accounts.choices import SizeBand, Tier
from leadflow.roles import Role
from leads.choices import (
    ChannelCategory,
    ChannelRoute,
    DisqualifyReason,
    LostReason,
    ReturnReason,
    TouchpointKind,
)

DEMO_TZ = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "leadflow-demo"
DEMO_EMAIL_DOMAIN = "demo.leadflow.local"
DEFAULT_LEADS = 5000
MAX_ACCOUNTS = 300
K = TouchpointKind


@dataclass(frozen=True)
class ChannelSpec:
    slug: str
    name: str
    category: ChannelCategory
    route: ChannelRoute
    prior: int
    share: float  # relative share of new leads
    p_mql: float  # chance a new lead becomes an MQL (before the fit factor)
    quality: float  # multiplier on the later conversions
    entry: tuple[TouchpointKind, ...]  # the touches that create the lead; the last one at created_at
    utm: tuple[str, str] | None = None  # (utm_source, utm_medium) for paid and tracked channels
    organic: float = 1.0  # share of its leads without a campaign
    free_mail: float = 0.2


_SEARCH, _SOCIAL, _EVENT, _DIRECT = ChannelCategory.SEARCH_ADS, ChannelCategory.SOCIAL, ChannelCategory.EVENT, \
    ChannelCategory.DIRECT  # fmt: skip
_SDR, _NURTURE = ChannelRoute.SDR, ChannelRoute.PRE_NURTURE
CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec("baidu-sem", "百度SEM", _SEARCH, _SDR, 75, 16, .26, 1.0, (K.AD_CLICK, K.PAGE_VIEW, K.FORM_SUBMIT),
                ("baidu", "cpc"), organic=0),
    ChannelSpec("seo", "SEO", ChannelCategory.SEO, _SDR, 65, 8, .22, 1.0, (K.PAGE_VIEW, K.PAGE_VIEW, K.FORM_SUBMIT)),
    ChannelSpec("wechat-official", "微信公众号", _SOCIAL, _SDR, 55, 7, .18, .85, (K.PAGE_VIEW, K.FORM_SUBMIT),
                ("wechat", "social"), organic=.6, free_mail=.3),
    ChannelSpec("zhihu", "知乎", _SOCIAL, _NURTURE, 45, 3, .16, .85, (K.PAGE_VIEW, K.FORM_SUBMIT),
                ("zhihu", "social"), organic=.5, free_mail=.4),
    ChannelSpec("douyin", "抖音", _SOCIAL, _NURTURE, 40, 4, .10, .7, (K.AD_CLICK, K.FORM_SUBMIT),
                ("douyin", "paid_social"), organic=.2, free_mail=.45),
    ChannelSpec("channels-live", "视频号直播", _SOCIAL, _NURTURE, 45, 3, .14, .75, (K.WEBINAR_REGISTER,),
                ("wechat_channels", "live"), organic=0, free_mail=.4),
    ChannelSpec("webinar", "线上直播/Webinar", ChannelCategory.WEBINAR, _NURTURE, 55, 8, .18, .9,
                (K.PAGE_VIEW, K.WEBINAR_REGISTER), organic=0),
    ChannelSpec("whitepaper", "白皮书下载", ChannelCategory.CONTENT, _NURTURE, 45, 10, .12, .8,
                (K.PAGE_VIEW, K.CONTENT_DOWNLOAD), organic=0),
    ChannelSpec("website-trial", "官网试用申请", _DIRECT, _SDR, 90, 6, .48, 1.2, (K.PAGE_VIEW, K.TRIAL_SIGNUP),
                free_mail=.15),
    ChannelSpec("waic-expo", "WAIC 展会", _EVENT, _SDR, 70, 5, .20, .9, (K.EVENT_CHECKIN,), organic=0, free_mail=.15),
    ChannelSpec("industry-summit", "行业峰会", _EVENT, _SDR, 70, 4, .24, 1.0, (K.EVENT_CHECKIN,), organic=0,
                free_mail=.1),
    ChannelSpec("offline-salon", "线下沙龙", _EVENT, _SDR, 75, 3, .30, 1.1, (K.EVENT_CHECKIN,), organic=0,
                free_mail=.1),
    ChannelSpec("edm", "EDM", ChannelCategory.EMAIL, _SDR, 50, 4, .15, .85, (K.EMAIL_OPEN, K.EMAIL_CLICK,
                K.FORM_SUBMIT), ("edm", "email"), organic=0, free_mail=.1),
    ChannelSpec("customer-referral", "客户转介绍", ChannelCategory.REFERRAL, _SDR, 90, 2.5, .55, 1.35,
                (K.FORM_SUBMIT,), organic=.3, free_mail=.05),
    ChannelSpec("partner", "渠道伙伴", ChannelCategory.PARTNER, _SDR, 75, 3, .42, 1.15, (K.FORM_SUBMIT,),
                organic=.3, free_mail=.05),
    ChannelSpec("sales-sourced", "销售自拓", ChannelCategory.SALES_SOURCED, ChannelRoute.SALES, 85, 2.5, 1.0, 1.3,
                (K.MEETING,), free_mail=.02),
    ChannelSpec("abm-outbound", "ABM 外呼", ChannelCategory.ABM, _SDR, 70, 3, .32, 1.15, (K.CALL,), organic=0,
                free_mail=0),
    ChannelSpec("linkedin", "领英", _SOCIAL, _SDR, 55, 2, .20, .9, (K.AD_CLICK, K.FORM_SUBMIT),
                ("linkedin", "paid_social"), organic=.2, free_mail=.1),
    ChannelSpec("baidu-feed", "百度信息流", _SEARCH, _SDR, 45, 5, .10, .7, (K.AD_CLICK, K.FORM_SUBMIT),
                ("baidu", "feed"), organic=0, free_mail=.35),
    ChannelSpec("direct", "官网直接访问", _DIRECT, _SDR, 70, 3, .30, 1.05, (K.PAGE_VIEW, K.DEMO_REQUEST),
                free_mail=.15),
)  # fmt: skip
CHANNEL_BY_SLUG = {spec.slug: spec for spec in CHANNELS}
EVENT_CHANNELS = frozenset({"waic-expo", "industry-summit", "offline-salon"})
HOT_ENTRY = frozenset({K.TRIAL_SIGNUP, K.DEMO_REQUEST})

USERS: tuple[tuple[str, Role, str, str], ...] = (
    ("marketer", Role.MARKETER, "林", "晓雯"),
    ("sdr", Role.SDR, "陈", "思远"),
    ("sdr2", Role.SDR, "赵", "雨桐"),
    ("sdr3", Role.SDR, "孙", "浩然"),
    ("sales", Role.SALES, "王", "建国"),
    ("sales2", Role.SALES, "李", "明轩"),
    ("sales3", Role.SALES, "张", "海峰"),
    ("sales4", Role.SALES, "刘", "佳怡"),
    ("sales_manager", Role.SALES_MANAGER, "周", "志强"),
    ("admin", Role.ADMIN, "吴", "磊"),
    ("crm", Role.INTEGRATION, "CRM", "同步"),  # an API token user, as a CRM connector would be
)
SDRS = ("sdr", "sdr2", "sdr3")
SALES_REPS = ("sales", "sales2", "sales3", "sales4")
TERRITORIES = {"华东": ("sales", "sales2"), "华南": ("sales3",), "华北": ("sales4",), "西南": ("sales3",),
               "华中": ("sales2", "sales4")}  # fmt: skip

REGIONS = {
    "华东": (("上海", "shanghai"), ("苏州", "suzhou"), ("杭州", "hangzhou"), ("宁波", "ningbo"), ("南京", "nanjing"),
           ("无锡", "wuxi"), ("合肥", "hefei")),
    "华南": (("深圳", "shenzhen"), ("广州", "guangzhou"), ("东莞", "dongguan"), ("佛山", "foshan"), ("厦门", "xiamen")),
    "华北": (("北京", "beijing"), ("天津", "tianjin"), ("青岛", "qingdao"), ("济南", "jinan")),
    "西南": (("成都", "chengdu"), ("重庆", "chongqing"), ("昆明", "kunming")),
    "华中": (("武汉", "wuhan"), ("长沙", "changsha"), ("郑州", "zhengzhou")),
}  # fmt: skip
REGION_WEIGHTS = {"华东": 38, "华南": 22, "华北": 20, "西南": 10, "华中": 10}
BRANDS = (
    ("恒瑞", "hengrui"), ("华信", "huaxin"), ("博远", "boyuan"), ("盛达", "shengda"), ("天成", "tiancheng"),
    ("金桥", "jinqiao"), ("宏图", "hongtu"), ("瑞丰", "ruifeng"), ("长青", "changqing"), ("德润", "derun"),
    ("新创", "xinchuang"), ("优联", "youlian"), ("海纳", "haina"), ("凯达", "kaida"), ("鼎盛", "dingsheng"),
    ("远航", "yuanhang"), ("永信", "yongxin"), ("明扬", "mingyang"), ("联合", "lianhe"), ("百川", "baichuan"),
    ("同创", "tongchuang"), ("立诚", "licheng"), ("嘉禾", "jiahe"), ("启明", "qiming"), ("华远", "huayuan"),
    ("中晟", "zhongsheng"), ("锦程", "jincheng"), ("泰和", "taihe"), ("康达", "kangda"), ("汇通", "huitong"),
    ("精工", "jinggong"), ("安泰", "antai"), ("君诚", "juncheng"), ("卓越", "zhuoyue"), ("星河", "xinghe"),
    ("润丰", "runfeng"), ("振华", "zhenhua"), ("和信", "hexin"), ("高远", "gaoyuan"), ("东方", "dongfang"),
)  # fmt: skip
INDUSTRIES: dict[str, tuple[int, tuple[tuple[str, str], ...]]] = {
    "制造业": (20, (("精密制造", "jm"), ("智能装备", "zb"), ("机械", "jx"))),
    "化工": (9, (("化工", "hg"), ("新材料", "xcl"))),
    "医疗器械": (9, (("医疗器械", "yl"), ("生物医疗", "sw"))),
    "零售": (8, (("商贸", "sm"), ("连锁零售", "ls"))),
    "金融": (7, (("金融服务", "jr"), ("融资租赁", "zl"))),
    "物流": (8, (("供应链", "gyl"), ("物流", "wl"))),
    "教育": (5, (("教育科技", "edu"),)),
    "SaaS/互联网": (12, (("网络科技", "tech"), ("信息技术", "it"))),
    "汽车零部件": (12, (("汽车部件", "auto"), ("汽配", "qp"))),
    "能源": (10, (("新能源", "ny"), ("能源科技", "energy"))),
}  # fmt: skip
CORE_INDUSTRIES = frozenset({"制造业", "化工", "医疗器械", "汽车零部件"})
TIERS = ((Tier.S, 3), (Tier.A, 12), (Tier.B, 30), (Tier.C, 55))
TIER_SIZES = {Tier.S: (SizeBand.ENTERPRISE, SizeBand.LARGE), Tier.A: (SizeBand.LARGE, SizeBand.MID),
              Tier.B: (SizeBand.MID, SizeBand.SMALL), Tier.C: (SizeBand.SMALL, SizeBand.MICRO)}  # fmt: skip
SIZE_RANGES = {SizeBand.MICRO: (8, 49), SizeBand.SMALL: (50, 199), SizeBand.MID: (200, 999),
               SizeBand.LARGE: (1000, 4999), SizeBand.ENTERPRISE: (5000, 30000)}  # fmt: skip
TIER_QUALITY = {Tier.S: 1.3, Tier.A: 1.15, Tier.B: 1.0, Tier.C: 0.85, "": 0.75}
DEAL_MEDIAN = {Tier.S: 380_000, Tier.A: 230_000, Tier.B: 140_000, Tier.C: 90_000, "": 70_000}

SURNAMES = (
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"), ("黄", "huang"),
    ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"), ("马", "ma"), ("朱", "zhu"),
    ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"), ("林", "lin"), ("罗", "luo"), ("郑", "zheng"),
    ("梁", "liang"), ("谢", "xie"), ("宋", "song"), ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"),
    ("邓", "deng"), ("曹", "cao"), ("彭", "peng"), ("曾", "zeng"), ("肖", "xiao"), ("田", "tian"), ("董", "dong"),
)  # fmt: skip
GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
    ("桂", "gui"), ("文", "wen"), ("华", "hua"), ("建", "jian"), ("晨", "chen"), ("雪", "xue"), ("宇", "yu"),
    ("浩", "hao"), ("婷", "ting"), ("欣", "xin"), ("佳", "jia"), ("思", "si"), ("瑶", "yao"), ("博", "bo"),
    ("琳", "lin"), ("鹏", "peng"), ("辉", "hui"), ("倩", "qian"), ("宁", "ning"), ("凯", "kai"), ("颖", "ying"),
)  # fmt: skip
# (title, seniority 0..2): seniority feeds the fit score and the authority point of BANT.
TITLES = (
    ("总经理", 2, 3), ("CEO", 2, 2), ("副总裁", 2, 3), ("CIO", 2, 3), ("市场总监", 2, 6), ("销售总监", 2, 4),
    ("数字化负责人", 2, 6), ("IT经理", 1, 8), ("采购经理", 1, 6), ("市场经理", 1, 9), ("运营经理", 1, 7),
    ("产品经理", 1, 5), ("市场专员", 0, 10), ("IT工程师", 0, 8), ("销售代表", 0, 5), ("行政主管", 0, 3),
)  # fmt: skip
FREE_MAIL = (("qq.com", 45), ("163.com", 30), ("126.com", 10), ("foxmail.com", 8), ("sina.com", 4),
             ("outlook.com", 3))  # fmt: skip
MOBILE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "158", "159", "176", "177", "180", "181", "182", "185", "186", "187", "188", "189",
                   "198", "199")  # fmt: skip
PAGES = ("/", "/pricing", "/product/lead-management", "/product/analytics", "/cases/manufacturing",
         "/blog/b2b-mlg", "/resources", "/about")  # fmt: skip
# Anonymous visitors who never become leads. About ten per lead puts distinct visitors near 11x the new leads
# (the known ones add ~1x), so visit -> lead lands near 9 %, inside the 5-10 % benchmark of the spec.
VISITORS_PER_LEAD = 10.5
VIEWS_PER_VISITOR = ((1, 45), (2, 30), (3, 15), (4, 10))  # most visitors bounce
TRAFFIC_MIX = (("seo", 31), ("baidu-sem", 22), ("direct", 18), ("wechat-official", 10), ("zhihu", 6),
               ("baidu-feed", 6), ("douyin", 5), ("linkedin", 2))  # fmt: skip
RETURN_MIX = (("direct", 3), ("seo", 2))  # where a visitor comes back from when not by the first channel
# Lead volume by calendar month: Spring Festival in Feb, Golden Week in Oct, budget season in Mar-Jun and Sep-Nov.
SEASON = {1: 0.9, 2: 0.55, 3: 1.15, 4: 1.1, 5: 1.05, 6: 1.1, 7: 0.95, 8: 0.85, 9: 1.15, 10: 0.8, 11: 1.1, 12: 1.0}

RETURN_REASONS = ((ReturnReason.NOT_FIT, 18), (ReturnReason.NO_BUDGET, 16), (ReturnReason.NO_AUTHORITY, 12),
                  (ReturnReason.NO_NEED, 14), (ReturnReason.BAD_TIMING, 20), (ReturnReason.BAD_CONTACT, 6),
                  (ReturnReason.DUPLICATE, 6), (ReturnReason.OTHER, 8))  # fmt: skip
EARLY_DQ_REASONS = ((DisqualifyReason.INVALID_CONTACT, 25), (DisqualifyReason.SPAM, 20),
                    (DisqualifyReason.STUDENT, 15), (DisqualifyReason.COMPETITOR, 8), (DisqualifyReason.DUPLICATE, 12),
                    (DisqualifyReason.NOT_FIT, 15), (DisqualifyReason.OTHER, 5))  # fmt: skip
LATE_DQ_REASONS = ((DisqualifyReason.DUPLICATE, 30), (DisqualifyReason.NOT_FIT, 40),
                   (DisqualifyReason.COMPETITOR, 15), (DisqualifyReason.INVALID_CONTACT, 10),
                   (DisqualifyReason.OTHER, 5))  # fmt: skip
LOST_REASONS = ((LostReason.PRICE, 28), (LostReason.COMPETITOR, 25), (LostReason.NO_DECISION, 20),
                (LostReason.NO_BUDGET, 12), (LostReason.TIMING, 8), (LostReason.PRODUCT_FIT, 5),
                (LostReason.OTHER, 2))  # fmt: skip
NOTES = {"other": "客户内部组织调整，项目暂停", "bad_timing": "明年预算周期再启动", "no_budget": "今年预算已用完",
         "not_fit": "规模太小，不在目标客群", "competitor": "已签约竞品", "price": "报价高于预算 20%"}  # fmt: skip
