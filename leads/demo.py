"""The demo company: a deterministic year of a Chinese B2B SaaS vendor's marketing and sales, in bulk.

`demo_seed` plans every row in memory as a function of (seed, today) and writes it with `bulk_create` in
one transaction. Leads cannot go through `lead_transition` one by one (far too slow), so the planner
mirrors its rules exactly: one StageChange for the creation and one per stage passed (implied rows and
`gates_bypassed` on skips), legal moves only, BANT gates met unless skipped, times never decreasing and
never after the start of `today`, the accepting sales rep becomes the sales owner at SAL, opportunities
opened, won and lost with the stages, account ARR from won amounts, and the customer check at creation.

Idempotent: when demo data exists, `demo_seed` changes nothing; with `reset=True` it deletes the demo
data first. Demo leads carry `attributes = {"demo": true, "demo_seed": .., "demo_today": ..}`.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.db.models import Count

from accounts.choices import CustomerStatus, SizeBand, Tier
from accounts.models import Account
from leadflow.calendar import is_business_day
from leadflow.roles import Role
from leads.choices import (
    BANT_POINTS,
    ChannelCategory,
    ChannelRoute,
    CostCategory,
    DisqualifyReason,
    IdentityKind,
    LeadEventKind,
    LostReason,
    OpportunityStatus,
    ReturnReason,
    Stage,
    Temperature,
    TouchpointKind,
)
from leads.models import Campaign, Channel, Cost, Identity, Lead, LeadEvent, Opportunity, StageChange, Touchpoint
from leads.stages import TRANSITIONS, skip_path

DEMO_TZ = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "leadflow-demo"
DEMO_EMAIL_DOMAIN = "demo.leadflow.local"
DEFAULT_LEADS = 5000
MAX_ACCOUNTS = 300
BATCH = 2000
K = TouchpointKind
Rng = random.Random


# ---------------------------------------------------------------------------------------------- catalogue


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
ENGAGEMENT_POINTS: dict[str, int] = {K.PAGE_VIEW: 2, K.AD_CLICK: 2, K.EMAIL_OPEN: 2, K.EMAIL_CLICK: 5, K.CALL: 3,
                     K.FORM_SUBMIT: 10, K.CONTENT_DOWNLOAD: 10, K.WEBINAR_REGISTER: 8, K.WEBINAR_ATTEND: 12,
                     K.EVENT_CHECKIN: 15, K.DEMO_REQUEST: 25, K.TRIAL_SIGNUP: 25, K.PRODUCT_USAGE: 5,
                     K.MEETING: 15, K.EMAIL_REPLY: 10}  # fmt: skip


# ---------------------------------------------------------------------------------------------- plan rows


@dataclass(frozen=True)
class Window:
    today: dt.date
    start: dt.datetime  # 00:00 local on the first day of the month 12 months before today's month
    cutoff: dt.datetime  # 00:00 local today: nothing happens at or after it
    months: tuple[dt.date, ...]
    days: tuple[dt.date, ...]
    day_weights: tuple[float, ...]  # cumulative lead volume per day
    business_days: frozenset[dt.date]


@dataclass
class CampaignPlan:
    slug: str
    name: str
    channel: str
    starts_on: dt.date
    ends_on: dt.date
    lead_from: dt.date  # days its leads are created on (inclusive, inside the window)
    lead_to: dt.date
    weight: float = 1.0
    costs: list[tuple[dt.date, str, Decimal]] = field(default_factory=list)
    budget: Decimal = Decimal("0")


@dataclass(frozen=True)
class AccountPlan:
    index: int
    name: str
    domain: str
    industry: str
    size_band: str
    region: str
    tier: str
    owner: str | None
    territory_rep: str


@dataclass(frozen=True)
class Step:
    frm: str
    to: str
    at: dt.datetime
    actor: str | None
    label: str = ""
    reason: str = ""
    note: str = ""
    implied: bool = False
    bypassed: bool = False


@dataclass(frozen=True)
class Event:
    kind: str
    at: dt.datetime
    actor: str | None
    label: str
    data: dict[str, Any]


@dataclass
class Deal:
    opened_at: dt.datetime
    amount: Decimal
    expected_close: dt.date
    owner: str | None
    status: str = OpportunityStatus.OPEN
    closed_at: dt.datetime | None = None
    won_amount: Decimal | None = None
    lost_reason: str = ""


@dataclass(frozen=True)
class Touch:
    kind: str
    at: dt.datetime
    channel: str | None
    campaign: CampaignPlan | None = None
    anonymous_id: str = ""
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class LeadPlan:
    spec: ChannelSpec
    campaign: CampaignPlan | None
    account: AccountPlan | None
    created_at: dt.datetime
    profile: dict[str, Any]
    fit: int
    seniority: int
    key: int = 0
    stage: str = Stage.LEAD
    stage_at: dt.datetime = field(init=False)
    temperature: str = Temperature.WARM
    sdr: str | None = None
    sales: str | None = None
    bant: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(BANT_POINTS, False))
    customer_check: bool = False
    anonymous_id: str = ""
    steps: list[Step] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    deals: list[Deal] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    scores: tuple[int, int, int] = (0, 0, 0)

    def __post_init__(self) -> None:
        self.stage_at = self.created_at

    @property
    def quality(self) -> float:
        tier = self.account.tier if self.account else ""
        return self.spec.quality * TIER_QUALITY[tier] * (0.7 + self.fit / 160)

    def reached(self, stage: str) -> bool:
        return any(step.to == stage for step in self.steps)


@dataclass
class DemoPlan:
    seed: int
    window: Window
    campaigns: list[CampaignPlan]
    accounts: list[AccountPlan]
    leads: list[LeadPlan]
    costs: list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]]


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    name: str
    password: str | None  # None when the user's password is no longer the demo password


@dataclass(frozen=True)
class DemoReport:
    created: bool
    seed: int
    today: dt.date
    counts: dict[str, int]
    stages: dict[str, int]
    logins: list[Login]


# ---------------------------------------------------------------------------------------------- public API


def demo_seed(
    *, seed: int, today: dt.date, leads: int = DEFAULT_LEADS, password: str = DEMO_PASSWORD, reset: bool = False
) -> DemoReport:
    """Create the demo company for (seed, today) unless demo data exists; `reset` deletes it first.

    Idempotent: a second call without `reset` writes nothing and reports the existing data.
    """
    if today > dt.datetime.now(DEMO_TZ).date():
        raise ValueError("today cannot be in the future")
    with transaction.atomic():
        stamps = demo_stamps()
        if stamps and not reset:
            existing_seed, existing_today = stamps[0]
            return DemoReport(created=False, seed=existing_seed, today=existing_today, counts={},
                              stages=demo_stage_counts(), logins=demo_logins(password=password))  # fmt: skip
        for stamp_seed, stamp_today in stamps:
            demo_delete(seed=stamp_seed, today=stamp_today)
        plan = demo_plan(seed=seed, today=today, leads=leads)
        users = demo_users_ensure(password=password)
        counts = _plan_write(plan, users)
    return DemoReport(created=True, seed=seed, today=today, counts=counts, stages=demo_stage_counts(),
                      logins=demo_logins(password=password))  # fmt: skip


def demo_stamps() -> list[tuple[int, dt.date]]:
    """(seed, today) of the demo data in the database, if any."""
    rows = (
        Lead.objects.filter(attributes__demo=True)
        .values_list("attributes__demo_seed", "attributes__demo_today")
        .distinct()
    )
    return sorted({(int(seed), dt.date.fromisoformat(str(today))) for seed, today in rows})


def demo_stage_counts() -> dict[str, int]:
    rows = Lead.objects.filter(attributes__demo=True).values("stage").annotate(n=Count("id"))
    counts = {row["stage"]: row["n"] for row in rows}
    return {stage.value: counts.get(stage.value, 0) for stage in Stage}


def demo_logins(*, password: str) -> list[Login]:
    """The demo logins, with `password` where it is still the user's password and None where it is not."""
    users = {user.username: user for user in User.objects.filter(username__in=[u[0] for u in USERS])}
    verified: dict[str, bool] = {}
    logins = []
    for username, role, last, first in USERS:
        user = users.get(username)
        if user is None:
            continue
        if user.password not in verified:  # the demo users share one hash: one slow check, not ten
            verified[user.password] = check_password(password, user.password)
        logins.append(Login(username, str(role), f"{last}{first}", password if verified[user.password] else None))
    return logins


