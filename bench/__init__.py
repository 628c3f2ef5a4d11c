"""LeadFlow benchmark harness: each workload timed beside its reference in the same run (spec/benchmarks.md)."""
