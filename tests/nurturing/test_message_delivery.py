"""Messages delivered to real local servers: an SMTP server (aiosmtpd) and an HTTP server that checks the
DingTalk and Feishu signatures as those services do. No mocks of the mail or HTTP layers."""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from leadflow.errors import ValidationFailed
from nurturing.models.messages import Message, MessageStatus, Suppression
from nurturing.models.sequences import Enrollment, ExitReason
from nurturing.services.channels import notify_channel_create
from nurturing.services.enrollments import enrollments_start
from nurturing.services.messages import unsubscribe_read
from tests.nurturing.conftest import at, new_lead
from tests.nurturing.sequence_helpers import make_sequence, pause_builtins, run, template

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("shanghai")]
NOW = at(2025, 6, 16, 10)
SECRET = "SEC0123456789abcdef"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """aiosmtpd handler: keeps every accepted message; refuses recipients starting with "bounce" (550)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address.startswith("bounce"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings: Any) -> Iterator[Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield inbox
    finally:
        controller.stop()


def _email_sequence() -> Any:
    pause_builtins()
    template(subject="Hello {{ first_name }}", zh_subject="您好，{{ first_name }}")
    return make_sequence([("hello", "send_email", {"template": "hello"})])


def test_email_reaches_a_real_smtp_server_once_with_list_unsubscribe_headers(smtp: Inbox) -> None:
    sequence = _email_sequence()
    lead = new_lead(consent_email=True, first_name="小明")
    enrollments_start(sequence=sequence, leads=[lead.pk], now=NOW, trigger="manual")

    run(NOW)
    run(NOW)  # the tick again for the same now: nothing more

    assert len(smtp.messages) == 1
    received = smtp.messages[0]
    message = Message.objects.get(lead=lead)
    assert received["Subject"] == "您好，小明" and received["To"] == lead.email
    assert received["Message-ID"] == message.provider_id
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = received["List-Unsubscribe"].strip().strip("<>")
    token = urllib.parse.urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1]
    assert unsubscribe_read(token) == {"lead_id": lead.pk, "email": lead.email}
    assert link in received.get_body(preferencelist=("plain",)).get_content()
    assert "/nurturing/t/o/" in received.get_body(preferencelist=("html",)).get_content()  # the open pixel


def test_a_refused_recipient_is_a_hard_bounce_suppressed_and_out_of_the_sequence(smtp: Inbox) -> None:
    seq = _email_sequence()
    seq.steps.create(key="later", kind="wait", config={"days": 3}, position=2)
    lead = new_lead(consent_email=True, email="bounce-me@example-corp.cn")
    enrollments_start(sequence=seq, leads=[lead.pk], now=NOW, trigger="manual")

    run(NOW)

    message = Message.objects.get(lead=lead)
    assert message.status == MessageStatus.BOUNCED and "550" in message.error
    assert Suppression.objects.get(email=lead.email).reason == "hard_bounce"
    assert Enrollment.objects.get(lead=lead).exit_reason == ExitReason.HARD_BOUNCE
    assert smtp.messages == []


class ChatReceiver(ThreadingHTTPServer):
    """Answers like the chat services (first the queued failures) and verifies each signature."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ChatHandler)
        self.requests: list[dict[str, Any]] = []
        self.failures = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ChatHandler(BaseHTTPRequestHandler):
    server: ChatReceiver

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        path = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(path.query))
        self.server.requests.append({"path": path.path, "query": query, "body": body,
                                     "valid": _signature_valid(path.path, query, body)})  # fmt: skip
        if self.server.failures:
            self.server.failures -= 1
            self.send_response(500)
            self.end_headers()
            return
        answer: bytes = b"ok" if path.path == "/slack" else json.dumps(
            {"code": 0, "msg": "success"} if path.path == "/feishu" else {"errcode": 0, "errmsg": "ok"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:
        pass


def _signature_valid(path: str, query: dict[str, str], body: dict[str, Any]) -> bool:
    """What DingTalk and Feishu compute on their side (their documented algorithms)."""
    if path == "/dingtalk":
        to_sign = f"{query['timestamp']}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(SECRET.encode(), to_sign, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, query["sign"])
    if path == "/feishu":
        key = f"{body['timestamp']}\n{SECRET}".encode()
        expected = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, body["sign"])
    return True


@pytest.fixture
def receiver(settings: Any) -> Iterator[ChatReceiver]:
    settings.LEADFLOW = {**settings.LEADFLOW, "WEBHOOK_ALLOW_PRIVATE_URLS": True}
    server = ChatReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("kind", ["dingtalk", "feishu", "wecom", "slack"])
def test_notify_posts_each_services_payload_signed_where_supported(receiver: ChatReceiver, kind: str) -> None:
    pause_builtins()
    notify_channel_create(name="Sales team", slug="sales-team", kind=kind, url=f"{receiver.url}/{kind}",
                          secret=SECRET if kind in ("dingtalk", "feishu") else "")  # fmt: skip
    sequence = make_sequence([("tell", "notify", {"channel": "sales-team", "text": "New lead {{ lead }}"})])
    lead = new_lead()
    enrollments_start(sequence=sequence, leads=[lead.pk], now=NOW, trigger="manual")

    run(NOW)

    [request] = receiver.requests
    assert request["valid"]
    text = f"New lead {lead.display_name}"
    expected = {"dingtalk": {"msgtype": "text", "text": {"content": text}},
                "wecom": {"msgtype": "text", "text": {"content": text}},
                "slack": {"text": text}}  # fmt: skip
    if kind == "feishu":
        assert (request["body"]["msg_type"], request["body"]["content"]) == ("text", {"text": text})
        assert request["body"]["timestamp"] == str(int(NOW.timestamp()))
    else:
        assert request["body"] == expected[kind]
    if kind == "dingtalk":
        assert request["query"]["timestamp"] == str(int(NOW.timestamp() * 1000))
    assert Message.objects.get(lead=lead).status == MessageStatus.SENT


def test_a_failed_post_is_retried_with_backoff_and_sent_once(receiver: ChatReceiver) -> None:
    pause_builtins()
    receiver.failures = 1
    notify_channel_create(name="Ding", slug="ding", kind="dingtalk", url=f"{receiver.url}/dingtalk", secret=SECRET)
    sequence = make_sequence([("tell", "notify", {"channel": "ding", "text": "Call {{ lead }}"})])
    enrollments_start(sequence=sequence, leads=[new_lead().pk], now=NOW, trigger="manual")

    run(NOW)
    message = Message.objects.get()
    assert (message.status, message.attempts, message.error) == (MessageStatus.QUEUED, 1, "HTTP 500")
    assert message.next_attempt_at == NOW + dt.timedelta(seconds=30)

    run(NOW + dt.timedelta(seconds=10))  # not due yet
    run(NOW + dt.timedelta(seconds=30))
    run(NOW + dt.timedelta(seconds=60))
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SENT, 2)
    assert len(receiver.requests) == 2


def test_a_notify_channel_on_a_private_address_is_refused_naming_the_url() -> None:
    with pytest.raises(ValidationFailed) as refused:
        notify_channel_create(name="Internal", kind="wecom", url="http://10.0.0.5/hook")
    assert list(refused.value.errors) == ["url"]