def demo_users_ensure(*, password: str) -> dict[str, User]:
    """One user per demo login with its role group; a same-named user that is not a demo user is left alone."""
    encoded = make_password(password)
    groups = {role: Group.objects.get_or_create(name=str(role))[0] for role in Role}
    users: dict[str, User] = {}
    for username, role, last, first in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"email": f"{username}@{DEMO_EMAIL_DOMAIN}", "first_name": first, "last_name": last},
        )
        users[username] = user
        if not created and not user.email.endswith(f"@{DEMO_EMAIL_DOMAIN}"):
            continue
        user.password, user.first_name, user.last_name = encoded, first, last
        user.is_staff = user.is_superuser = role == Role.ADMIN
        user.is_active = True
        user.save()
        user.groups.add(groups[role])
    return users


def demo_delete(*, seed: int, today: dt.date) -> None:
    """Delete the demo data of (seed, today): leads and their history, campaigns, costs, unused accounts."""
    demo_leads = Lead.objects.filter(attributes__demo=True, attributes__demo_seed=seed)
    for model in (Touchpoint, StageChange, LeadEvent, Identity, Opportunity):
        model.objects.filter(lead__in=demo_leads.values("pk")).delete()  # type: ignore[attr-defined]
    demo_leads.delete()
    window = demo_window(today=today)
    campaigns = _campaigns_plan(Rng(f"leadflow-demo:{seed}:{today}:campaigns"), window)
    slugs = [campaign.slug for campaign in campaigns]
    Cost.objects.filter(campaign__slug__in=slugs).delete()
    keys = {(slug, month, category, amount) for slug, c, month, category, amount in _costs_plan(seed, window, campaigns)
            if c is None}  # fmt: skip
    rows = Cost.objects.filter(campaign=None, month__in=window.months).values_list(
        "pk", "channel__slug", "month", "category", "amount"
    )
    Cost.objects.filter(pk__in=[pk for pk, *key in rows if tuple(key) in keys]).delete()
    # Campaigns that other data still uses stay. (NOT IN over a nullable column would match nothing.)
    used_by_leads = Lead.objects.filter(campaign__isnull=False).values("campaign_id")
    Campaign.objects.filter(slug__in=slugs, cost=None, touchpoint=None).exclude(pk__in=used_by_leads).delete()
    domains = [account.domain for account in _accounts_plan(Rng(f"leadflow-demo:{seed}:accounts"), MAX_ACCOUNTS)]
    Account.objects.filter(domain__in=domains, leads=None, opportunities=None).delete()


def demo_window(*, today: dt.date) -> Window:
    """The 12 full months before today's month plus the days of today's month before today."""
    first = dt.date(today.year - 1, today.month, 1)
    days = tuple(first + dt.timedelta(days=i) for i in range((today - first).days))
    business = frozenset(day for day in days if is_business_day(day, country="CN"))
    weights, total = [], 0.0
    for index, day in enumerate(days):
        growth = 0.85 + 0.3 * index / max(len(days), 1)  # the company grows through the year
        total += SEASON[day.month] * growth * (1.0 if day in business else 0.22)
        weights.append(total)
    months = tuple(sorted({day.replace(day=1) for day in days}))
    return Window(
        today=today, start=_local(first), cutoff=_local(today), months=months, days=days,
        day_weights=tuple(weights), business_days=business,
    )  # fmt: skip


