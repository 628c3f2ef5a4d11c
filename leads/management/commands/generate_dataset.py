"""`manage.py generate_dataset --leads N --touchpoints M --seed S`: the benchmark dataset, loaded with COPY.

Deterministic for a seed: the same leads, identities, stage histories, touchpoints, 20 channels and 12 months
of costs every time. The stage mix follows the funnel of spec/benchmarks.md (about 30 % reach MQL, 10 % SQL,
2 % become customers). PostgreSQL only: COPY streams CSV chunks built in memory.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from leads.choices import ChannelCategory, CostCategory, IdentityKind, Stage, Temperature, TouchpointKind
from leads.models import Channel, Cost, Identity
from leads.services.bulk.sql import csv_value, rows_copy

CHUNK = 100_000
CHANNELS = [
    ("baidu-sem", ChannelCategory.SEARCH_ADS), ("bing-ads", ChannelCategory.SEARCH_ADS),
    ("seo", ChannelCategory.SEO), ("wechat-article", ChannelCategory.CONTENT), ("zhihu", ChannelCategory.CONTENT),
    ("whitepaper", ChannelCategory.CONTENT), ("linkedin", ChannelCategory.SOCIAL), ("weibo", ChannelCategory.SOCIAL),
    ("douyin", ChannelCategory.SOCIAL), ("webinar", ChannelCategory.WEBINAR), ("trade-show", ChannelCategory.EVENT),
    ("roadshow", ChannelCategory.EVENT), ("edm", ChannelCategory.EMAIL), ("referral", ChannelCategory.REFERRAL),
    ("partner", ChannelCategory.PARTNER), ("sdr-outbound", ChannelCategory.SALES_SOURCED),
    ("abm", ChannelCategory.ABM), ("direct", ChannelCategory.DIRECT), ("wecom", ChannelCategory.SOCIAL),
    ("other", ChannelCategory.OTHER),
]  # fmt: skip
# (cumulative share, final stage): 2 % customers, 10 % reach SQL, 30 % reach MQL.
STAGE_MIX = [(0.02, Stage.CUSTOMER), (0.035, Stage.LOST), (0.05, Stage.OPPORTUNITY), (0.10, Stage.SQL),
             (0.16, Stage.SAL), (0.30, Stage.MQL), (0.38, Stage.DISQUALIFIED), (1.0, Stage.LEAD)]  # fmt: skip
PATHS = {
    Stage.LEAD: [Stage.LEAD], Stage.MQL: [Stage.LEAD, Stage.MQL], Stage.SAL: [Stage.LEAD, Stage.MQL, Stage.SAL],
    Stage.SQL: [Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL],
    Stage.OPPORTUNITY: [Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY],
    Stage.CUSTOMER: [Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER],
    Stage.LOST: [Stage.LEAD, Stage.MQL, Stage.SAL, Stage.SQL, Stage.OPPORTUNITY, Stage.LOST],
    Stage.DISQUALIFIED: [Stage.LEAD, Stage.DISQUALIFIED],
}  # fmt: skip
INDUSTRIES = ["manufacturing", "software", "finance", "retail", "healthcare", "education", "logistics", "energy"]
REGIONS = ["华东", "华北", "华南", "西南", "华中", "东北", "西北"]
KINDS = [TouchpointKind.PAGE_VIEW] * 6 + [TouchpointKind.EMAIL_OPEN] * 2 + list(TouchpointKind)
LEAD_COLUMNS = (
    "id", "email", "phone", "first_name", "last_name", "title", "company", "company_domain", "industry",
    "employee_count", "region", "source_channel_id", "external_id", "source_system", "consent_email",
    "bant_budget", "bant_authority", "bant_need", "bant_timing", "bant_notes", "attributes", "stage",
    "stage_changed_at", "temperature", "fit_score", "engagement_score", "source_score", "grade", "account_id",
    "customer_check", "created_at", "updated_at",
)  # fmt: skip
TOUCH_COLUMNS = ("lead_id", "anonymous_id", "kind", "channel_id", "occurred_at", "properties", "event_id",
                 "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "created_at")  # fmt: skip


def lead_email(seed: int, index: int) -> str:
    """The email of the dataset's lead number `index` (the benchmark uses it to send 'existing' rows)."""
    return f"lead{seed}-{index}@co{index % 5000}.example.cn"


def lead_phone(seed: int, index: int) -> str:
    return f"+861{3 + seed % 7}{index % 10**9:09d}"


