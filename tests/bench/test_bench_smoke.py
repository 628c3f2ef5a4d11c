"""The benchmark harness runs end to end on tiny data, so `make bench` cannot rot (spec/benchmarks.md)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.db import connection

from bench.run import main
from bench.setup import server_url


@pytest.mark.postgres
def test_smoke_benchmark_reports_ratios_for_every_workload_within_a_minute(tmp_path: Path) -> None:
    settings = connection.settings_dict
    base = f"postgres://{settings['USER']}@{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/postgres"
    out = tmp_path / "latest.json"
    began = time.monotonic()

    assert main(["--size", "smoke", "--database-url", server_url(base, "leadflow_bench_smoke"), "--out", str(out)]) == 0

    assert time.monotonic() - began < 60
    report = json.loads(out.read_text())
    assert [item["workload"] for item in report["workloads"]] == [1, 2, 4, 6, 5, 7]
    for item in report["workloads"]:
        assert item["ratio"] > 0
        assert len(item["app"]["runs"]) >= 3 and len(item["reference"]["runs"]) >= 3
    assert report["workloads"][2]["mismatches"] == 0
    assert report["workloads"][3]["counts_agree"] is True
    assert report["workloads"][4]["rows_agree"] is True and report["workloads"][4]["data"]["clocks_due"] > 0
    assert report["workloads"][1]["duplicate_event_ids_stored"] == 0
    assert report["workloads"][1]["duplicates_reported"] > 0
    panels = report["workloads"][5]
    assert panels["figures_agree"] is True and len(panels["panels"]) == 10
    assert all(panel["warm_ms"] <= 50 for panel in panels["panels"])
    assert report["environment"]["postgres"]["version"].startswith("PostgreSQL")