def demo_plan(*, seed: int, today: dt.date, leads: int = DEFAULT_LEADS) -> DemoPlan:
    """Every demo row, in memory: a pure function of (seed, today, leads)."""
    window = demo_window(today=today)
    campaigns = _campaigns_plan(Rng(f"leadflow-demo:{seed}:{today}:campaigns"), window)
    accounts = _accounts_plan(Rng(f"leadflow-demo:{seed}:accounts"), min(MAX_ACCOUNTS, max(20, leads // 16)))
    lead_plans = _leads_plan(Rng(f"leadflow-demo:{seed}:{today}:leads"), window, campaigns, accounts, leads)
    costs = _costs_plan(seed, window, campaigns)
    return DemoPlan(seed=seed, window=window, campaigns=campaigns, accounts=accounts, leads=lead_plans, costs=costs)


# ---------------------------------------------------------------------------------------------- time helpers


def _local(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=DEMO_TZ)


def _month_add(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _sample_day(rng: Rng, window: Window, lo: dt.date, hi: dt.date) -> dt.date:
    """A day in [lo, hi] drawn with the seasonal lead-volume weights."""
    i = max(0, (lo - window.days[0]).days)
    j = min(len(window.days) - 1, (hi - window.days[0]).days)
    base = window.day_weights[i - 1] if i else 0.0
    x = base + rng.random() * (window.day_weights[j] - base)
    return window.days[min(bisect.bisect_left(window.day_weights, x, i, j + 1), j)]


def _work_time(rng: Rng, window: Window, at: dt.datetime) -> dt.datetime:
    """`at`, or the next moment in office hours (09:00-19:00 on a working day) after it."""
    local = at.astimezone(DEMO_TZ)
    if local.date() in window.business_days and 9 <= local.hour < 19:
        return local
    day = local.date() if local.hour < 9 else local.date() + dt.timedelta(days=1)
    while day not in window.business_days and day < window.today:
        day += dt.timedelta(days=1)
    return _local(day, 9) + dt.timedelta(minutes=rng.randint(0, 240))


def _after(rng: Rng, window: Window, start: dt.datetime, days: float, *, human: bool = True) -> dt.datetime:
    """`days` after `start` to the minute; a person acts at the next office-hours moment from then."""
    at = max(start, (start + dt.timedelta(days=days)).replace(second=0, microsecond=0))
    return _work_time(rng, window, at) if human else at


def _tri(rng: Rng, lo: float, mode: float, hi: float) -> float:
    return rng.triangular(lo, hi, mode)


def _weighted(rng: Rng, options: Sequence[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _w in options], weights=[w for _o, w in options])[0]


# ---------------------------------------------------------------------------------------------- campaigns


def _campaign(
    window: Window, rng: Rng, slug: str, name: str, channel: str, starts: dt.date, ends: dt.date, *,
    monthly: tuple[str, int, int] | None = None, lump: tuple[str, int, int] | None = None,
    lead_days: tuple[dt.date, dt.date] | None = None, weight: float = 1.0,
) -> CampaignPlan | None:  # fmt: skip
    """A campaign with its monthly costs up to today; None when it lies outside the window."""
    if starts >= window.today or ends < window.days[0]:
        return None
    lead_from, lead_to = lead_days or (starts, ends)
    lead_from, lead_to = max(lead_from, window.days[0]), min(lead_to, window.days[-1])
    campaign = CampaignPlan(slug, name, channel, starts, ends, lead_from, lead_to, weight)
    planned = 0
    for month in window.months:
        month_end = _month_add(month, 1) - dt.timedelta(days=1)
        overlap = (min(ends, month_end) - max(starts, month)).days + 1
        if overlap <= 0:
            continue
        if monthly is not None:
            amount = rng.randint(monthly[1], monthly[2]) * overlap / month_end.day
            elapsed = (min(ends, month_end, window.days[-1]) - max(starts, month)).days + 1
            planned += int(amount)
            if elapsed > 0:
                campaign.costs.append((month, monthly[0], Decimal(round(amount * elapsed / overlap, -2))))
        if lump is not None and month == starts.replace(day=1):
            amount = rng.randint(lump[1], lump[2])
            planned += amount
            campaign.costs.append((month, lump[0], Decimal(round(amount, -3))))
    campaign.budget = Decimal(round(planned * rng.uniform(1.0, 1.12), -3))
    return campaign


def _quarters(window: Window, months: int) -> list[tuple[dt.date, dt.date, str]]:
    """Periods of `months` months (aligned on the calendar year) that overlap the window: (start, end, label)."""
    periods = []
    first = window.days[0]
    month = dt.date(first.year, 1 + (first.month - 1) // months * months, 1)
    while month < window.today:
        end = _month_add(month, months) - dt.timedelta(days=1)
        number = (month.month - 1) // months + 1
        label = f"{month.year} {'Q' if months == 3 else 'H'}{number}" if months < 12 else f"{month.year}"
        periods.append((max(month, first), end, label))
        month = _month_add(month, months)
    return periods


def _campaigns_plan(rng: Rng, window: Window) -> list[CampaignPlan]:
    planned = [
        *_campaigns_paid(rng, window),
        *_campaigns_content(rng, window),
        *_campaigns_events(rng, window),
        *_campaigns_programs(rng, window),
    ]
    return [campaign for campaign in planned if campaign is not None]


def _campaigns_paid(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    media = CostCategory.MEDIA
    out: list[CampaignPlan | None] = []
    for start, end, label in _quarters(window, 3):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-baidu-sem-brand", f"{label} 百度SEM 品牌词", "baidu-sem", start,
                             end, monthly=(media, 28_000, 38_000), weight=1.2))  # fmt: skip
        out.append(_campaign(window, rng, f"{slug}-baidu-sem-industry", f"{label} 百度SEM 行业词", "baidu-sem",
                             start, end, monthly=(media, 36_000, 55_000), weight=0.8))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-baidu-feed", f"{label} 百度信息流推广", "baidu-feed", start, end,
                             monthly=(media, 20_000, 34_000)))  # fmt: skip
        out.append(_campaign(window, rng, f"{slug}-douyin", f"{label} 抖音短视频投放", "douyin", start, end,
                             monthly=(media, 15_000, 26_000)))  # fmt: skip
    first, last = window.days[0], window.months[-1] + dt.timedelta(days=27)
    out.append(_campaign(window, rng, f"linkedin-{first:%Y%m}", "领英精准投放", "linkedin", first, last,
                         monthly=(media, 9_000, 14_000)))  # fmt: skip
    return out


def _campaigns_content(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    out: list[CampaignPlan | None] = []
    first = window.months[0]
    papers = ("制造业数字化白皮书", "B2B 营销增长报告", "化工行业数字化转型白皮书", "医疗器械合规营销指南")
    for n, title in enumerate(papers):
        launch = _month_add(first, 1 + 3 * n) + dt.timedelta(days=9)
        out.append(_campaign(window, rng, f"whitepaper-{launch:%Y%m}", title, "whitepaper", launch,
                             launch + dt.timedelta(days=120), lump=(CostCategory.CONTENT, 30_000, 60_000),
                             monthly=(CostCategory.MEDIA, 4_000, 8_000)))  # fmt: skip
    topics = ("线索评分实战", "SDR 团队搭建", "营销 ROI 归因", "私域运营与企微", "AI 驱动的销售预测")
    for n, topic in enumerate(topics):
        day = _weekday_in(_month_add(first, 1 + 2 * n) + dt.timedelta(days=14))
        out.append(_campaign(window, rng, f"webinar-{day:%Y%m%d}", f"{topic} 线上研讨会", "webinar", day, day,
                             lump=(CostCategory.CONTENT, 8_000, 15_000),
                             lead_days=(day - dt.timedelta(days=14), day)))  # fmt: skip
    for n, topic in enumerate(("制造业老板说", "增长黑客直播间", "年终营销复盘")):
        day = _weekday_in(_month_add(first, 2 + 4 * n) + dt.timedelta(days=20))
        out.append(_campaign(window, rng, f"channels-live-{day:%Y%m%d}", f"视频号直播 · {topic}", "channels-live",
                             day, day, lump=(CostCategory.MEDIA, 3_000, 6_000),
                             lead_days=(day - dt.timedelta(days=7), day)))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-edm-newsletter", f"{label} 产品通讯 EDM", "edm", start, end,
                             monthly=(CostCategory.CONTENT, 4_000, 6_000)))  # fmt: skip
    wechat = _month_add(first, 3)
    out.append(_campaign(window, rng, f"wechat-{wechat:%Y%m}-mfg", "公众号 智能制造专题", "wechat-official", wechat,
                         wechat + dt.timedelta(days=60), lump=(CostCategory.CONTENT, 10_000, 20_000)))  # fmt: skip
    zhihu = _month_add(first, 5)
    out.append(_campaign(window, rng, f"zhihu-{zhihu:%Y%m}-column", "知乎 B2B 增长专栏", "zhihu", zhihu,
                         zhihu + dt.timedelta(days=150), monthly=(CostCategory.CONTENT, 3_000, 5_000)))  # fmt: skip
    return out


def _weekday_in(day: dt.date) -> dt.date:
    """The day itself or the next working day (events and webinars are not held on holidays)."""
    while not is_business_day(day, country="CN"):
        day += dt.timedelta(days=1)
    return day


def _campaigns_events(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    events = CostCategory.EVENTS
    out: list[CampaignPlan | None] = []
    for year in sorted({day.year for day in window.days}):
        day = dt.date(year, 7, 26)
        out.append(_campaign(window, rng, f"{year}-waic", f"{year} WAIC 世界人工智能大会", "waic-expo", day,
                             day + dt.timedelta(days=2), lump=(events, 450_000, 650_000), weight=3))  # fmt: skip
    summits = ((4, 17, "中国制造业数字化峰会", "mfg-summit"), (9, 18, "CIO 年度峰会", "cio-summit"),
               (12, 5, "SaaS 增长大会", "saas-growth"))  # fmt: skip
    salons = ((3, "上海", "shanghai"), (5, "深圳", "shenzhen"), (8, "北京", "beijing"), (10, "苏州", "suzhou"),
              (11, "成都", "chengdu"))  # fmt: skip
    for year in sorted({day.year for day in window.days}):
        for month, mday, name, slug in summits:
            day = _weekday_in(dt.date(year, month, mday))
            if window.days[0] <= day:
                out.append(_campaign(window, rng, f"{year}-{slug}", f"{year} {name}", "industry-summit", day,
                                     day + dt.timedelta(days=1), lump=(events, 120_000, 250_000)))  # fmt: skip
        for month, city, slug in salons:
            day = _weekday_in(dt.date(year, month, 22))
            if window.days[0] <= day:
                name = f"{day:%Y.%m} {city} · 数字化营销客户沙龙"
                out.append(_campaign(window, rng, f"{day:%Y%m}-salon-{slug}", name, "offline-salon", day, day,
                                     lump=(events, 25_000, 50_000)))  # fmt: skip
    return out


def _campaigns_programs(rng: Rng, window: Window) -> list[CampaignPlan | None]:
    media = CostCategory.MEDIA
    first, last = window.days[0], window.months[-1] + dt.timedelta(days=27)
    out: list[CampaignPlan | None] = [
        _campaign(window, rng, f"referral-{first:%Y%m}", "客户推荐有礼计划", "customer-referral", first, last,
                  monthly=(media, 8_000, 14_000)),
    ]  # fmt: skip
    out.append(_campaign(window, rng, f"partner-{first:%Y%m}", "渠道伙伴联合推广计划", "partner", first, last,
                         monthly=(media, 15_000, 25_000)))  # fmt: skip
    for start, end, label in _quarters(window, 6):
        slug = label.lower().replace(" ", "")
        out.append(_campaign(window, rng, f"{slug}-abm-outbound", f"{label} ABM 重点客户外呼", "abm-outbound", start,
                             end, monthly=(media, 10_000, 18_000)))  # fmt: skip
    return out


# ---------------------------------------------------------------------------------------------- costs

ALWAYS_ON: dict[str, tuple[tuple[str, int, int], ...]] = {
    "seo": ((CostCategory.CONTENT, 18_000, 26_000), (CostCategory.TOOLS, 2_000, 3_000)),
    "wechat-official": ((CostCategory.CONTENT, 8_000, 12_000),),
    "zhihu": ((CostCategory.CONTENT, 3_000, 5_000),),
    "channels-live": ((CostCategory.CONTENT, 5_000, 9_000),),
    "webinar": ((CostCategory.TOOLS, 4_500, 4_500),),
    "edm": ((CostCategory.TOOLS, 3_000, 3_000),),
    "website-trial": ((CostCategory.TOOLS, 6_000, 6_000),),
    "direct": ((CostCategory.TOOLS, 12_000, 12_000),),
    "abm-outbound": ((CostCategory.TOOLS, 5_000, 5_000),),
}
SALARIES = ((CostCategory.MARKETING_SALARIES, 220_000), (CostCategory.SALES_SALARIES, 310_000))


def _costs_plan(
    seed: int, window: Window, campaigns: list[CampaignPlan]
) -> list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]]:
    """Campaign costs, always-on channel costs and salaries spread over the channels by lead share."""
    rng = Rng(f"leadflow-demo:{seed}:{window.today}:costs")
    rows: list[tuple[str, CampaignPlan | None, dt.date, str, Decimal]] = [
        (campaign.channel, campaign, month, category, amount)
        for campaign in campaigns
        for month, category, amount in campaign.costs
    ]
    total_share = sum(spec.share for spec in CHANNELS)
    for month in window.months:
        month_days = (_month_add(month, 1) - month).days
        elapsed = min(month_days, (window.today - month).days) / month_days
        for slug, items in ALWAYS_ON.items():
            for category, lo, hi in items:
                rows.append((slug, None, month, category, Decimal(round(rng.randint(lo, hi) * elapsed, -2))))
        for category, total in SALARIES:
            amount = total * rng.uniform(0.97, 1.05) * elapsed
            for spec in CHANNELS:
                rows.append((spec.slug, None, month, category, Decimal(round(amount * spec.share / total_share, -2))))
    return [row for row in rows if row[4] > 0]


