"""Turning exact credits into money rows that add up to the total, to the cent.

Rule (largest remainder, stated once so a hand calculation can follow it):

1. Each group's exact credit (sum over conversions of R x weight) is first rounded to 4 decimal places,
   which removes floating-point noise so equal credits compare equal.
2. Every group gets its credit rounded *down* to the cent.
3. The cents still missing to reach the total (the sum of R, exact) go one each to the groups with the
   largest remaining fraction; ties go to the larger credit, then to the smaller key.

So 100.00 split three ways is 33.34 / 33.33 / 33.33 (the first key in order takes the cent), and rows
always sum to the total.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TypeVar

K = TypeVar("K")
CENT = Decimal("0.01")
NOISE = Decimal("0.0001")


def allocate_cents(*, credits: Mapping[K, float | Decimal], total: Decimal, order: Mapping[K, str]) -> dict[K, Decimal]:
    """Money per group summing exactly to `total` (see the module rule). `order` gives each key its sort
    string for ties. Credits are expected to sum to `total` up to noise; any larger gap is still closed."""
    exact = {key: Decimal(str(value)).quantize(NOISE, rounding=ROUND_HALF_UP) for key, value in credits.items()}
    floors = {key: value.quantize(CENT, rounding=ROUND_DOWN) for key, value in exact.items()}
    missing = int(((total - sum(floors.values(), Decimal(0))) / CENT).to_integral_value(rounding=ROUND_HALF_UP))
    ranked = sorted(exact, key=lambda key: (-(exact[key] - floors[key]), -exact[key], order[key]))
    if not ranked:
        return {}
    step = CENT if missing >= 0 else -CENT
    for index in range(abs(missing)):
        key = ranked[index % len(ranked)]
        floors[key] += step
    return floors
