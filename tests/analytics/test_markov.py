"""Markov removal-effect attribution checked against an independent brute-force path enumeration."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from fractions import Fraction

import pytest

from analytics.queries.attribution import AttributionQuery
from tests.analytics.attribution_helpers import convert, lead_with_touches
from tests.analytics.helpers import local, period

pytestmark = pytest.mark.django_db
CONVERTED = local(2026, 3, 20, 12)
PATHS = [(("a", "b"), True, "1000.00"), (("b",), True, "500.00"), (("a",), False, None), (("a", "b"), False, None)]


def _build() -> None:
    for channels, converts, amount in PATHS:
        touches = [(slug, CONVERTED - dt.timedelta(days=10 - i)) for i, slug in enumerate(channels)]
        if converts:
            convert(touches, amount=str(amount), converted_at=CONVERTED)
        else:
            lead_with_touches(touches, created_at=touches[0][1])


def _brute_force_shares() -> dict[str, Fraction]:
    """Independent: transition probabilities as exact fractions, P(conversion) as the sum over every
    start-to-conversion walk of the product of its probabilities (the graph here has no cycles)."""
    counts: Counter[tuple[str, str]] = Counter()
    for channels, converts, _amount in PATHS:
        states = ["start", *channels, "conv" if converts else "null"]
        counts.update(itertools.pairwise(states))
    out: Counter[str] = Counter()
    for (source, _target), n in counts.items():
        out[source] += n

    def p_conv(state: str, removed: str | None) -> Fraction:
        if state == "conv":
            return Fraction(1)
        if state in ("null", removed):
            return Fraction(0)
        return sum((Fraction(n, out[state]) * p_conv(target, removed)
                    for (source, target), n in counts.items() if source == state), Fraction(0))  # fmt: skip

    base = p_conv("start", None)
    effects = {channel: 1 - p_conv("start", channel) / base for channel in ("a", "b")}
    return {channel: effect / sum(effects.values()) for channel, effect in effects.items()}


def test_markov_credits_match_brute_force_path_enumeration() -> None:
    _build()
    shares = _brute_force_shares()
    # By hand: P = 3/4*2/3*2/3 + 1/4*2/3 = 1/2; without a: 1/6 (effect 2/3); without b: 0 (effect 1).
    assert shares == {"a": Fraction(2, 5), "b": Fraction(3, 5)}

    result = AttributionQuery(filters=period(), model="markov").run()

    rows = {row["key"]: row for row in result.data["rows"]}
    assert result.data["total_revenue"] == "1500.00"
    assert rows["a"]["revenue"] == "600.00" and rows["b"]["revenue"] == "900.00"
    assert rows["a"]["conversions"] == pytest.approx(float(shares["a"]) * 2)
    assert rows["b"]["share"] == pytest.approx(float(shares["b"]))


def test_markov_ignores_customers_from_before_the_period_as_non_converting_paths() -> None:
    _build()
    convert([("a", local(2025, 11, 1))], amount="70.00", converted_at=local(2025, 11, 2))
    lead = convert([("a", local(2025, 10, 1))], amount="70.00", converted_at=local(2025, 10, 2))
    from tests.factories import TouchpointFactory

    TouchpointFactory(lead=lead, channel=None, occurred_at=local(2026, 2, 1))  # a customer's later visit

    rows = {row["key"]: row for row in AttributionQuery(filters=period(), model="markov").run().data["rows"]}

    assert rows["a"]["revenue"] == "600.00" and rows["b"]["revenue"] == "900.00"