# ---------------------------------------------------------------------------------------------- accounts


def _accounts_plan(rng: Rng, count: int) -> list[AccountPlan]:
    """Companies named region city + brand + industry suffix; each call with the same rng yields a prefix
    of the same sequence, so a smaller demo has the first accounts of the full one."""
    accounts: list[AccountPlan] = []
    names: set[str] = set()
    domains: set[str] = set()
    industries = [(name, weight) for name, (weight, _suffixes) in INDUSTRIES.items()]
    while len(accounts) < count:
        region = _weighted(rng, list(REGION_WEIGHTS.items()))
        city, city_py = rng.choice(REGIONS[region])
        brand, brand_py = rng.choice(BRANDS)
        industry = _weighted(rng, industries)
        suffix, abbr = rng.choice(INDUSTRIES[industry][1])
        tier = _weighted(rng, TIERS)
        legal = "股份有限公司" if tier in (Tier.S, Tier.A) and rng.random() < 0.5 else "有限公司"
        name = f"{city}{brand}{suffix}{legal}"
        domain = f"{brand_py}-{abbr}.{rng.choice(('com.cn', 'com', 'cn'))}"
        if domain in domains:
            domain = f"{brand_py}{city_py}.com.cn"
        size = rng.choice(TIER_SIZES[tier])
        owned = tier in (Tier.S, Tier.A) or (tier == Tier.B and rng.random() < 0.3)
        territory = TERRITORIES[region][len(accounts) % len(TERRITORIES[region])]
        if name in names or domain in domains:
            continue
        names.add(name)
        domains.add(domain)
        accounts.append(AccountPlan(len(accounts), name, domain, industry, size, region, tier,
                                    territory if owned else None, territory))  # fmt: skip
    return accounts


# ---------------------------------------------------------------------------------------------- leads


def _leads_plan(
    rng: Rng, window: Window, campaigns: list[CampaignPlan], accounts: list[AccountPlan], count: int
) -> list[LeadPlan]:
    used: set[str] = set()
    leads = [_lead_new(rng, window, campaigns, accounts, used) for _ in range(count)]
    leads.sort(key=lambda lead: (lead.created_at, lead.profile["email"]))
    for key, lead in enumerate(leads, start=1):
        lead.key = key
        _lead_open(rng, window, lead)
        _journey_walk(rng, window, lead)
        _temperature_cooling(window, lead)
    _customer_checks(leads)
    by_channel: dict[str, list[CampaignPlan]] = {}
    for campaign in campaigns:
        by_channel.setdefault(campaign.channel, []).append(campaign)
    for lead in leads:
        _touches_plan(rng, window, lead, by_channel)
        lead.scores = _scores(window, lead)
    return leads


def _lead_new(
    rng: Rng, window: Window, campaigns: list[CampaignPlan], accounts: list[AccountPlan], used: set[str]
) -> LeadPlan:
    spec = _weighted(rng, [(spec, spec.share) for spec in CHANNELS])
    campaign, day = _lead_campaign_day(rng, window, spec, campaigns)
    if spec.slug in EVENT_CHANNELS:
        created = _local(day, 9, 30) + dt.timedelta(minutes=rng.randint(0, 420))
    elif day in window.business_days:
        created = _local(day, 8) + dt.timedelta(minutes=int(_tri(rng, 0, 150, 900)))
    else:
        created = _local(day, 9) + dt.timedelta(minutes=rng.randint(0, 780))
    account = None if rng.random() < spec.free_mail else _account_pick(rng, spec, accounts)
    profile, seniority = _profile(rng, account, used)
    fit = _fit(rng, account, seniority)
    return LeadPlan(spec=spec, campaign=campaign, account=account, created_at=created, profile=profile, fit=fit,
                    seniority=seniority)  # fmt: skip


def _lead_campaign_day(
    rng: Rng, window: Window, spec: ChannelSpec, campaigns: list[CampaignPlan]
) -> tuple[CampaignPlan | None, dt.date]:
    own = [c for c in campaigns if c.channel == spec.slug and c.lead_from <= c.lead_to]
    if not own or rng.random() < spec.organic:
        return None, _sample_day(rng, window, window.days[0], window.days[-1])
    weights = [c.weight * _days_weight(window, c.lead_from, c.lead_to) for c in own]
    campaign = rng.choices(own, weights=weights)[0]
    return campaign, _sample_day(rng, window, campaign.lead_from, campaign.lead_to)


def _days_weight(window: Window, lo: dt.date, hi: dt.date) -> float:
    i, j = (lo - window.days[0]).days, (hi - window.days[0]).days
    return window.day_weights[j] - (window.day_weights[i - 1] if i else 0.0)


def _account_pick(rng: Rng, spec: ChannelSpec, accounts: list[AccountPlan]) -> AccountPlan:
    targeted = spec.category in (ChannelCategory.ABM, ChannelCategory.SALES_SOURCED)
    weights = {Tier.S: 10, Tier.A: 6, Tier.B: 1, Tier.C: .3} if targeted else \
        {Tier.S: 4, Tier.A: 2.5, Tier.B: 1.5, Tier.C: 1}  # fmt: skip
    return rng.choices(accounts, weights=[weights[Tier(a.tier)] for a in accounts])[0]


def _profile(rng: Rng, account: AccountPlan | None, used: set[str]) -> tuple[dict[str, Any], int]:
    """Name, title, email (company domain or free mail), mobile and company details of one person."""
    last, last_py = rng.choice(SURNAMES)
    given = [rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2)))]
    first, first_py = "".join(g[0] for g in given), "".join(g[1] for g in given)
    title, seniority, _w = rng.choices(TITLES, weights=[t[2] for t in TITLES])[0]
    if account is not None:
        local = rng.choice((f"{first_py}.{last_py}", f"{last_py}{first_py}", f"{last_py}.{first_py}",
                            f"{first_py[0]}{last_py}"))  # fmt: skip
        domain = account.domain
    else:
        domain = _weighted(rng, FREE_MAIL)
        local = str(rng.randint(10_000_000, 3_999_999_999)) if domain == "qq.com" else \
            f"{last_py}{first_py}{rng.randint(1, 999)}"  # fmt: skip
    email = f"{local}@{domain}"
    while email in used:
        email = f"{local}{rng.randint(2, 99)}@{domain}"
    used.add(email)
    phone = ""
    if rng.random() < 0.75:
        phone = f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randint(0, 99_999_999):08d}"
        if phone in used:
            phone = ""
        used.add(phone)
    company = _company(rng, account)
    person = {"email": email, "phone": phone, "first_name": first, "last_name": last, "title": title}
    return {**person, **company, "consent_email": rng.random() < 0.7}, seniority


def _company(rng: Rng, account: AccountPlan | None) -> dict[str, Any]:
    if account is None:
        region = _weighted(rng, list(REGION_WEIGHTS.items()))
        if rng.random() < 0.3:
            return {"region": region}
        city, _py = rng.choice(REGIONS[region])
        industry = rng.choice(list(INDUSTRIES))
        suffix = INDUSTRIES[industry][1][0][0]
        return {"company": f"{city}{rng.choice(BRANDS)[0]}{suffix}有限公司", "industry": industry, "region": region,
                "employee_count": rng.randint(8, 199)}  # fmt: skip
    low, high = SIZE_RANGES[SizeBand(account.size_band)]
    return {"company": account.name, "company_domain": account.domain, "industry": account.industry,
            "region": account.region, "employee_count": rng.randint(low, high)}  # fmt: skip


def _fit(rng: Rng, account: AccountPlan | None, seniority: int) -> int:
    base = {Tier.S: 82, Tier.A: 70, Tier.B: 57, Tier.C: 44}[Tier(account.tier)] if account else 30
    core = 6 if account is not None and account.industry in CORE_INDUSTRIES else 0
    return max(0, min(100, round(base + core + (seniority - 1) * 8 + rng.gauss(0, 7))))


# ---------------------------------------------------------------------------------------------- journeys


