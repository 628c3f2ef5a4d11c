"""Messages: queued as rows in the step's transaction, delivered after it by the tick's sweep.

Invariants:
* Every message is a row before anything is sent; a step's message is unique per (enrollment, step, visit,
  channel), so a redone step finds its row and never queues a second one.
* Delivery claims a row by a lease (status `sending`, `next_attempt_at` = now + lease) under
  SELECT ... FOR UPDATE SKIP LOCKED; two workers never send one message at once. A worker that dies while
  sending leaves the lease to expire and the message is retried (the email keeps its Message-ID, so a
  receiver that already has it can drop the copy).
* An unsubscribed, suppressed, erased or non-consenting lead never gets a marketing message: the row is
  written `suppressed` with the reason instead.
* Failures retry with the webhooks' exponential backoff up to WEBHOOK_MAX_ATTEMPTS; a permanent refusal
  (SMTP 5xx for the recipient, HTTP 4xx) fails at once, and a refused email address is a hard bounce.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from leads.models import Lead
from leads.services.webhooks import webhook_backoff
from nurturing.models.messages import Message, MessageChannel, MessageStatus, NotifyChannel, Suppression
from nurturing.models.sequences import EmailTemplate
from nurturing.services.chat_webhooks import PostResult, chat_post
from nurturing.services.claims import compiled_rows
from nurturing.services.tracking import email_html

logger = logging.getLogger(__name__)
UNSUBSCRIBE_SALT = "nurturing.unsubscribe"
LEASE = dt.timedelta(minutes=5)
LANGUAGES = ("zh-hans", "en")


# --- content -----------------------------------------------------------------------------------------------


def lead_language(lead: Lead) -> str:
    """The lead's language: `attributes.language` when given, Chinese for a Chinese name or company, else
    the site default."""
    wanted = str((lead.attributes or {}).get("language", "")).lower()
    if wanted.startswith("zh"):
        return "zh-hans"
    if wanted.startswith("en"):
        return "en"
    text = f"{lead.last_name}{lead.first_name}{lead.company}"
    if any("\u4e00" <= char <= "\u9fff" for char in text):
        return "zh-hans"
    return "en" if text.strip() else str(settings.LANGUAGE_CODE).lower()


def unsubscribe_token(*, lead_id: int, email: str) -> str:
    # No timestamp: the same lead and address always give the same link (in the body and the header).
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"l": lead_id, "e": email}, compress=True)


def unsubscribe_read(token: str) -> dict[str, Any] | None:
    """The {lead, email} a token was made for, or None when it was tampered with. Tokens do not expire:
    an old newsletter's link must still work (RFC 8058)."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return {"lead_id": int(data["l"]), "email": str(data["e"])} if isinstance(data, dict) else None


def site_url(path: str) -> str:
    return str(settings.LEADFLOW.get("SITE_URL", "")).rstrip("/") + path


def unsubscribe_url(*, lead: Lead) -> str:
    return site_url(reverse("nurturing:unsubscribe", args=[unsubscribe_token(lead_id=lead.pk, email=lead.email)]))


def template_render(*, text: str, lead: Lead, extra: dict[str, Any] | None = None) -> str:
    """Template text (Django syntax, plain text: no HTML escaping) rendered for one lead."""
    context = {"lead": lead, "first_name": lead.first_name or lead.display_name, "last_name": lead.last_name,
               "company": lead.company, "industry": lead.industry, "title": lead.title,
               "sender_name": str(settings.DEFAULT_FROM_EMAIL).split("<")[0].strip(), **(extra or {})}  # fmt: skip
    return Template("{% autoescape off %}" + text + "{% endautoescape %}").render(Context(context)).strip()


def email_content(*, template: EmailTemplate, lead: Lead, language: str) -> tuple[str, str]:
    """(subject, body) in `language`, falling back to the other language when the template lacks it."""
    versions = template.translations or {}
    fallback: dict[str, str] = next((versions[code] for code in LANGUAGES if code in versions), {})
    version: dict[str, str] = versions.get(language) or fallback
    extra = {"unsubscribe_url": unsubscribe_url(lead=lead)}
    with translation.override(language):
        return (template_render(text=version.get("subject", template.name), lead=lead, extra=extra)[:300],
                template_render(text=version.get("body", ""), lead=lead, extra=extra))  # fmt: skip


