"""The default rule set (version 1, live from the first migration): a Chinese B2B SaaS vendor's ICP.

Used when no version is live (an empty test database) so scoring never stops for want of rules.
"""

from __future__ import annotations

from typing import Any

TARGET_INDUSTRIES = ["manufacturing", "software", "internet", "financial_services", "retail", "healthcare",
                     "制造业", "软件", "互联网", "金融", "零售", "医疗"]  # fmt: skip
CORE_REGIONS = ["华东", "华南", "华北", "上海", "北京", "广东", "江苏", "浙江", "深圳"]
DECISION_MAKERS = ["CEO", "CTO", "CIO", "CMO", "COO", "CFO", "VP", "总经理", "总裁", "董事", "副总", "创始人",
                   "founder"]
MANAGERS = ["总监", "director", "head of", "经理", "manager", "负责人", "主管"]


def _rules(scale: float, *, incomplete_penalty: int) -> list[dict[str, Any]]:
    def pts(value: int) -> int:
        return round(value * scale)

    return [
        {"label": "industry in target list", "field": "industry", "op": "in", "value": TARGET_INDUSTRIES,
         "points": pts(20)},
        {"label": "1,000+ employees", "field": "employee_count", "op": "gte", "value": 1000, "points": pts(15)},
        {"label": "200–999 employees", "field": "employee_count", "op": "between", "value": [200, 999],
         "points": pts(10)},
        {"label": "core region", "field": "region", "op": "in", "value": CORE_REGIONS, "points": pts(10)},
        *({"label": f"title: {word}", "field": "title", "op": "contains", "value": word, "points": pts(15)}
          for word in DECISION_MAKERS[:7]),
        *({"label": f"title: {word}", "field": "title", "op": "contains", "value": word, "points": pts(10)}
          for word in MANAGERS[:3]),
        {"label": "decision maker", "field": "attributes.decision_role", "op": "eq", "value": "decision_maker",
         "points": pts(20)},
        {"label": "influencer", "field": "attributes.decision_role", "op": "eq", "value": "influencer",
         "points": pts(10)},
        {"label": "user", "field": "attributes.decision_role", "op": "eq", "value": "user", "points": pts(3)},
        {"label": "target account (ABM)", "field": "account_is_target", "op": "eq", "value": True,
         "points": pts(15)},
        {"label": "no title given", "field": "title", "op": "is_null", "value": True, "points": -incomplete_penalty},
        {"label": "no industry given", "field": "industry", "op": "is_null", "value": True,
         "points": -incomplete_penalty},
    ]  # fmt: skip


DEFAULT_RULESET: dict[str, Any] = {
    "half_life_days": 30,
    "touchpoint_points": {
        "page_view": 1, "form_submit": 10, "content_download": 8, "webinar_register": 6, "webinar_attend": 12,
        "event_checkin": 15, "email_open": 1, "email_click": 3, "email_reply": 10, "call": 8, "meeting": 20,
        "demo_request": 30, "trial_signup": 25, "product_usage": 5, "chat": 5, "wecom_message": 4, "ad_click": 2,
    },
    "negative_rules": [
        {"label": "unsubscribed", "kind": "", "property": "event", "op": "eq", "value": "unsubscribe",
         "points": -30},
        {"label": "email bounced", "kind": "", "property": "event", "op": "eq", "value": "bounce", "points": -20},
        {"label": "careers page visit", "kind": "page_view", "property": "url", "op": "contains",
         "value": "/careers", "points": -10},
        {"label": "careers page visit", "kind": "page_view", "property": "url", "op": "contains",
         "value": "/jobs", "points": -10},
    ],
    # The same profile is worth more from a key account; a long-tail profile must be complete to score.
    "fit_rules": {"key_account": _rules(1.3, incomplete_penalty=0), "standard": _rules(1.0, incomplete_penalty=5),
                  "long_tail": _rules(0.7, incomplete_penalty=10)},
    "fit_thresholds": {"A": 75, "B": 50, "C": 25},
    "engagement_thresholds": {"1": 60, "2": 30, "3": 10},
    "mql_grades": ["A1", "A2", "B1"],
    "source_pseudo_count": 50,
    "reference_mql_rate": 0.3,
    "reference_customer_rate": 0.02,
    "no_channel_score": 30,
}  # fmt: skip