def _lead_open(rng: Rng, window: Window, lead: LeadPlan) -> None:
    """The creation (one StageChange and a CREATED event, as lead_create writes) and the first owner."""
    spec = lead.spec
    creator: str | None = None
    label = f"form:{spec.slug}"
    if spec.slug in EVENT_CHANNELS or spec.slug == "partner":
        creator, label = "marketer", ""
    elif spec.slug == "sales-sourced":
        creator, label = _rep_for(lead), ""
    elif spec.slug == "abm-outbound":
        creator, label = SDRS[lead.key % len(SDRS)], ""
    if HOT_ENTRY & set(spec.entry) or spec.slug in ("customer-referral", "sales-sourced"):
        lead.temperature = Temperature.HOT
    if rng.random() < 0.2:
        lead.bant["need"] = True  # the form's "what do you need" field, set on creation without an event
    lead.steps.append(Step("", Stage.LEAD, lead.created_at, creator, label))
    lead.events.append(Event(LeadEventKind.CREATED, lead.created_at, creator, label, {}))
    if spec.slug == "sales-sourced":
        _owner_set(lead, "sales", _rep_for(lead), lead.created_at, actor=creator)
    elif spec.slug == "abm-outbound":
        _owner_set(lead, "sdr", creator, lead.created_at, actor=creator)
    elif spec.route == ChannelRoute.SDR:
        at = lead.created_at + dt.timedelta(minutes=rng.randint(1, 20))
        at = min(at, window.cutoff - dt.timedelta(minutes=1))
        _owner_set(lead, "sdr", SDRS[lead.key % len(SDRS)], at, label="rule:round_robin")


def _rep_for(lead: LeadPlan) -> str:
    """The sales rep for a lead: its account's owner, else the account's (or the lead's) territory rep."""
    if lead.account is not None:
        return lead.account.owner or lead.account.territory_rep
    reps = TERRITORIES[lead.profile["region"]]
    return reps[lead.key % len(reps)]


def _owner_set(
    lead: LeadPlan, side: str, user: str | None, at: dt.datetime, *, actor: str | None = None, label: str = ""
) -> None:
    """Mirror of lead_assign_owner: a change of owner with its event; the same owner again is a no-op."""
    old = lead.sdr if side == "sdr" else lead.sales
    if old == user:
        return
    if side == "sdr":
        lead.sdr = user
    else:
        lead.sales = user
    lead.events.append(Event(LeadEventKind.OWNER_CHANGED, at, actor, label, {"side": side, "from": old, "to": user}))


def _journey_walk(rng: Rng, window: Window, lead: LeadPlan) -> None:
    """Walk the lead through the funnel until it stops, exits, or would pass the start of today."""
    if lead.spec.slug == "sales-sourced":
        at = _after(rng, window, lead.created_at, rng.uniform(0.01, 1.5))
        if at >= window.cutoff:
            return
        _take(rng, lead, Stage.SQL if rng.random() < 0.7 else Stage.OPPORTUNITY, at, skip=True)
    returns = 0
    while returns < 3 and lead.stage not in (Stage.CUSTOMER, Stage.DISQUALIFIED):
        move = _next_move(rng, lead, returns)
        if move is None:
            return
        target, days, human = move
        at = _after(rng, window, lead.stage_at, days, human=human)
        if at >= window.cutoff:
            return
        if target == Stage.MQL and lead.sdr is None and lead.spec.route == ChannelRoute.PRE_NURTURE \
                and rng.random() < .5:  # fmt: skip
            handover = max(lead.stage_at, at - dt.timedelta(days=rng.uniform(0.2, 3)))
            _owner_set(lead, "sdr", SDRS[lead.key % len(SDRS)], handover, label="rule:hot_lead")
        returns += target == Stage.LEAD
        _take(rng, lead, target, at)


Move = tuple[str, float, bool]


def _next_move(rng: Rng, lead: LeadPlan, returns: int) -> Move | None:
    """The next stage, days until it, and whether a person (office hours) makes the move; None to stop."""
    q, spec = lead.quality, lead.spec
    stage = lead.stage
    if stage == Stage.LEAD and returns == 0:
        mql = min(0.9, spec.p_mql * (0.55 + lead.fit / 100))
        dq = 0.12 if spec.free_mail > 0.3 else 0.05 if spec.prior >= 85 else 0.08
        fast = spec.slug in ("website-trial", "customer-referral", "partner", "direct")
        return _pick(rng, [(Stage.MQL, mql, _tri(rng, 1, 3, 8) if fast else _tri(rng, 3, 7, 20), True),
                           (Stage.DISQUALIFIED, dq, _tri(rng, 0.01, 0.3, 5), True)])  # fmt: skip
    if stage == Stage.LEAD:
        again = 0.35 if lead.sdr is not None and lead.temperature == Temperature.HIGH_VALUE else 0.1
        return _pick(rng, [(Stage.MQL, again if lead.sdr else 0, _tri(rng, 30, 45, 120), True)])
    if stage == Stage.MQL:
        accept = _tri(rng, 0.05, 0.3, 1) if rng.random() < 0.8 else _tri(rng, 1, 1.5, 6)
        return _pick(rng, [(Stage.SAL, .82, accept, True), (Stage.LEAD, .13, _tri(rng, .2, 1, 3), True),
                           (Stage.DISQUALIFIED, .05, _tri(rng, .3, 1, 3), True)])  # fmt: skip
    if stage == Stage.SAL:
        sql = min(0.75, 0.38 * q)
        return _pick(rng, [(Stage.SQL, sql, _tri(rng, 5, 9, 15), True),
                           (Stage.LEAD, .9 - sql, _tri(rng, 5, 10, 20), True),
                           (Stage.DISQUALIFIED, .06, _tri(rng, 3, 7, 15), True)])  # fmt: skip
    if stage == Stage.SQL:
        return _pick(rng, [(Stage.OPPORTUNITY, .72, _tri(rng, 7, 12, 20), True),
                           (Stage.LEAD, .15, _tri(rng, 7, 14, 30), True),
                           (Stage.DISQUALIFIED, .05, _tri(rng, 5, 10, 20), True)])  # fmt: skip
    if stage == Stage.OPPORTUNITY:
        won = min(0.75, 0.33 * q)
        return _pick(rng, [(Stage.CUSTOMER, won, _tri(rng, 20, 35, 60), True),
                           (Stage.LOST, .97 - won, _tri(rng, 20, 40, 75), True)])  # fmt: skip
    if stage == Stage.LOST:
        return _pick(rng, [(Stage.LEAD, 0.4, _tri(rng, 30, 40, 60), False)])
    return None


def _pick(rng: Rng, options: list[tuple[str, float, float, bool]]) -> Move | None:
    x = rng.random()
    for stage, probability, days, human in options:
        if x < probability:
            return stage, days, human
        x -= probability
    return None


def _take(rng: Rng, lead: LeadPlan, target: str, at: dt.datetime, *, skip: bool = False) -> None:
    """Choose who moves the lead and why, then apply the move as lead_transition would."""
    frm = lead.stage
    actor, label = _actor(rng, lead, frm, target)
    reason = _reason(rng, frm, target)
    note = NOTES.get(reason, "") if reason == "other" or rng.random() < 0.3 else ""
    bant = _bant_for(rng, lead, target, rule=label.startswith("rule:"), skip=skip)
    amount, close = None, None
    if target in (Stage.OPPORTUNITY, Stage.CUSTOMER):
        amount, close = _deal_terms(rng, lead, at)
    if reason == DisqualifyReason.STUDENT:
        lead.profile.update(title="在读研究生", company="")
    _move(lead, target, at=at, actor=actor, label=label, reason=reason, note=note, skip=skip, bant=bant,
          amount=amount, expected_close=close)  # fmt: skip
    _temperature_after(lead, frm, target, reason, at)


def _actor(rng: Rng, lead: LeadPlan, frm: str, target: str) -> tuple[str | None, str]:
    """(username or None for the system, actor label) of the person or rule that makes the move."""
    if frm == Stage.LOST:
        return None, "rule:recycle_lost"
    if frm == Stage.LEAD and target in (Stage.MQL, Stage.DISQUALIFIED) and lead.spec.slug != "sales-sourced":
        if lead.sdr is None or (lead.spec.slug == "website-trial" and target == Stage.MQL and rng.random() < 0.4):
            rule = {"website-trial": "trial_activated"}.get(lead.spec.slug, "score_threshold")
            return None, f"rule:{rule if target == Stage.MQL else 'data_quality'}"
        return lead.sdr, ""
    return lead.sales or _rep_for(lead), ""


