"""Each lead's touchpoints: anonymous visits before it converts, its entry touches, nurture, calls and meetings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from leads.choices import LeadEventKind, Stage, TouchpointKind
from leads.demo.catalog import DEMO_TZ, PAGES
from leads.demo.plans import CampaignPlan, LeadPlan, Rng, Touch, Window
from leads.demo.timeline import local_at, moment_after, triangular

K = TouchpointKind


@dataclass(frozen=True)
class TouchContext:
    window: Window
    horizon: dt.datetime  # the latest moment a touch of this lead may have
    campaigns: dict[str, list[CampaignPlan]]  # by channel slug

    def campaign_at(self, channel: str | None, at: dt.datetime) -> CampaignPlan | None:
        day = at.astimezone(DEMO_TZ).date()
        return next((c for c in self.campaigns.get(channel or "", []) if c.lead_from <= day <= c.lead_to), None)


def touches_plan(rng: Rng, window: Window, lead: LeadPlan, campaigns: dict[str, list[CampaignPlan]]) -> None:
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
        at = local_at(lead.campaign.starts_on, 14, rng.randint(0, 40))
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
            _touch(ctx, lead, K.WEBINAR_ATTEND, max(at, local_at(webinar.starts_on, 14)), channel, campaign=webinar)


def _touches_people(rng: Rng, ctx: TouchContext, lead: LeadPlan) -> None:
    """SDR calls after assignment, demo requests before MQL, sales calls and meetings after SAL."""
    sdr_from = next((e.at for e in lead.events if e.kind == LeadEventKind.OWNER_CHANGED and e.data["side"] == "sdr"),
                    None)  # fmt: skip
    if sdr_from is not None and lead.sdr is not None:
        at = moment_after(rng, ctx.window, sdr_from, triangular(rng, 0.02, 0.3, 3))
        for _ in range(rng.randint(1, 3)):
            outcome = rng.choice(("connected", "no_answer", "connected", "wechat_added"))
            _touch(ctx, lead, K.CALL, at, None, by=lead.sdr, outcome=outcome)
            at = moment_after(rng, ctx.window, at, triangular(rng, 1, 3, 10))
    for step in lead.steps:
        if step.to == Stage.MQL and not step.implied and rng.random() < 0.25:
            at = max(lead.created_at, step.at - dt.timedelta(days=rng.uniform(0.3, 3)))
            _touch(ctx, lead, K.DEMO_REQUEST, at, "direct")
        if step.to in (Stage.SAL, Stage.SQL, Stage.OPPORTUNITY) and not step.implied and lead.sales:
            at = step.at
            for _ in range(rng.randint(1, 3 if step.to == Stage.OPPORTUNITY else 2)):
                at = moment_after(rng, ctx.window, at, triangular(rng, 0.5, 3, 10))
                _touch(ctx, lead, rng.choice((K.MEETING, K.CALL)), at, None, by=lead.sales)
