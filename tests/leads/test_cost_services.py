"""Cost grid cells, the cost CSV import and the campaign services, with totals checked by hand."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import translation

from leadflow.errors import ValidationFailed
from leads.choices import CostCategory
from leads.marketing.selectors import campaigns_with_spend, cost_grid, cost_grid_totals
from leads.models import Campaign, Cost
from leads.services.campaigns import campaign_create, campaign_update
from leads.services.cost_grid import CostTarget, cost_amount_parse, cost_cell_save
from leads.services.cost_import import RowAction, cost_import_commit, cost_import_preview
from tests.factories import CampaignFactory, ChannelFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


MARCH, APRIL = dt.date(2026, 3, 1), dt.date(2026, 4, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12000", "12000.00"), ("12,000.50", "12000.50"), ("¥ 8 000", "8000.00"), ("3，500元", "3500.00"), ("0", "0.00")],
)
def test_amount_parse_reads_what_people_type(text: str, expected: str) -> None:
    assert cost_amount_parse(text) == Decimal(expected)


@pytest.mark.parametrize(("text", "fragment"), [("abc", "not an amount"), ("-5", "negative"), ("1.234", "two decimal")])
def test_amount_parse_refuses_bad_amounts_naming_the_field(text: str, fragment: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        cost_amount_parse(text)
    assert fragment in caught.value.errors["amount"][0]


def test_grid_cells_save_and_totals_add_up_by_row_month_and_grid() -> None:
    # given a channel with a campaign
    search = ChannelFactory(slug="baidu", name="Baidu")
    campaign = CampaignFactory(channel=search, name="Spring webinar")
    # when three cells are typed
    cost_cell_save(target=CostTarget(channel=search), category=CostCategory.MEDIA, month=MARCH,
                   amount_text="10,000", currency="CNY")  # fmt: skip
    cost_cell_save(target=CostTarget(channel=search), category=CostCategory.MEDIA, month=APRIL,
                   amount_text="2500.50", currency="CNY")  # fmt: skip
    cost_cell_save(target=CostTarget(campaign=campaign), category=CostCategory.EVENTS, month=MARCH,
                   amount_text="4000", currency="CNY")  # fmt: skip
    # then the grid has two rows; row, month and grid totals are the hand sums
    grid = cost_grid(year=2026, currency="CNY")
    assert [(row.key, row.category) for row in grid.rows] == [
        (f"channel-{search.pk}", "media"), (f"campaign-{campaign.pk}", "events")]  # fmt: skip
    assert grid.rows[0].total == Decimal("12500.50")  # 10,000 + 2,500.50
    assert grid.column_totals[2] == Decimal("14000.00")  # March: 10,000 + 4,000
    assert grid.total == Decimal("16500.50")
    assert cost_grid_totals(year=2026, currency="CNY", channel=None, row_key=f"channel-{search.pk}",
                            category="media", month=MARCH) == (Decimal("12500.50"), Decimal("14000.00"),
                                                               Decimal("16500.50"))  # fmt: skip


def test_grid_cell_saved_twice_keeps_one_row_and_emptying_it_removes_the_cost() -> None:
    channel = ChannelFactory()
    target = CostTarget(channel=channel)
    cost_cell_save(target=target, category="media", month=MARCH, amount_text="100", currency="CNY")
    cost_cell_save(target=target, category="media", month=MARCH, amount_text="150", currency="CNY")
    assert list(Cost.objects.values_list("amount", flat=True)) == [Decimal("150.00")]
    assert cost_cell_save(target=target, category="media", month=MARCH, amount_text=" ", currency="CNY") is None
    assert not Cost.objects.exists()


def test_grid_cell_refuses_to_overwrite_a_cost_in_another_currency() -> None:
    channel = ChannelFactory()
    Cost.objects.create(channel=channel, month=MARCH, category="media", amount=Decimal("99"), currency="USD")
    with pytest.raises(ValidationFailed) as caught:
        cost_cell_save(target=CostTarget(channel=channel), category="media", month=MARCH, amount_text="5",
                       currency="CNY")  # fmt: skip
    assert "USD" in caught.value.errors["amount"][0]
    assert Cost.objects.get().amount == Decimal("99")


CSV_ROWS = (
    "month,channel,campaign,category,amount,currency\n"
    '2026-03,baidu,,media,"12,000",CNY\n'  # row 2: new
    "2026-03,,spring-webinar,events,4000.50,\n"  # row 3: new, on the campaign, default currency
    "2026/04,Baidu,,媒介投放,800,CNY\n"  # row 4: by name and Chinese label
    "2026-13,baidu,,media,1,CNY\n"  # row 5: bad month
    "2026-05,nowhere,,media,1,CNY\n"  # row 6: unknown channel
    "2026-05,baidu,,snacks,-1,CNY\n"  # row 7: bad category and amount
    "2026-03,baidu,,media,5,CNY\n"  # row 8: repeats row 2
)


def _catalog() -> None:
    baidu = ChannelFactory(slug="baidu", name="Baidu")
    CampaignFactory(slug="spring-webinar", name="Spring webinar", channel=baidu)


def test_import_preview_lists_each_row_with_its_action_or_its_field_errors() -> None:
    _catalog()
    preview = cost_import_preview(filename="costs.csv", content=("\ufeff" + CSV_ROWS).encode("utf-8"))
    actions = {row.number: row.action for row in preview.rows}
    assert actions == {2: "create", 3: "create", 4: "create", 5: "error", 6: "error", 7: "error", 8: "error"}
    errors = {row.number: row.errors for row in preview.failed}
    assert set(errors[5]) == {"month"}
    assert set(errors[6]) == {"channel"}
    assert set(errors[7]) == {"category", "amount"}
    assert "Row 2" in errors[8]["month"][0]
    assert not Cost.objects.exists()  # a preview writes nothing


def test_import_commit_writes_valid_rows_with_hand_checked_totals_and_is_idempotent() -> None:
    _catalog()
    content = CSV_ROWS.encode("gbk")  # Excel's CSV on a Chinese Windows
    preview = cost_import_preview(filename="costs.csv", content=content)
    assert preview.encoding == "gb18030"
    result = cost_import_commit(token=preview.token)
    assert (result.created, result.updated, len(result.failed)) == (3, 0, 4)
    # 12,000 + 4,000.50 + 800
    assert sum(Cost.objects.values_list("amount", flat=True)) == Decimal("16800.50")
    assert Cost.objects.get(campaign__slug="spring-webinar").currency == "CNY"
    again = cost_import_commit(token=preview.token)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert Cost.objects.count() == 3


def test_import_row_that_changes_an_amount_is_an_update() -> None:
    _catalog()
    cost_import_commit(token=cost_import_preview(filename="a.csv", content=CSV_ROWS.encode()).token)
    changed = "month,channel,category,amount\n2026-03,baidu,media,13000\n"
    preview = cost_import_preview(filename="b.csv", content=changed.encode())
    assert [row.action for row in preview.rows] == [RowAction.UPDATE]
    cost_import_commit(token=preview.token)
    assert Cost.objects.get(channel__slug="baidu", month=MARCH).amount == Decimal("13000.00")


def test_import_without_required_columns_names_the_file() -> None:
    with pytest.raises(ValidationFailed) as caught:
        cost_import_preview(filename="x.csv", content=b"when,what\n2026-03,1\n")
    assert "month" in caught.value.errors["file"][0]


def test_import_refuses_a_tampered_token() -> None:
    with pytest.raises(ValidationFailed) as caught:
        cost_import_commit(token="not-a-token")
    assert "file" in caught.value.errors


def test_campaign_create_checks_fields_and_update_keeps_the_slug_unique() -> None:
    channel = ChannelFactory()
    with pytest.raises(ValidationFailed) as caught:
        campaign_create(name="春季研讨会", starts_on=APRIL, ends_on=MARCH, budget=Decimal("-1"), currency="rmb!")
    assert set(caught.value.errors) == {"slug", "ends_on", "budget", "currency"}
    first = campaign_create(name="Spring Webinar", channel=channel, budget=Decimal("50000"), currency="cny")
    assert (first.slug, first.currency) == ("spring-webinar", "CNY")
    other = campaign_create(name="其他", slug="autumn")
    with pytest.raises(ValidationFailed) as caught:
        campaign_update(campaign=other, name="其他", slug="spring-webinar", channel=None, starts_on=None,
                        ends_on=None, budget=Decimal("0"), currency="CNY", needs_review=False)  # fmt: skip
    assert "slug" in caught.value.errors


def test_campaign_spend_sums_its_costs_in_its_currency() -> None:
    campaign = CampaignFactory(budget=Decimal("10000"), currency="CNY", starts_on=MARCH)
    Cost.objects.create(campaign=campaign, month=MARCH, category="media", amount=Decimal("3000.25"))
    Cost.objects.create(campaign=campaign, month=APRIL, category="media", amount=Decimal("1000"))
    Cost.objects.create(campaign=campaign, month=MARCH, category="tools", amount=Decimal("7"), currency="USD")
    found = campaigns_with_spend(today=APRIL).get(pk=campaign.pk)
    assert found.spend == Decimal("4000.25")  # the USD row is not added to yuan
    assert list(campaigns_with_spend(today=APRIL, status="upcoming")) == []
    assert isinstance(found, Campaign)