def _reason(rng: Rng, frm: str, target: str) -> str:
    if target == Stage.DISQUALIFIED:
        return str(_weighted(rng, EARLY_DQ_REASONS if frm == Stage.LEAD else LATE_DQ_REASONS))
    if target == Stage.LOST:
        return str(_weighted(rng, LOST_REASONS))
    if target == Stage.LEAD and frm in (Stage.MQL, Stage.SAL, Stage.SQL):
        return str(_weighted(rng, RETURN_REASONS))
    return ""


def _bant_for(rng: Rng, lead: LeadPlan, target: str, *, rule: bool, skip: bool) -> dict[str, bool] | None:
    """The BANT points confirmed with the move: at least 2 for an SDR's MQL, all 4 for SQL."""
    if target == Stage.MQL and not rule and sum(lead.bant.values()) < 2:
        points = ["need", *rng.sample(["budget", "authority", "timing"], rng.choice((1, 1, 2)))]
        if lead.seniority == 2 and "authority" not in points:
            points.append("authority")
        return dict.fromkeys(points, True)
    if target == Stage.SQL and not skip:
        return dict.fromkeys(BANT_POINTS, True)
    if skip:
        return dict.fromkeys(rng.sample(list(BANT_POINTS), rng.randint(2, 4)), True)
    return None


def _deal_terms(rng: Rng, lead: LeadPlan, at: dt.datetime) -> tuple[Decimal, dt.date]:
    """A new opportunity's amount (log-normal by tier, 50k-800k) or the contract value of a win."""
    open_deals = [deal for deal in lead.deals if deal.status == OpportunityStatus.OPEN]
    if lead.stage == Stage.OPPORTUNITY and open_deals:
        amount = open_deals[-1].amount
        if rng.random() < 0.5:
            amount = Decimal(int(round(float(amount) * rng.uniform(0.85, 0.98), -3)))
        return amount, at.date()
    median = DEAL_MEDIAN[lead.account.tier if lead.account else ""]
    value = min(800_000, max(50_000, median * math.exp(rng.gauss(0, 0.45))))
    return Decimal(int(round(value, -3))), (at + dt.timedelta(days=rng.randint(30, 60))).date()


def _move(
    lead: LeadPlan, target: str, *, at: dt.datetime, actor: str | None, label: str = "", reason: str = "",
    note: str = "", skip: bool = False, bant: dict[str, bool] | None = None, amount: Decimal | None = None,
    expected_close: dt.date | None = None,
) -> None:  # fmt: skip
    """The plan-side twin of lead_transition: the same path, history rows, BANT event and effects."""
    if (Stage(lead.stage), Stage(target)) in TRANSITIONS:
        path = [str(target)]
    else:
        jump = skip_path(lead.stage, target) if skip else None
        if jump is None:
            raise ValueError(f"demo plan made an illegal move {lead.stage} -> {target}")
        path = [str(stage) for stage in jump]
    changed = [point for point in BANT_POINTS if bant and bant.get(point) and not lead.bant[point]]
    if changed:
        lead.bant.update(dict.fromkeys(changed, True))
        lead.events.append(Event(LeadEventKind.BANT_CHANGED, at, actor, label,
                                 {"changed": changed, "bant": dict(lead.bant)}))  # fmt: skip
    _move_effects(lead, path, at, actor, amount, expected_close, reason)
    for frm, stage in zip([lead.stage, *path[:-1]], path, strict=True):
        last = stage == path[-1]
        lead.steps.append(Step(frm, stage, at, actor, label, reason if last else "", note if last else "",
                               implied=not last, bypassed=skip))  # fmt: skip
    lead.stage, lead.stage_at = path[-1], at


def _move_effects(
    lead: LeadPlan, path: list[str], at: dt.datetime, actor: str | None, amount: Decimal | None,
    expected_close: dt.date | None, reason: str,
) -> None:  # fmt: skip
    if Stage.SAL in path and lead.sales is None and actor in SALES_REPS:
        _owner_set(lead, "sales", actor, at, actor=actor)
    open_deals = [deal for deal in lead.deals if deal.status == OpportunityStatus.OPEN]
    deal = open_deals[-1] if open_deals else None
    if Stage.OPPORTUNITY in path:
        assert amount is not None
        deal = Deal(at, amount, expected_close or at.date(), lead.sales or actor)
        lead.deals.append(deal)
    if Stage.CUSTOMER in path and deal is not None:
        deal.status, deal.closed_at, deal.won_amount = OpportunityStatus.WON, at, amount
    if path[-1] in (Stage.LOST, Stage.DISQUALIFIED) and deal is not None:
        deal.status, deal.closed_at = OpportunityStatus.LOST, at
        deal.lost_reason = reason if path[-1] == Stage.LOST else f"disqualified:{reason}"


def _temperature_set(lead: LeadPlan, value: str, at: dt.datetime, reason: str) -> None:
    if lead.temperature == value:
        return
    data = {"from": lead.temperature, "to": value, "reason": reason}
    lead.events.append(Event(LeadEventKind.TEMPERATURE_CHANGED, at, None, "rule:nurture_track", data))
    lead.temperature = value


def _temperature_after(lead: LeadPlan, frm: str, target: str, reason: str, at: dt.datetime) -> None:
    """Returned and lost leads go to the matching nurture track; a new MQL is hot."""
    if target == Stage.MQL:
        _temperature_set(lead, Temperature.HOT, at, "mql")
    elif target == Stage.LEAD and frm == Stage.LOST:
        _temperature_set(lead, Temperature.HIGH_VALUE, at, "recycled")
    elif target == Stage.LEAD:
        later = reason in (ReturnReason.BAD_TIMING, ReturnReason.NO_BUDGET)
        _temperature_set(lead, Temperature.HIGH_VALUE if later else Temperature.COLD, at, f"returned:{reason}")


def _temperature_cooling(window: Window, lead: LeadPlan) -> None:
    """A lead never qualified in 45 days cools down (the rule runs at that time)."""
    at = lead.created_at + dt.timedelta(days=45)
    if lead.stage == Stage.LEAD and not lead.reached(Stage.MQL) and at < window.cutoff:
        _temperature_set(lead, Temperature.COLD, at, "no_engagement_45d")


def _customer_checks(leads: list[LeadPlan]) -> None:
    """客户查重 as lead_create runs it: flag a lead whose account was a customer or had another lead's open
    opportunity when it was created, and give it the account owner (or that opportunity's owner)."""
    deals: dict[int, list[tuple[Deal, int]]] = {}
    for lead in leads:
        if lead.account is not None:
            deals.setdefault(lead.account.index, []).extend((deal, lead.key) for deal in lead.deals)
    for lead in leads:
        if lead.account is None:
            continue
        at, others = lead.created_at, deals.get(lead.account.index, [])
        won = any(d.status == OpportunityStatus.WON and d.closed_at and d.closed_at <= at for d, _k in others)
        open_now = [d for d, key in others if key != lead.key and d.opened_at <= at
                    and (d.closed_at is None or d.closed_at > at)]  # fmt: skip
        if not (won or open_now):
            continue
        lead.customer_check = True
        data = {"account": lead.account.index, "reason": "customer" if won else "open_opportunity"}
        lead.events.append(Event(LeadEventKind.CUSTOMER_CHECK, at, None, "customer_check", data))
        owner = lead.account.owner or (max(open_now, key=lambda d: d.opened_at).owner if open_now else None)
        if owner is not None and lead.spec.slug != "sales-sourced":
            _owner_move_to_creation(lead, owner)


def _owner_move_to_creation(lead: LeadPlan, owner: str) -> None:
    """The customer check assigned the sales owner at creation, so SAL does not assign it again."""
    lead.events = [e for e in lead.events if not (e.kind == LeadEventKind.OWNER_CHANGED and e.data["side"] == "sales")]
    data = {"side": "sales", "from": None, "to": owner}
    lead.events.append(Event(LeadEventKind.OWNER_CHANGED, lead.created_at, None, "customer_check", data))
    lead.sales = owner
    for deal in lead.deals:
        deal.owner = owner


# ---------------------------------------------------------------------------------------------- touchpoints


@dataclass(frozen=True)
class TouchContext:
    window: Window
    horizon: dt.datetime  # the latest moment a touch of this lead may have
    campaigns: dict[str, list[CampaignPlan]]  # by channel slug

    def campaign_at(self, channel: str | None, at: dt.datetime) -> CampaignPlan | None:
        day = at.astimezone(DEMO_TZ).date()
        return next((c for c in self.campaigns.get(channel or "", []) if c.lead_from <= day <= c.lead_to), None)