def marketing_block_reason(*, lead: Lead) -> str:
    """Why this lead may not get a marketing email ("" when it may)."""
    if lead.erased_at is not None or lead.merged_into_id is not None:
        return "erased_or_merged"
    if not lead.email:
        return "no_email"
    if Suppression.objects.filter(email=lead.email).exists():
        return "suppressed"
    if settings.LEADFLOW.get("NURTURE_REQUIRE_CONSENT", True) and not lead.consent_email:
        return "no_consent"
    return ""


# --- queueing (in the step's transaction) -------------------------------------------------------------------


def message_email_queue(
    *, lead: Lead, template: EmailTemplate, now: dt.datetime, enrollment: Any = None, step: Any = None,
    visit: int = 0, is_marketing: bool = True,
) -> Message:  # fmt: skip
    """The email of this step visit: queued, or `suppressed` with the reason. Idempotent per step visit."""
    key = {"enrollment": enrollment, "step": step, "visit": visit, "channel": MessageChannel.EMAIL}
    if enrollment is not None:
        existing = Message.objects.filter(**key).first()
        if existing is not None:
            return existing
    language = lead_language(lead)
    subject, body = email_content(template=template, lead=lead, language=language)
    blocked = marketing_block_reason(lead=lead) if is_marketing else ("" if lead.email else "no_email")
    return Message.objects.create(
        **key, lead=lead, is_marketing=is_marketing, template=template, language=language, recipient=lead.email,
        subject=subject, body=body, created_at=now,
        status=MessageStatus.SUPPRESSED if blocked else MessageStatus.QUEUED, error=blocked,
        next_attempt_at=None if blocked else now,
    )  # fmt: skip


def message_notify_queue(
    *, lead: Lead, text: str, now: dt.datetime, to_owner: bool = False, channel: NotifyChannel | None = None,
    enrollment: Any = None, step: Any = None, visit: int = 0,
) -> Message:  # fmt: skip
    """A notification about this lead to its owner (email) or a team chat channel. Never marketing: the cap
    and unsubscribes do not apply. Idempotent per step visit."""
    kind = channel.kind if channel is not None else MessageChannel.EMAIL
    key = {"enrollment": enrollment, "step": step, "visit": visit, "channel": kind}
    if enrollment is not None:
        existing = Message.objects.filter(**key).first()
        if existing is not None:
            return existing
    recipient, error = "", ""
    if to_owner:
        owner = lead.owner_sales if lead.primary_owner_side == "sales" else lead.owner_sdr
        recipient = owner.email if owner is not None and owner.email else ""
        error = "" if recipient else "no_owner_email"
    elif channel is not None and not channel.is_active:
        error = "channel_inactive"
    body = template_render(text=text, lead=lead, extra={"lead_url": site_url(reverse("leads:detail",
                                                                                      args=[lead.pk]))})
    return Message.objects.create(
        **key, lead=lead, notify_channel=channel, recipient=recipient or (channel.name if channel else ""),
        subject=body.splitlines()[0][:300] if body else "", body=body, created_at=now,
        status=MessageStatus.FAILED if error else MessageStatus.QUEUED, error=error,
        next_attempt_at=None if error else now,
    )  # fmt: skip


# --- delivery ----------------------------------------------------------------------------------------------


def _due() -> Any:
    return Message.objects.filter(status__in=(MessageStatus.QUEUED, MessageStatus.SENDING))


def messages_claim(*, now: dt.datetime, limit: int) -> list[int]:
    """The claim query of the delivery sweep (benchmark 5 times it alone): ids of due messages (new, retry
    time reached, or an expired lease), on the partial index `message_due_pending`, skipping locked rows.
    SQL compiled once."""
    return compiled_rows(("messages_deliver", limit), lambda now: _claim_query(now=now, limit=limit), now=now)


def _claim_query(*, now: dt.datetime, limit: int) -> Any:
    return (_due().filter(next_attempt_at__lte=now).order_by("next_attempt_at", "id")
            .select_for_update(skip_locked=True).values_list("id", flat=True)[:limit])


