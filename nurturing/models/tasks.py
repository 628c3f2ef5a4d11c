"""SDR tasks (filled in by the SDR task slice)."""

__all__: list[str] = []
