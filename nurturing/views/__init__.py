"""Nurturing pages, one module per concern (shared by both nurturing halves): ``sequences`` and
``unsubscribe`` (sequence builder, dry run, public unsubscribe); the SLA half adds its own modules (inbox,
tasks). Import from the module; register routes in ``nurturing/urls.py``, one line each.
"""
