"""SLA policies and clocks (filled in by the SLA slice)."""

__all__: list[str] = []