def _touches_plan(rng: Rng, window: Window, lead: LeadPlan, campaigns: dict[str, list[CampaignPlan]]) -> None:
    """Touches before and along the journey, up to a while after its last stage change, never after today."""
    horizon = min(window.cutoff - dt.timedelta(minutes=1), lead.stage_at + dt.timedelta(days=rng.randint(3, 30)))
    ctx = TouchContext(window, horizon, campaigns)
    _touches_anonymous(rng, lead)
    _touches_entry(rng, ctx, lead)
    _touches_nurture(rng, ctx, lead)
    _touches_people(rng, ctx, lead)
    lead.touches.sort(key=lambda touch: touch.at)


def _touch(
    ctx: TouchContext, lead: LeadPlan, kind: str, at: dt.datetime, channel: str | None, *,
    campaign: CampaignPlan | None = None, **properties: Any,
) -> None:  # fmt: skip
    at = at.replace(microsecond=0)
    if at <= ctx.horizon:
        campaign = campaign or ctx.campaign_at(channel, at)
        lead.touches.append(Touch(kind, at, channel, campaign, properties=properties))


def _touches_anonymous(rng: Rng, lead: LeadPlan) -> None:
    """Page views by a not-yet-known visitor; the cookie id becomes an identity when the visitor converts."""
    if not (lead.spec.utm or lead.spec.slug in ("seo", "direct", "website-trial", "whitepaper", "webinar")):
        return
    if rng.random() > 0.45:
        return
    lead.anonymous_id = f"anon-{rng.getrandbits(64):016x}"
    for _ in range(rng.randint(1, 4)):
        at = (lead.created_at - dt.timedelta(days=rng.uniform(0.05, 30))).replace(microsecond=0)
        channel = rng.choice((lead.spec.slug, "seo", "direct"))
        lead.touches.append(Touch(K.PAGE_VIEW, at, channel, None, lead.anonymous_id, {"path": rng.choice(PAGES)}))


def _touches_entry(rng: Rng, ctx: TouchContext, lead: LeadPlan) -> None:
    """The touches that created the lead, the last one at the creation instant; attendance and trial use."""
    entry, slug = lead.spec.entry, lead.spec.slug
    for n, kind in enumerate(entry):
        at = lead.created_at - dt.timedelta(minutes=3 * (len(entry) - 1 - n))
        actor = {"call": lead.sdr, "meeting": lead.sales}.get(str(kind))
        _touch(ctx, lead, kind, at, slug, campaign=lead.campaign, **({"by": actor} if actor else {}))
    if lead.campaign is not None and slug in ("webinar", "channels-live") and rng.random() < 0.55:
        at = _local(lead.campaign.starts_on, 14, rng.randint(0, 40))
        if at >= lead.created_at:
            _touch(ctx, lead, K.WEBINAR_ATTEND, at, slug, campaign=lead.campaign)
    if slug == "website-trial":
        for _ in range(rng.randint(2, 6)):
            at = lead.created_at + dt.timedelta(days=rng.uniform(0.1, 21))
            _touch(ctx, lead, K.PRODUCT_USAGE, at, slug, feature=rng.choice(("import", "scoring", "dashboard")))


NURTURE_KINDS = ((K.EMAIL_OPEN, "edm", 3), (K.EMAIL_CLICK, "edm", 1), (K.PAGE_VIEW, "direct", 2),
                 (K.PAGE_VIEW, "seo", 1), (K.PAGE_VIEW, "wechat-official", 1), (K.CONTENT_DOWNLOAD, "whitepaper", .6),
                 (K.WEBINAR_REGISTER, "webinar", .5), (K.AD_CLICK, "baidu-sem", .4))  # fmt: skip


def _touches_nurture(rng: Rng, ctx: TouchContext, lead: LeadPlan) -> None:
    """Marketing touches between creation and the horizon: emails (with consent), visits, content."""
    reached = sum(rng.randint(1, 3) for stage in (Stage.MQL, Stage.SAL, Stage.SQL) if lead.reached(stage))
    span = (ctx.horizon - lead.created_at).total_seconds()
    if span <= 60:
        return
    kinds = [(kind, channel, w) for kind, channel, w in NURTURE_KINDS if lead.profile["consent_email"] or
             channel != "edm"]  # fmt: skip
    for _ in range(rng.randint(2, 5) + reached):
        kind, channel, _w = rng.choices(kinds, weights=[w for *_x, w in kinds])[0]
        at = lead.created_at + dt.timedelta(seconds=rng.uniform(60, span))
        if kind == K.PAGE_VIEW:
            _touch(ctx, lead, kind, at, channel, path=rng.choice(PAGES))
            continue
        _touch(ctx, lead, kind, at, channel)
        webinar = ctx.campaign_at(channel, at) if kind == K.WEBINAR_REGISTER else None
        if webinar is not None and rng.random() < 0.5:
            _touch(ctx, lead, K.WEBINAR_ATTEND, max(at, _local(webinar.starts_on, 14)), channel, campaign=webinar)


def _touches_people(rng: Rng, ctx: TouchContext, lead: LeadPlan) -> None:
    """SDR calls after assignment, demo requests before MQL, sales calls and meetings after SAL."""
    sdr_from = next((e.at for e in lead.events if e.kind == LeadEventKind.OWNER_CHANGED and e.data["side"] == "sdr"),
                    None)  # fmt: skip
    if sdr_from is not None and lead.sdr is not None:
        at = _after(rng, ctx.window, sdr_from, _tri(rng, 0.02, 0.3, 3))
        for _ in range(rng.randint(1, 3)):
            outcome = rng.choice(("connected", "no_answer", "connected", "wechat_added"))
            _touch(ctx, lead, K.CALL, at, None, by=lead.sdr, outcome=outcome)
            at = _after(rng, ctx.window, at, _tri(rng, 1, 3, 10))
    for step in lead.steps:
        if step.to == Stage.MQL and not step.implied and rng.random() < 0.25:
            at = max(lead.created_at, step.at - dt.timedelta(days=rng.uniform(0.3, 3)))
            _touch(ctx, lead, K.DEMO_REQUEST, at, "direct")
        if step.to in (Stage.SAL, Stage.SQL, Stage.OPPORTUNITY) and not step.implied and lead.sales:
            at = step.at
            for _ in range(rng.randint(1, 3 if step.to == Stage.OPPORTUNITY else 2)):
                at = _after(rng, ctx.window, at, _tri(rng, 0.5, 3, 10))
                _touch(ctx, lead, rng.choice((K.MEETING, K.CALL)), at, None, by=lead.sales)


def _scores(window: Window, lead: LeadPlan) -> tuple[int, int, int]:
    """(fit, engagement, source): engagement is kind points decayed with a 30-day half-life to today."""
    engagement = 0.0
    for touch in lead.touches:
        age = (window.cutoff - touch.at).total_seconds() / 86400
        engagement += ENGAGEMENT_POINTS.get(touch.kind, 1) * 2 ** (-age / 30)
    return lead.fit, min(100, round(engagement)), lead.spec.prior


def _grade(fit: int, engagement: int) -> str:
    letter = "A" if fit >= 75 else "B" if fit >= 60 else "C" if fit >= 45 else "D"
    digit = 1 if engagement >= 60 else 2 if engagement >= 35 else 3 if engagement >= 15 else 4
    return f"{letter}{digit}"


# ---------------------------------------------------------------------------------------------- writing


def _plan_write(plan: DemoPlan, users: dict[str, User]) -> dict[str, int]:
    """Write the plan in bulk; returns the number of rows written per kind."""
    channels = _channels_ensure(plan.window)
    campaigns = _rows_ensure(Campaign, "slug", [_campaign_row(c, channels) for c in plan.campaigns])
    accounts = _rows_ensure(Account, "domain", [_account_row(a, users, plan.window) for a in plan.accounts])
    costs = Cost.objects.bulk_create(
        [Cost(channel=channels[slug], campaign=campaigns[c.slug] if c else None, month=month, category=category,
              amount=amount, created_at=_local(month)) for slug, c, month, category, amount in plan.costs],
        batch_size=BATCH, ignore_conflicts=True,
    )  # fmt: skip
    by_account = {a.index: accounts[a.domain] for a in plan.accounts}
    lead_rows = Lead.objects.bulk_create(
        [_lead_row(lead, plan, channels, campaigns, by_account, users) for lead in plan.leads], batch_size=BATCH
    )
    pks = [row.pk for row in lead_rows]
    counts = {"campaigns": len(campaigns), "accounts": len(accounts), "costs": len(costs), "leads": len(pks)}
    counts.update(_children_write(plan, pks, users, by_account, channels, campaigns))
    counts["customers"] = _accounts_record_wins(plan, by_account)
    return counts


