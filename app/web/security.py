"""Plain ASGI middleware: request id, access log, body limit, Origin check, security headers.

Written as raw ASGI (not BaseHTTPMiddleware) because it runs on every request, including
the autosave hot path.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import TooLarge, reason_for
from app.kit.net import parse_networks, resolve_client_ip
from app.web.errors import wants_json
from app.web.logging import request_id_var

log = logging.getLogger("mlmock.http")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
_RID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
NUL_MESSAGE = "A value contains a NUL character, which is not allowed."
# How a NUL byte looks in each body we parse as text (raw, form-encoded, JSON-escaped).
_NUL_FORMS = {
    b"application/x-www-form-urlencoded": (b"\x00", b"%00"),
    b"application/json": (b"\x00", b"\\u0000"),
}
CrashHandler = Callable[[Request, Exception], Awaitable[Response]]
RefusalHook = Callable[[Scope, int], Awaitable[None]]
# An answer given before anything else is done (the body is not read, no refusal applies): status,
# headers, body; or None to go on. The autosave's over-the-limit 503 (app/interviews/autosave.py
# `autosave_shed`), so that a saturated process spends as little as it can on each save it turns away.
EarlyAnswer = Callable[[Scope], "tuple[int, list[tuple[bytes, bytes]], bytes] | None"]
AUDITED = {403, 429}


class SecurityMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        body_limits: dict[str, int] | None = None,
        on_crash: CrashHandler | None = None,
        on_refusal: RefusalHook | None = None,
        early: EarlyAnswer | None = None,
    ) -> None:
        self.app = app
        self.early = early
        self.settings = settings
        # Renders the 500 for an unhandled exception. It runs here, inside this middleware, so
        # the 500 gets the same headers, request id and access-log status as any other answer.
        self.on_crash = on_crash
        # Audits 403s and 429s after they were sent (app.auth.refusals).
        self.on_refusal = on_refusal
        # path prefix → byte limit, longest prefix wins (imports take larger files)
        self.body_limits = sorted((body_limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.static_headers = [
            (b"content-security-policy", CSP.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        ]
        if settings.cookie_secure:
            self.static_headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))

    def limit_for(self, path: str) -> int:
        for prefix, limit in self.body_limits:
            if path.startswith(prefix):
                return limit
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        rid_in = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = rid_in if _RID.match(rid_in) else os.urandom(16).hex()  # uuid4().hex's shape, cheaper
        if self.early is not None and (answer := self.early(scope)) is not None:
            status, answer_headers, body = answer
            await send(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": self._headers(scope, answer_headers, rid),
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        token = request_id_var.set(rid)
        started = time.perf_counter()
        path: str = scope["path"]
        status_holder = {"status": 0}
        # The client's address, once: the socket peer, or what a trusted proxy says it forwarded.
        peer = scope["client"][0] if scope.get("client") else None
        forwarded = headers.get(b"x-forwarded-for", b"").decode("latin-1") or None
        ip = resolve_client_ip(peer, forwarded, parse_networks(self.settings.trusted_proxies))
        state = scope.setdefault("state", {})
        state["client_ip"] = ip
        try:
            refusal = self._refuse(scope, headers)
            if refusal is not None:
                await self._plain(send, headers, path, rid, *refusal)
                status_holder["status"] = refusal[0]
                if refusal[0] == 403:
                    state["refusal_reason"] = "cross_site"
                return
            limit = self.limit_for(path)
            received = 0

            async def limited_receive() -> Message:
                nonlocal received
                message = await receive()
                if message["type"] == "http.request":
                    received += len(message.get("body", b""))
                    if received > limit:
                        raise TooLarge(f"The request body is larger than the limit of {limit} bytes.")
                return message

            app_receive: Receive = limited_receive
            if nul_forms := self._nul_forms(headers):
                # Bodies parsed as text are read here first (within the limit) and refused as a
                # whole when they carry a NUL byte, in any of its spellings; then replayed.
                try:
                    body = await self._read_body(limited_receive)
                except TooLarge as exc:
                    status_holder["status"] = 413
                    await self._plain(send, headers, path, rid, 413, exc.message)
                    return
                if any(form in body for form in nul_forms):
                    status_holder["status"] = 422
                    await self._plain(send, headers, path, rid, 422, NUL_MESSAGE)
                    return
                app_receive = self._replay(body, receive)

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status_holder["status"] = message["status"]
                    message["headers"] = self._headers(scope, message.get("headers", []), rid)
                await send(message)

            try:
                await self.app(scope, app_receive, send_with_headers)
            except Exception as exc:
                if status_holder["status"] or self.on_crash is None:
                    raise  # too late for a clean 500: the response has started
                response = await self.on_crash(Request(scope, app_receive), exc)
                await response(scope, app_receive, send_with_headers)
        finally:
            if status_holder["status"] in AUDITED and self.on_refusal is not None:
                await self.on_refusal(scope, status_holder["status"])
            # the record's fields only when it is written (the level is a setting: WARNING drops it)
            if not path.startswith("/static/") and log.isEnabledFor(logging.INFO):
                user = state.get("user")
                log.info(
                    "request",
                    extra={
                        "method": scope["method"],
                        "path": path,
                        "status": status_holder["status"],
                        "user_id": str(user.id) if user is not None else None,
                        "ip": ip,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            request_id_var.reset(token)

    @staticmethod
    async def _read_body(receive: Receive) -> bytes:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    @staticmethod
    def _replay(body: bytes, receive: Receive) -> Receive:
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # http.disconnect

        return replay

    @staticmethod
    def _nul_forms(headers: dict[bytes, bytes]) -> tuple[bytes, ...]:
        ctype = headers.get(b"content-type", b"").split(b";", 1)[0].strip().lower()
        return _NUL_FORMS.get(ctype, ())

    def _refuse(self, scope: Scope, headers: dict[bytes, bytes]) -> tuple[int, str] | None:
        length = headers.get(b"content-length")
        path: str = scope["path"]
        # NUL bytes are refused in one place for every route: Postgres cannot store them in
        # text, and no legitimate form or query value carries one.
        query: bytes = scope.get("query_string", b"")
        if b"%00" in query or b"\x00" in query or "\x00" in path:
            return 422, NUL_MESSAGE
        if length is not None:
            try:
                too_big = int(length) > self.limit_for(path)
            except ValueError:
                return 400, "Invalid Content-Length."
            if too_big:
                return 413, f"The request body is larger than the limit of {self.limit_for(path)} bytes."
        if scope["method"] in UNSAFE:
            bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
            if not bearer:
                site = headers.get(b"sec-fetch-site")
                if site is not None and site not in (b"same-origin", b"none"):
                    return 403, "Cross-site requests are not allowed."
                origin = headers.get(b"origin")
                if origin is not None and not self._same_origin(origin, headers.get(b"host", b"")):
                    return 403, "Cross-site requests are not allowed."
        return None

    @staticmethod
    def _same_origin(origin: bytes, host: bytes) -> bool:
        text = origin.decode("latin-1")
        return "://" in text and text.split("://", 1)[1].rstrip("/") == host.decode("latin-1")

    def _headers(self, scope: Scope, headers: Any, rid: str) -> list[tuple[bytes, bytes]]:
        out = list(headers)
        names = {k.lower() for k, _ in out}
        out.extend(h for h in self.static_headers if h[0] not in names)
        out.append((b"x-request-id", rid.encode()))
        if not scope["path"].startswith("/static/"):
            if b"cache-control" not in names:
                out.append((b"cache-control", b"no-store"))
        state = scope.get("state") or {}
        if anon := state.get("new_csrf_cookie"):
            secure = "; Secure" if self.settings.cookie_secure else ""
            cookie = f"{self.settings.csrf_cookie}={anon}; Path=/; HttpOnly; SameSite=Lax{secure}"
            out.append((b"set-cookie", cookie.encode()))
        return out

    async def _plain(
        self, send: Send, request_headers: dict[bytes, bytes], path: str, rid: str, status: int, message: str
    ) -> None:
        # The error contract's body (app/errors.py) before the app ran, chosen by the app's rule
        # (app/web/errors.py wants_json): /api, Accept: application/json, or a JSON body.
        accept, sent_type = (
            request_headers.get(n, b"").decode("latin-1") for n in (b"accept", b"content-type")
        )
        if wants_json(path, accept, sent_type, request_headers.get(b"hx-request") == b"true"):
            reason = "cross_site" if status == 403 else reason_for(status)
            body, ctype = json.dumps({"error": message, "reason": reason}).encode(), b"application/json"
        else:
            body, ctype = message.encode(), b"text/plain; charset=utf-8"
        headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
        headers += [*self.static_headers, (b"x-request-id", rid.encode()), (b"cache-control", b"no-store")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
