"""Nurturing reads, one module per concern: `sla`, `tasks`, `inbox` (SLA half) and the sequences half's
own modules (`sequences`, `enrollments`, `messages`). Import from the module."""