def _channels_ensure(window: Window) -> dict[str, Channel]:
    rows = [Channel(slug=spec.slug, name=spec.name, category=spec.category, route=spec.route, prior_score=spec.prior,
                    created_at=window.start) for spec in CHANNELS]  # fmt: skip
    return _rows_ensure(Channel, "slug", rows)


def _rows_ensure(model: Any, key: str, rows: list[Any]) -> dict[str, Any]:
    """Rows by `key`: the existing ones are kept as they are, the missing ones created in bulk."""
    keys = [getattr(row, key) for row in rows]
    existing = {getattr(obj, key): obj for obj in model.objects.filter(**{f"{key}__in": keys})}
    created = model.objects.bulk_create([row for row in rows if getattr(row, key) not in existing], batch_size=BATCH)
    return {**existing, **{getattr(obj, key): obj for obj in created}}


def _campaign_row(campaign: CampaignPlan, channels: dict[str, Channel]) -> Campaign:
    return Campaign(slug=campaign.slug, name=campaign.name, channel=channels[campaign.channel],
                    starts_on=campaign.starts_on, ends_on=campaign.ends_on, budget=campaign.budget,
                    created_at=_local(campaign.starts_on) - dt.timedelta(days=14))  # fmt: skip


def _account_row(account: AccountPlan, users: dict[str, User], window: Window) -> Account:
    return Account(name=account.name, domain=account.domain, industry=account.industry, size_band=account.size_band,
                   region=account.region, tier=account.tier, is_target=account.tier in (Tier.S, Tier.A),
                   owner_sales=users[account.owner] if account.owner else None,
                   created_at=window.start - dt.timedelta(days=30))  # fmt: skip


def _lead_row(
    lead: LeadPlan, plan: DemoPlan, channels: dict[str, Channel], campaigns: dict[str, Campaign],
    accounts: dict[int, Account], users: dict[str, User],
) -> Lead:  # fmt: skip
    consent = bool(lead.profile["consent_email"])
    fit, engagement, source = lead.scores
    return Lead(
        **lead.profile, **{f"bant_{point}": value for point, value in lead.bant.items()},
        source_channel=channels[lead.spec.slug], campaign=campaigns[lead.campaign.slug] if lead.campaign else None,
        consent_changed_at=lead.created_at if consent else None,
        attributes={"demo": True, "demo_seed": plan.seed, "demo_today": plan.window.today.isoformat()},
        stage=lead.stage, stage_changed_at=lead.stage_at, temperature=lead.temperature, fit_score=fit,
        engagement_score=engagement, source_score=source, grade=_grade(fit, engagement),
        owner_sdr=users[lead.sdr] if lead.sdr else None, owner_sales=users[lead.sales] if lead.sales else None,
        account=accounts[lead.account.index] if lead.account else None, customer_check=lead.customer_check,
        last_touch_at=max((t.at for t in lead.touches), default=None), created_at=lead.created_at,
    )  # fmt: skip


def _children_write(
    plan: DemoPlan, pks: list[int], users: dict[str, User], accounts: dict[int, Account],
    channels: dict[str, Channel], campaigns: dict[str, Campaign],
) -> dict[str, int]:  # fmt: skip
    uid: Callable[[str | None], int | None] = lambda name: users[name].pk if name else None  # noqa: E731
    identities, steps, events, deals, touches = [], [], [], [], []
    for lead, pk in zip(plan.leads, pks, strict=True):
        identities += [Identity(lead_id=pk, kind=kind, value=value, created_at=lead.created_at)
                       for kind, value in _identities(lead)]  # fmt: skip
        steps += [StageChange(lead_id=pk, from_stage=s.frm, to_stage=s.to, at=s.at, actor_id=uid(s.actor),
                              actor_label=s.label, reason=s.reason, note=s.note, implied=s.implied,
                              gates_bypassed=s.bypassed, recorded_at=s.at) for s in lead.steps]  # fmt: skip
        events += [
            LeadEvent(
                lead_id=pk,
                kind=e.kind,
                at=e.at,
                actor_id=uid(e.actor),
                actor_label=e.label,
                data=_event_data(e, users, accounts),
            )
            for e in sorted(lead.events, key=lambda e: e.at)
        ]
        deals += [_deal_row(lead, pk, deal, users, accounts) for deal in lead.deals]
        touches += [_touch_row(pk, t, channels, campaigns) for t in lead.touches]
    for n, touch in enumerate(touches, start=1):
        touch.event_id = f"demo-{n}"
    Identity.objects.bulk_create(identities, batch_size=BATCH)
    StageChange.objects.bulk_create(steps, batch_size=BATCH)
    LeadEvent.objects.bulk_create(events, batch_size=BATCH)
    Opportunity.objects.bulk_create(deals, batch_size=BATCH)
    Touchpoint.objects.bulk_create(touches, batch_size=BATCH)
    return {"identities": len(identities), "stage_changes": len(steps), "events": len(events),
            "opportunities": len(deals), "touchpoints": len(touches)}  # fmt: skip


def _identities(lead: LeadPlan) -> list[tuple[str, str]]:
    pairs = [(IdentityKind.EMAIL.value, lead.profile["email"].lower())]
    if lead.profile["phone"]:
        pairs.append((IdentityKind.PHONE.value, lead.profile["phone"]))
    if lead.anonymous_id:
        pairs.append((IdentityKind.ANONYMOUS_ID.value, lead.anonymous_id))
    return pairs


def _event_data(event: Event, users: dict[str, User], accounts: dict[int, Account]) -> dict[str, Any]:
    """Usernames and account indexes of the plan become primary keys, as the services record them."""
    if event.kind == LeadEventKind.OWNER_CHANGED:
        return {**event.data, **{k: users[event.data[k]].pk if event.data[k] else None for k in ("from", "to")}}
    if event.kind == LeadEventKind.CUSTOMER_CHECK:
        return {**event.data, "account": accounts[event.data["account"]].pk}
    return event.data


def _deal_row(lead: LeadPlan, pk: int, deal: Deal, users: dict[str, User], accounts: dict[int, Account]) -> Opportunity:
    company = lead.profile.get("company") or f"{lead.profile['last_name']}{lead.profile['first_name']}"
    return Opportunity(
        lead_id=pk, account=accounts[lead.account.index] if lead.account else None,
        owner=users[deal.owner] if deal.owner else None, name=f"{company} · {deal.opened_at:%Y-%m}",
        amount=deal.amount, expected_close=deal.expected_close, status=deal.status, opened_at=deal.opened_at,
        closed_at=deal.closed_at, won_amount=deal.won_amount, lost_reason=deal.lost_reason, created_at=deal.opened_at,
    )  # fmt: skip


def _touch_row(pk: int, touch: Touch, channels: dict[str, Channel], campaigns: dict[str, Campaign]) -> Touchpoint:
    spec = CHANNEL_BY_SLUG.get(touch.channel or "")
    utm = spec.utm if spec is not None and spec.utm else ("", "")
    return Touchpoint(
        lead_id=pk, anonymous_id=touch.anonymous_id, kind=touch.kind,
        channel=channels[touch.channel] if touch.channel else None,
        campaign=campaigns[touch.campaign.slug] if touch.campaign else None, occurred_at=touch.at,
        properties=touch.properties, utm_source=utm[0], utm_medium=utm[1],
        utm_campaign=touch.campaign.slug if touch.campaign and utm[0] else "", created_at=touch.at,
    )  # fmt: skip


def _accounts_record_wins(plan: DemoPlan, accounts: dict[int, Account]) -> int:
    """As account_record_win: a won deal makes the account a customer and adds its first-year value to ARR."""
    wins: Counter[int] = Counter()
    for lead in plan.leads:
        for deal in lead.deals:
            if lead.account is not None and deal.won_amount is not None:
                wins[lead.account.index] += int(deal.won_amount)
    changed = []
    for index, total in sorted(wins.items()):
        account = accounts[index]
        account.customer_status, account.arr = CustomerStatus.CUSTOMER, account.arr + Decimal(total)
        changed.append(account)
    Account.objects.bulk_update(changed, ["customer_status", "arr"], batch_size=BATCH)
    return len(changed)