class Command(BaseCommand):
    help = "Load a deterministic synthetic dataset (leads, identities, history, touchpoints, costs) with COPY."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--leads", type=int, default=10_000)
        parser.add_argument("--touchpoints", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--start", default="2025-01-01", help="First day of the 12 months covered.")

    def handle(self, *args: Any, **options: Any) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("generate_dataset loads with COPY and needs PostgreSQL: set DATABASE_URL=postgres://...")
        self.seed: int = options["seed"]
        self.verbosity: int = options["verbosity"]
        rng = random.Random(self.seed)
        if Identity.objects.filter(kind=IdentityKind.EMAIL, value=lead_email(self.seed, 0)).exists():
            raise CommandError(f"A dataset with seed {self.seed} is loaded already; use another --seed.")
        start = dt.datetime.fromisoformat(options["start"]).replace(tzinfo=dt.UTC)
        began = time.monotonic()
        with transaction.atomic():
            channels = self._channels(start)
            leads, lead_times = self._leads(rng, options["leads"], channels, start)
            self._say(f"leads, identities and history: {time.monotonic() - began:.1f}s")
            touches = self._touchpoints(rng, options["touchpoints"], leads, lead_times, channels, start)
            self._say(f"touchpoints: {time.monotonic() - began:.1f}s")
        with connection.cursor() as cursor:
            for table in ("leads_lead", "leads_identity", "leads_stagechange", "leads_touchpoint", "accounts_account"):
                cursor.execute(f"ANALYZE {table}")
        self.stdout.write(f"loaded {len(leads)} leads and {touches} touchpoints in {time.monotonic() - began:.1f}s")

    def _say(self, message: str) -> None:
        if self.verbosity > 1:
            self.stdout.write(message)

    def _channels(self, start: dt.datetime) -> list[int]:
        ids = []
        for slug, category in CHANNELS:
            channel, _created = Channel.objects.get_or_create(slug=slug, defaults={"name": slug, "category": category})
            ids.append(channel.pk)
        months = [(start + dt.timedelta(days=31 * m)).date().replace(day=1) for m in range(12)]
        Cost.objects.bulk_create(
            [Cost(channel_id=channel_id, month=month, category=CostCategory.MEDIA,
                  amount=Decimal(20_000 + (channel_id * 7919 + month.month * 104729) % 180_000))
             for channel_id in ids for month in months],
            ignore_conflicts=True,
        )  # fmt: skip
        return ids

    def _reserve(self, table: str, count: int) -> int:
        """First of `count` ids taken from the table's sequence in one step (COPY writes explicit ids)."""
        with connection.cursor() as cursor:
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]  # type: ignore[index]
            cursor.execute(f"SELECT GREATEST(COALESCE(MAX(id), 0), (SELECT last_value FROM {sequence})) FROM {table}")
            base = cursor.fetchone()[0]  # type: ignore[index]
            cursor.execute("SELECT setval(%s, %s)", [sequence, base + count])
        return int(base) + 1

    def _accounts(self, count: int) -> int:
        first = self._reserve("accounts_account", count)
        now = dt.datetime.now(dt.UTC).isoformat()
        rows = ((first + i, f"Company {i}", f"co{i}.example.cn", "", "", "", "C", "f", "prospect", 0, "CNY", now, now)
                for i in range(count))  # fmt: skip
        cols = ("id", "name", "domain", "industry", "size_band", "region", "tier", "is_target", "customer_status",
                "arr", "currency", "created_at", "updated_at")  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT min(id) FROM accounts_account WHERE domain = 'co0.example.cn'")
            existing = cursor.fetchone()[0]  # type: ignore[index]
            if existing is not None:
                return int(existing)  # a second load reuses the accounts of the first
            rows_copy(cursor=cursor, table="accounts_account", columns=cols, rows=rows)
        return first

    def _leads(self, rng: random.Random, count: int, channels: list[int], start: dt.datetime
               ) -> tuple[list[int], list[dt.datetime]]:  # fmt: skip
        first_account = self._accounts(5000)
        first = self._reserve("leads_lead", count)
        ids = list(range(first, first + count))
        created = [start + dt.timedelta(seconds=rng.randrange(365 * 86400)) for _ in range(count)]
        plans = [self._plan(rng) for _ in range(count)]
        with connection.cursor() as cursor:
            for chunk_start in range(0, count, CHUNK):
                span = range(chunk_start, min(count, chunk_start + CHUNK))
                rows = [self._lead_row(rng, i, ids[i], created[i], plans[i], channels, first_account) for i in span]
                rows_copy(cursor=cursor, table="leads_lead", columns=LEAD_COLUMNS, rows=rows)
                rows_copy(cursor=cursor, table="leads_identity", columns=("lead_id", "kind", "value", "created_at",
                          "updated_at"), rows=self._identities(span, ids, created))  # fmt: skip
                rows_copy(cursor=cursor, table="leads_stagechange",
                          columns=("lead_id", "from_stage", "to_stage", "at", "actor_label", "reason", "note",
                                   "implied", "gates_bypassed", "recorded_at"),
                          rows=self._history(span, ids, created, plans))  # fmt: skip
        return ids, created

    @staticmethod
    def _plan(rng: random.Random) -> tuple[Stage, list[int]]:
        draw = rng.random()
        final = next(stage for share, stage in STAGE_MIX if draw < share)
        gaps = [rng.randrange(3600, 20 * 86400) for _ in PATHS[final][1:]]
        return final, gaps

    def _lead_row(self, rng: random.Random, i: int, lead_id: int, created: dt.datetime, plan: tuple[Stage, list[int]],
                  channels: list[int], first_account: int) -> list[Any]:  # fmt: skip
        final, gaps = plan
        changed = created + dt.timedelta(seconds=sum(gaps))
        bant = [final not in (Stage.LEAD, Stage.DISQUALIFIED) or rng.random() < 0.2 for _ in range(2)]
        bant += [final in (Stage.SQL, Stage.OPPORTUNITY, Stage.CUSTOMER, Stage.LOST)] * 2
        phone = lead_phone(self.seed, i) if i % 2 == 0 else ""
        row: list[Any] = [lead_id, lead_email(self.seed, i), phone, "小明", "王", "经理",
               f"Company {i % 5000}", f"co{i % 5000}.example.cn", INDUSTRIES[i % 8], rng.choice((20, 80, 300, 2000)),
               REGIONS[i % 7], channels[rng.randrange(20)], "", "", i % 3 == 0, *bant, "", {}, final, changed,
               Temperature.WARM, rng.randrange(101), rng.randrange(101), rng.randrange(101), "",
               first_account + i % 5000, False, created, changed]  # fmt: skip
        return [csv_value(value) for value in row]

    def _identities(self, span: range, ids: list[int], created: list[dt.datetime]) -> Iterator[list[Any]]:
        for i in span:
            at = created[i].isoformat()
            yield [ids[i], IdentityKind.EMAIL.value, lead_email(self.seed, i), at, at]
            if i % 2 == 0:
                yield [ids[i], IdentityKind.PHONE.value, lead_phone(self.seed, i), at, at]

    @staticmethod
    def _history(span: range, ids: list[int], created: list[dt.datetime], plans: list[tuple[Stage, list[int]]]
                 ) -> Iterator[list[Any]]:  # fmt: skip
        for i in span:
            final, gaps = plans[i]
            at = created[i]
            previous = ""
            for stage, gap in zip(PATHS[final], [0, *gaps], strict=True):
                at += dt.timedelta(seconds=gap)
                reason = "spam" if stage == Stage.DISQUALIFIED else ("price" if stage == Stage.LOST else "")
                yield [ids[i], previous, stage.value, at.isoformat(), "dataset", reason, "", "f", "f", at.isoformat()]
                previous = stage.value

    def _touchpoints(self, rng: random.Random, count: int, leads: list[int], lead_times: list[dt.datetime],
                     channels: list[int], start: dt.datetime) -> int:  # fmt: skip
        """80 % of touchpoints belong to a lead (after its creation), 20 % to anonymous visitors."""
        seed = rng.randrange(1 << 30)
        now = dt.datetime.now(dt.UTC).isoformat()
        with connection.cursor() as cursor:
            for chunk_start in range(0, count, CHUNK):
                rows = []
                for n in range(chunk_start, min(count, chunk_start + CHUNK)):
                    channel = rng.randrange(20)
                    if leads and rng.random() < 0.8:
                        i = rng.randrange(len(leads))
                        lead, anonymous = leads[i], ""
                        at = lead_times[i] + dt.timedelta(seconds=rng.randrange(90 * 86400))
                    else:
                        lead, anonymous = None, f"anon-{rng.randrange(max(1, count // 10))}"
                        at = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
                    rows.append([csv_value(lead), anonymous, rng.choice(KINDS).value, channels[channel], at.isoformat(),
                                 "{}", f"ds{seed}-{n}", CHANNELS[channel][0], "cpc", "", "", "", now])  # fmt: skip
                rows_copy(cursor=cursor, table="leads_touchpoint", columns=TOUCH_COLUMNS, rows=rows)
            cursor.execute(
                "UPDATE leads_lead l SET last_touch_at = t.last FROM (SELECT lead_id, max(occurred_at) AS last "
                "FROM leads_touchpoint WHERE lead_id = ANY(%s) GROUP BY lead_id) t WHERE l.id = t.lead_id",
                [leads],
            )
        return count
