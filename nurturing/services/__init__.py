"""Nurturing services (writes, transactional, ``<entity>_<verb>`` names, keyword-only args).

Modules: ``sla`` / ``tasks`` / ``tick`` / ``inbox`` (SLA clocks, SDR tasks, the one tick, the sales
inbox) and ``sequences`` / ``enrollments`` / ``messages`` (sequences engine). Import from the module,
not from this package, so the two halves never edit the same file.
"""
