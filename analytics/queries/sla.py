"""SLA panel: compliance per policy and per owner, returned MQLs by reason, SAL/MQL, SDR performance.

Reads `nurturing.models.SlaClock` (clocks started in the period, on leads of the filters). A clock is in
exactly one column: met on time, met late (met or returned after its due time), breached (not met, breach
recorded), open (running, not breached) or stopped (closed otherwise: recycled, cancelled). Compliance =
met on time / (met on time + met late + breached).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd
from django.contrib.auth import get_user_model
from django.db.models import Count, DateTimeField, Exists, ExpressionWrapper, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from analytics.queries.base import AnalyticsFilters, AnalyticsQuery
from analytics.queries.common import ratio, records
from leads.choices import ReturnReason, Stage
from leads.models import StageChange
from nurturing.models.sla import PolicyCode, SlaClock

CREDIT_WINDOW = dt.timedelta(days=14)
RETURN_FROM = (Stage.MQL, Stage.SAL, Stage.SQL)
OUTCOMES: dict[str, Q] = {
    "met_on_time": Q(met_at__isnull=False, met_late=False),
    "met_late": Q(met_at__isnull=False, met_late=True),
    "breached": Q(met_at__isnull=True, breached_at__isnull=False),
    "open": Q(met_at__isnull=True, breached_at__isnull=True, closed_at__isnull=True),
    "stopped": Q(met_at__isnull=True, breached_at__isnull=True, closed_at__isnull=False),
}
_COUNT_COLUMNS = {"clocks": _("Clocks"), "met_on_time": _("Met on time"), "met_late": _("Met late"),
                  "breached": _("Breached"), "open": _("Open"), "stopped": _("Stopped"),
                  "compliance": _("Compliance")}  # fmt: skip


def _compliance(row: dict[str, Any]) -> float | None:
    return ratio(row["met_on_time"], row["met_on_time"] + row["met_late"] + row["breached"])


def _person(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else str(_("(unassigned)"))


@dataclass(frozen=True)
class SlaQuery(AnalyticsQuery):
    filters: AnalyticsFilters
    name: ClassVar[str] = "sla"
    columns: ClassVar[dict[str, Any]] = {"policy": _("Policy key"), "label": _("Policy"), **_COUNT_COLUMNS}
    owner_columns: ClassVar[dict[str, Any]] = {"owner_id": _("Owner id"), "owner": _("Owner"),
                                               "policy": _("Policy key"), **_COUNT_COLUMNS}  # fmt: skip
    return_columns: ClassVar[dict[str, Any]] = {"reason": _("Reason key"), "label": _("Reason"),
                                                "returned": _("Returned")}  # fmt: skip
    sdr_columns: ClassVar[dict[str, Any]] = {
        "owner_id": _("SDR id"), "owner": _("SDR"), "mqls": _("MQLs"), "reached_sql": _("Reached SQL"),
        "mql_to_sql": _("MQL → SQL"), "credited": _("Credited MQLs"),
    }  # fmt: skip
    extra_frame_columns: ClassVar[dict[str, dict[str, Any]]] = {
        "owners": owner_columns, "returns": return_columns, "sdrs": sdr_columns,
    }

    def compute(self) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
        policies, owners = self._compliance()
        returns, sal_mql = self._returns()
        sdrs = self._sdr_performance()
        data = {
            "from": self.filters.date_from.isoformat(), "to": self.filters.date_to.isoformat(),
            "policies": records(policies), "owners": records(owners), "returned_mqls": records(returns),
            "sal_mql": sal_mql, "sdr_performance": records(sdrs),
        }  # fmt: skip
        return policies, data, {"owners": owners, "returns": returns, "sdrs": sdrs}

    def _clocks(self) -> Any:
        f = self.filters
        return SlaClock.objects.filter(f.lead_q("lead__"), started_at__gte=f.start, started_at__lt=f.end)

    def _compliance(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        counts = {name: Count("id", filter=q) for name, q in OUTCOMES.items()}
        by_owner = list(self._clocks().values("owner_id", "policy__code").annotate(clocks=Count("id"), **counts)
                        .order_by())  # fmt: skip
        users = get_user_model().objects.in_bulk([row["owner_id"] for row in by_owner if row["owner_id"]])
        owner_rows = [{"owner_id": row["owner_id"], "owner": _person(users.get(row["owner_id"])),
                       "policy": row["policy__code"], **{k: row[k] for k in ("clocks", *OUTCOMES)}}
                      for row in by_owner]  # fmt: skip
        for row in owner_rows:
            row["compliance"] = _compliance(row)
        owner_rows.sort(key=lambda row: (row["owner"], row["policy"]))
        policy_rows = []
        for code in PolicyCode:
            mine = [row for row in owner_rows if row["policy"] == code.value]
            total = {k: sum(row[k] for row in mine) for k in ("clocks", *OUTCOMES)}
            policy_rows.append({"policy": code.value, "label": str(code.label), **total,
                                "compliance": _compliance(total)})  # fmt: skip
        return (pd.DataFrame(policy_rows, columns=list(self.columns)),
                pd.DataFrame(owner_rows, columns=list(self.owner_columns)))  # fmt: skip

    def _returns(self) -> tuple[pd.DataFrame, float | None]:
        f = self.filters
        changes = StageChange.objects.filter(f.lead_q("lead__"), at__gte=f.start, at__lt=f.end)
        returned = dict(changes.filter(from_stage__in=RETURN_FROM, to_stage=Stage.LEAD).values("reason")
                        .annotate(n=Count("id")).values_list("reason", "n"))  # fmt: skip
        rows = [{"reason": reason, "label": str(ReturnReason(reason).label) if reason in ReturnReason.values
                 else (reason or str(_("(no reason)"))), "returned": n}
                for reason, n in sorted(returned.items(), key=lambda item: -item[1])]  # fmt: skip
        flow = changes.aggregate(mql=Count("lead_id", filter=Q(to_stage=Stage.MQL), distinct=True),
                                 sal=Count("lead_id", filter=Q(to_stage=Stage.SAL), distinct=True))  # fmt: skip
        return pd.DataFrame(rows, columns=list(self.return_columns)), ratio(flow["sal"], flow["mql"])

    def _sdr_performance(self) -> pd.DataFrame:
        """Per SDR owner: leads that entered MQL in the period, how many reached SQL after it, and credited
        MQLs: reached SQL and not returned within 14 days of reaching it."""
        f = self.filters
        sql_after = StageChange.objects.filter(lead_id=OuterRef("lead_id"), to_stage=Stage.SQL, at__gte=OuterRef("at"))
        window_end = ExpressionWrapper(OuterRef("at") + CREDIT_WINDOW, output_field=DateTimeField())
        returned_soon = StageChange.objects.filter(lead_id=OuterRef("lead_id"), from_stage__in=RETURN_FROM,
                                                   to_stage=Stage.LEAD, at__gt=OuterRef("at"), at__lte=window_end)
        credited = sql_after.filter(~Exists(returned_soon))
        rows = list(
            StageChange.objects.filter(f.lead_q("lead__"), to_stage=Stage.MQL, at__gte=f.start, at__lt=f.end)
            .values(owner_id=F("lead__owner_sdr_id"))
            .annotate(mqls=Count("lead_id", distinct=True),
                      reached_sql=Count("lead_id", distinct=True, filter=Q(Exists(sql_after))),
                      credited=Count("lead_id", distinct=True, filter=Q(Exists(credited))))
            .order_by()
        )  # fmt: skip
        users = get_user_model().objects.in_bulk([row["owner_id"] for row in rows if row["owner_id"]])
        shaped = [{"owner_id": row["owner_id"], "owner": _person(users.get(row["owner_id"])), "mqls": row["mqls"],
                   "reached_sql": row["reached_sql"], "mql_to_sql": ratio(row["reached_sql"], row["mqls"]),
                   "credited": row["credited"]} for row in rows]  # fmt: skip
        shaped.sort(key=lambda row: (-row["credited"], row["owner"]))
        return pd.DataFrame(shaped, columns=list(self.sdr_columns))
