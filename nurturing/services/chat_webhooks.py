"""Team chat group bots: each service's documented payload, signing and success answer.

* WeCom (企业微信群机器人): POST {"msgtype": "text", "text": {"content"}}; answers {"errcode": 0}. No signing.
* DingTalk (钉钉自定义机器人, 加签): `sign = base64(HMAC-SHA256(key=secret, msg=f"{timestamp_ms}\\n{secret}"))`,
  sent as `&timestamp=...&sign=<url-encoded>` on the URL; body {"msgtype": "text", "text": {"content"}};
  answers {"errcode": 0}.
* Feishu (飞书自定义机器人, 签名校验): `sign = base64(HMAC-SHA256(key=f"{timestamp_s}\\n{secret}", msg=b""))`,
  sent in the body {"timestamp", "sign", "msg_type": "text", "content": {"text"}}; answers {"code": 0}.
* Slack incoming webhook: {"text"}; answers 200 "ok". No signing (the URL is the secret).

Receivers must be public addresses unless WEBHOOK_ALLOW_PRIVATE_URLS (the check of leads' webhooks:
`webhook_url_problem` when a channel is saved, and again on the connected socket when posting).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from leads.services.webhooks import address_is_public
from nurturing.models.messages import MessageChannel

USER_AGENT = "LeadFlow-Notify/1"


@dataclass(frozen=True)
class PostResult:
    ok: bool
    provider_id: str
    error: str
    permanent: bool = False  # a 4xx answer: retrying the same request will not help


def dingtalk_sign(*, secret: str, timestamp_ms: int) -> str:
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    return base64.b64encode(hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()).decode()


def feishu_sign(*, secret: str, timestamp_s: int) -> str:
    key = f"{timestamp_s}\n{secret}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def chat_request(*, kind: str, url: str, secret: str, text: str, now: dt.datetime) -> tuple[str, dict[str, Any]]:
    """The URL to post to and the JSON body, for one text message to a group bot of this kind."""
    if kind == MessageChannel.DINGTALK:
        if secret:
            timestamp = int(now.timestamp() * 1000)
            sign = urllib.parse.quote_plus(dingtalk_sign(secret=secret, timestamp_ms=timestamp))
            url = f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
        return url, {"msgtype": "text", "text": {"content": text}}
    if kind == MessageChannel.FEISHU:
        body: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if secret:
            timestamp = int(now.timestamp())
            body = {"timestamp": str(timestamp), "sign": feishu_sign(secret=secret, timestamp_s=timestamp), **body}
        return url, body
    if kind == MessageChannel.WECOM:
        return url, {"msgtype": "text", "text": {"content": text}}
    if kind == MessageChannel.SLACK:
        return url, {"text": text}
    raise ValueError(f"not a chat channel: {kind}")


def chat_post(*, kind: str, url: str, secret: str, text: str, now: dt.datetime) -> PostResult:
    """Post once and judge the answer by the service's own success code (they answer 200 on errors too)."""
    target, body = chat_request(kind=kind, url=url, secret=secret, text=text, now=now)
    data = json.dumps(body, ensure_ascii=False).encode()
    request = urllib.request.Request(target, data=data, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT})  # fmt: skip
    try:
        with _OPENER.open(request, timeout=settings.LEADFLOW["WEBHOOK_TIMEOUT_SECONDS"]) as response:
            status, answer = response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as refusal:
        return PostResult(False, "", f"HTTP {refusal.code}", permanent=400 <= refusal.code < 500
                          and refusal.code != 429)  # fmt: skip
    except (urllib.error.URLError, TimeoutError, OSError, http.client.HTTPException) as failure:
        return PostResult(False, "", f"{type(failure).__name__}: {failure}"[:1000])
    return _judge(kind, status, answer)


def _judge(kind: str, status: int, answer: str) -> PostResult:
    if kind == MessageChannel.SLACK:
        ok = 200 <= status < 300
        return PostResult(ok, "", "" if ok else answer[:500])
    try:
        document = json.loads(answer) if answer else {}
    except ValueError:
        return PostResult(False, "", f"unreadable answer: {answer[:200]}")
    if not isinstance(document, dict):
        return PostResult(False, "", f"unexpected answer: {answer[:200]}")
    code = document.get("errcode", document.get("code", document.get("StatusCode", 0)))
    if code in (0, "0"):
        data = document["data"] if isinstance(document.get("data"), dict) else {}
        return PostResult(True, str(document.get("msg_id") or data.get("message_id") or ""), "")
    message = document.get("errmsg") or document.get("msg") or document.get("StatusMessage") or ""
    return PostResult(False, "", f"{kind} error {code}: {message}"[:1000])


def _peer_check(sock: socket.socket) -> None:
    address = sock.getpeername()[0]
    if not settings.LEADFLOW["WEBHOOK_ALLOW_PRIVATE_URLS"] and not address_is_public(address):
        sock.close()
        raise OSError(f"refused to post to non-public address {address}")


class _GuardedHTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        super().connect()
        _peer_check(self.sock)


class _GuardedHTTPSConnection(http.client.HTTPSConnection, _GuardedHTTPConnection):
    """The TCP connection is checked before the TLS handshake (see leads.services.webhooks)."""


class _GuardedHTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPConnection, req)


class _GuardedHTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_GuardedHTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects, _GuardedHTTPHandler, _GuardedHTTPSHandler)
