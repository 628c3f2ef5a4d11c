"""Planning pages: the unit-economics calculator (baseline from the data beside the edited plan) and the
what-if simulator."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from leadflow.roles import Role
from tests.factories import user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer() -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user_with_role(Role.MARKETER))
    return client


def rows_of(response: object) -> dict[str, tuple[str, str]]:
    return {row.label: (row.baseline, row.plan) for row in response.context["rows"]}  # type: ignore[attr-defined]


def test_calculator_gives_ltv_ratio_and_payback_with_bands_for_the_plan(marketer: Client) -> None:
    # CAC 20,000, ARPU 120,000 a year, margin 80 %, churn 20 %: lifetime 5 years, LTV 120,000 × 0.8 × 5 =
    # 480,000, LTV/CAC 24 (very healthy), payback 20,000 / (120,000 / 12 × 0.8) = 2.5 months (excellent)
    inputs = {"cac": "20000", "arpu": "120000", "gross_margin": "0.8", "annual_churn": "0.2"}
    response = marketer.get(reverse("analytics:calculator"), inputs)
    assert response.status_code == 200
    rows = rows_of(response)
    assert rows["LTV"][1] == "¥480,000.00"
    assert rows["LTV/CAC"][1] == "24.00×"
    assert rows["LTV/CAC band"][1] == "Very healthy: invest more"
    assert rows["CAC payback"][1] == "2.5 months"
    assert rows["Payback band"][1] == "Excellent"
    assert rows["Customer lifetime"][1] == "5.0 years"


def test_calculator_without_data_shows_a_dash_for_the_baseline(marketer: Client) -> None:
    response = marketer.get(reverse("analytics:calculator"))
    assert response.status_code == 200
    assert rows_of(response)["LTV"][0] == "—"
    assert 'id="calculator-form"' in response.content.decode()


def test_calculator_rate_outside_0_1_is_named_in_the_fragment(marketer: Client) -> None:
    response = marketer.get(
        reverse("analytics:calculator"),
        {"cac": "20000", "arpu": "120000", "gross_margin": "1.5", "annual_churn": "0.2"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 422
    assert body.startswith('<section class="card" id="calculator-result"')
    assert 'data-field="gross_margin"' in body and "between 0 and 1" in body


def test_simple_ltv_multiplies_price_purchases_and_years(marketer: Client) -> None:
    response = marketer.get(reverse("analytics:calculator"),
                            {"price": "5000", "purchases_per_year": "4", "average_years": "3"})  # fmt: skip
    assert response.context["simple_ltv"] == "¥60,000.00"  # 5,000 × 4 × 3


def test_sdr_may_not_open_the_calculator() -> None:
    client = Client()
    client.force_login(user_with_role(Role.SDR))
    assert client.get(reverse("analytics:calculator")).status_code == 403


def test_simulator_shows_the_data_funnel_and_the_edited_plan_side_by_side(marketer: Client) -> None:
    # the contract's example: 10,000 visits, rates 0.08, 0.5, 0.35, 0.25, deal ¥300,000 ->
    # 800 leads, 400 MQLs, 140 SQLs, 35 customers, revenue 35 × 300,000 = ¥10,500,000
    plan = {"top": "10000", "rate_0": "0.08", "rate_1": "0.5", "rate_2": "0.35", "rate_3": "0.25",
            "average_deal": "300000"}  # fmt: skip
    response = marketer.get(reverse("analytics:simulator"), plan)
    assert response.status_code == 200
    table = response.context["table"]
    headings = [heading for _key, heading in table.headers]
    counts = [dict(zip(headings, (text for text, _kind in row), strict=True))["Count"] for row in table.rows]
    assert counts == ["10,000.00", "800.00", "400.00", "140.00", "35.00"]
    assert response.context["revenue"][1][1] == "¥10,500,000.00"
    assert response.context["revenue"][0][1] == "¥0.00"  # no data: the baseline funnel is empty
    body = response.content.decode()
    assert 'id="chart-simulate"' in body and "export=csv" in body


def test_simulator_rate_above_one_is_refused_by_name(marketer: Client) -> None:
    response = marketer.get(reverse("analytics:simulator"), {"top": "100", "rate_0": "1.2"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 422
    assert body.startswith('<section class="card" id="simulator-result"')
    assert "between 0 and 1" in body


def test_simulator_starting_from_leads_has_three_rates_and_exports_csv(marketer: Client) -> None:
    page = marketer.get(reverse("analytics:simulator"), {"start": "lead"})
    assert [field.name for field in page.context["form"].rate_fields()] == ["rate_0", "rate_1", "rate_2"]
    plan = {"start": "lead", "top": "1000", "rate_0": "0.3", "rate_1": "0.3", "rate_2": "0.2", "export": "csv"}
    export = marketer.get(reverse("analytics:simulator"), plan)
    text = export.content.decode("utf-8")
    assert export["Content-Type"] == "text/csv; charset=utf-8" and text.startswith("\ufeff")
    last = text.strip().splitlines()[-1].split(",")
    assert last[0] == "customer" and float(last[-1]) == pytest.approx(18.0)  # 1000 × 0.3 × 0.3 × 0.2


def test_simulator_keeps_the_datas_exact_rates_for_the_steps_left_as_shown(marketer: Client) -> None:
    import datetime as dt

    from django.utils import timezone

    from tests.factories import make_journey

    # given 3 leads this month, 1 of them an MQL: lead -> MQL is 1/3, shown as 0.3333
    start = timezone.now() - dt.timedelta(days=3)
    make_journey(["lead", "mql"], start=start)
    make_journey(["lead"], start=start)
    make_journey(["lead"], start=start)
    shown = marketer.get(reverse("analytics:simulator"), {"start": "lead"})
    assert shown.context["form"]["rate_0"].value() == 0.3333
    response = marketer.get(reverse("analytics:simulator"), {"start": "lead", "top": "300", "rate_0": "0.3333"})
    counts = [row[-1][0] for row in response.context["table"].rows]
    assert counts[1] == "100.00"  # 300 × 1/3 exactly, not 300 × 0.3333 = 99.99


def test_calculator_baseline_comes_from_the_period_chosen(marketer: Client) -> None:
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from leads.models import Cost
    from tests.factories import ChannelFactory, make_journey

    # given one customer won in February 2026 for ¥120,000 and ¥40,000 of cost that month
    baidu = ChannelFactory(slug="baidu", name="Baidu")
    make_journey(["lead", "mql", "sal", "sql", "opportunity", "customer"], source_channel=baidu,
                 start=timezone.make_aware(dt.datetime(2026, 2, 2, 9)))  # fmt: skip
    Cost.objects.create(channel=baidu, month=dt.date(2026, 2, 1), category="media", amount=Decimal("40000"))
    response = marketer.get(reverse("analytics:calculator"), {"from": "2026-02-01", "to": "2026-02-28"})
    rows = rows_of(response)
    assert rows["CAC"][0] == "¥40,000.00"  # 40,000 / 1 new customer
    assert rows["ARPU (per year)"][0] == "¥120,000.00"
    assert 'value="2026-02-01"' in response.content.decode()
