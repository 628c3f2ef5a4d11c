"""Notify channels (team chat group bots): created and changed only with a receiver URL that passes the
webhook safety check of leads (`webhook_url_problem`: http(s), and a public address unless
WEBHOOK_ALLOW_PRIVATE_URLS); every post checks the connected address again (`chat_webhooks`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from leadflow.errors import ValidationFailed
from leads.services.webhooks import webhook_url_problem
from nurturing.models.messages import MessageChannel, NotifyChannel

CHAT_KINDS = (MessageChannel.WECOM, MessageChannel.DINGTALK, MessageChannel.FEISHU, MessageChannel.SLACK)


def _errors(data: Mapping[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if "kind" in data and data["kind"] not in CHAT_KINDS:
        errors["kind"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(CHAT_KINDS)}]
    if "url" in data:
        problem = webhook_url_problem(str(data["url"]))
        if problem:
            errors["url"] = [problem]
    if "name" in data and not str(data["name"]).strip():
        errors["name"] = [_("This field is required.")]
    return errors


@transaction.atomic
def notify_channel_create(*, name: str, kind: str, url: str, secret: str = "", slug: str = "") -> NotifyChannel:
    errors = _errors({"name": name, "kind": kind, "url": url})
    slug = slug or slugify(name)[:80] or kind
    if NotifyChannel.objects.filter(slug=slug).exists():
        errors["slug"] = [_("Another channel has this slug.")]
    if errors:
        raise ValidationFailed(_("The notify channel is not valid."), errors=errors)
    return NotifyChannel.objects.create(slug=slug, name=name, kind=kind, url=url, secret=secret)


@transaction.atomic
def notify_channel_update(*, channel: NotifyChannel, data: Mapping[str, Any]) -> NotifyChannel:
    errors = _errors(data)
    if errors:
        raise ValidationFailed(_("The notify channel is not valid."), errors=errors)
    for field in ("name", "kind", "url", "secret", "is_active"):
        if field in data:
            setattr(channel, field, data[field])
    channel.save()
    return channel