def messages_deliver_due(*, now: dt.datetime, limit: int = 200) -> int:
    """Deliver every message due at `now` (new, retry time reached, or an expired lease), at most `limit`.
    Safe on several workers at once. Returns the attempts made."""
    with transaction.atomic():
        ids = messages_claim(now=now, limit=limit)
        Message.objects.filter(pk__in=ids).update(status=MessageStatus.SENDING, next_attempt_at=now + LEASE)
    for message_id in ids:
        message_deliver_claimed(message_id=message_id, now=now)
    return len(ids)


def message_deliver_claimed(*, message_id: int, now: dt.datetime) -> Message:
    """Send one claimed message and record the answer (sent, retry later, failed or bounced)."""
    message = Message.objects.select_related("lead", "notify_channel").get(pk=message_id)
    if message.is_marketing and message.lead is not None and marketing_block_reason(lead=message.lead):
        # Unsubscribed between queueing and sending: still never sent.
        message.status, message.error = MessageStatus.SUPPRESSED, marketing_block_reason(lead=message.lead)
        message.next_attempt_at = None
        message.save(update_fields=["status", "error", "next_attempt_at", "updated_at"])
        return message
    result = _email_send(message) if message.channel == MessageChannel.EMAIL else _chat_send(message, now)
    return _record(message, result, now=now)


def _email_send(message: Message) -> PostResult:
    headers = {"Message-ID": f"<leadflow.message.{message.pk}@{_mail_domain()}>"}
    if message.is_marketing and message.lead is not None:
        link = unsubscribe_url(lead=message.lead)
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058 one-click
    email = EmailMultiAlternatives(subject=message.subject, body=message.body, to=[message.recipient],
                                   headers=headers)  # fmt: skip
    if message.is_marketing and message.lead is not None:
        # The HTML part tracks opens (a pixel) and clicks (redirects); the text part stays as written.
        email.attach_alternative(email_html(message=message, site_url=site_url(""),
                                            keep=(unsubscribe_url(lead=message.lead),)), "text/html")
    try:
        email.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as refused:
        codes = [code for code, _text in refused.recipients.values()]
        return PostResult(False, "", f"recipient refused: {refused.recipients}"[:1000],
                          permanent=all(500 <= code < 600 for code in codes))  # fmt: skip
    except (smtplib.SMTPException, OSError) as failure:
        return PostResult(False, "", f"{type(failure).__name__}: {failure}"[:1000])
    return PostResult(True, headers["Message-ID"], "")


def _mail_domain() -> str:
    sender = str(settings.DEFAULT_FROM_EMAIL)
    return sender.rsplit("@", 1)[-1].strip(" >") if "@" in sender else "leadflow.local"


def _chat_send(message: Message, now: dt.datetime) -> PostResult:
    channel = message.notify_channel
    if channel is None or not channel.is_active:
        return PostResult(False, "", "channel missing or inactive", permanent=True)
    return chat_post(kind=channel.kind, url=channel.url, secret=channel.secret, text=message.body, now=now)


@transaction.atomic
def _record(message: Message, result: PostResult, *, now: dt.datetime) -> Message:
    message.attempts += 1
    if result.ok:
        message.status, message.sent_at, message.provider_id, message.error = (
            MessageStatus.SENT, now, result.provider_id[:300], "")
        message.next_attempt_at = None
    elif result.permanent or message.attempts >= settings.LEADFLOW["WEBHOOK_MAX_ATTEMPTS"]:
        bounced = result.permanent and message.channel == MessageChannel.EMAIL
        message.status = MessageStatus.BOUNCED if bounced else MessageStatus.FAILED
        message.error, message.next_attempt_at = result.error, None
        if bounced and message.lead is not None:
            from nurturing.services.suppression import lead_hard_bounce

            lead_hard_bounce(lead=message.lead, now=now, note=result.error[:300])
    else:
        message.status, message.error = MessageStatus.QUEUED, result.error
        message.next_attempt_at = now + webhook_backoff(message.attempts)
    message.save(update_fields=["attempts", "status", "sent_at", "provider_id", "error", "next_attempt_at",
                                "updated_at"])  # fmt: skip
    return message
