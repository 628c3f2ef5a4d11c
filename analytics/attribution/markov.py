"""First-order Markov chain attribution: removal effects from aggregated transition counts (pure Python).

States: START, one per key (channel, campaign or kind; None = touches without one), and the absorbing
CONVERSION and NULL. Transition probabilities are the observed counts normalised per source state. The
probability of conversion from START solves an absorbing-chain linear system; removing a key sends every
visit to it to NULL. A key's removal effect is 1 - P(conv without it) / P(conv), and its share is its
removal effect over the sum of all removal effects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping

import numpy as np

START = "__start__"
CONVERSION = "__conversion__"
NULL = "__null__"


def transition_counts(rows: Iterable[tuple[str, object, object, int]]) -> dict[Hashable, dict[Hashable, int]]:
    """Counts by (from state, to state) from the SQL rows (step, from_k, to_k, count)."""
    counts: dict[Hashable, dict[Hashable, int]] = defaultdict(lambda: defaultdict(int))
    for step, from_k, to_k, count in rows:
        if step == "start":
            counts[START][("k", to_k)] += int(count)
        elif step == "move":
            counts[("k", from_k)][("k", to_k)] += int(count)
        else:
            counts[("k", from_k)][CONVERSION if step == "conv" else NULL] += int(count)
    return counts


def conversion_probability(counts: Mapping[Hashable, Mapping[Hashable, int]], *, removed: Hashable = None) -> float:
    """P(reaching CONVERSION from START); `removed` (a state) absorbs into NULL."""
    transient = [state for state in counts if state != removed]
    if START not in transient:
        return 0.0
    index = {state: i for i, state in enumerate(transient)}
    q = np.zeros((len(transient), len(transient)))
    r = np.zeros(len(transient))
    for state in transient:
        total = sum(counts[state].values())
        for target, count in counts[state].items():
            if target == CONVERSION:
                r[index[state]] += count / total
            elif target in index:
                q[index[state], index[target]] += count / total
    solution = np.linalg.lstsq(np.eye(len(transient)) - q, r, rcond=None)[0]
    return float(solution[index[START]])


def removal_shares(counts: Mapping[Hashable, Mapping[Hashable, int]]) -> dict[object, float]:
    """Each key's normalised removal effect (shares sum to 1), keyed by the raw key (channel id, ...).
    Empty when nothing converts."""
    base = conversion_probability(counts)
    keys = [state for state in counts if state != START]
    if base <= 0 or not keys:
        return {}
    effects = {state[1]: max(0.0, 1 - conversion_probability(counts, removed=state) / base)  # type: ignore[index]
               for state in keys}  # fmt: skip
    total = sum(effects.values())
    return {key: effect / total for key, effect in effects.items()} if total > 0 else {}
