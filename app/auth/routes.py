"""Sign in, register, sign out, account page, password change, personal access tokens."""

from __future__ import annotations

import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.auth import api_tokens, preferences, service
from app.auth.dependencies import CurrentUser, client_ip, public, session_only, signed_in
from app.auth.models import User
from app.auth.schemas import LoginForm, PasswordChangeForm, RegisterForm
from app.config import get_settings
from app.db import DbSession, SessionRoute
from app.errors import Forbidden, Invalid
from app.kit.digits import whole_number
from app.kit.ratelimit import MESSAGES, Rate, check, limit
from app.web.templating import redirect, render

router = APIRouter(route_class=SessionRoute)


_LOCAL_PATH = re.compile(r"/(?![/\\])[\x21-\x7e]*")


def safe_next(value: str | None) -> str:
    """Only same-site relative paths are followed after sign-in.

    Printable ASCII only: browsers strip tabs and newlines from URLs, so "/<TAB>/evil.example"
    would become "//evil.example", another site.
    """
    if value and _LOCAL_PATH.fullmatch(value) and "\\" not in value:
        return value
    return "/"


def set_session_cookie(response: Response, raw: str) -> None:
    s = get_settings()
    response.set_cookie(
        s.session_cookie,
        raw,
        path="/",
        secure=s.cookie_secure,
        httponly=True,
        samesite="lax",
        max_age=s.session_absolute_hours * 3600,
    )


@router.get("/login", dependencies=[Depends(public)])
async def login_page(request: Request, next: str = "/", registered: bool = False) -> Response:
    ctx = {"next": safe_next(next), "errors": {}, "email": "", "registered": registered}
    return render(request, "auth/login.html", ctx)


@router.post("/login", dependencies=[Depends(public)])
async def login(request: Request, session: DbSession, form: Annotated[LoginForm, Form()]) -> Response:
    ip = client_ip(request)
    user = await service.authenticate(session, email=form.email, password=form.password, ip=ip)
    if user is None:
        ctx = {
            "next": safe_next(form.next),
            "email": form.email,
            "errors": {"form": "Email or password is not correct."},
        }
        return render(request, "auth/login.html", ctx, block="login_form", status_code=422)
    if user.mfa_enabled:  # the password was right: the session starts after the second factor
        from app.auth.routes_mfa import ask_for_code

        return ask_for_code(request, user, safe_next(form.next))
    return await complete_sign_in(request, session, user, safe_next(form.next))


async def complete_sign_in(request: Request, session: DbSession, user: User, next_url: str) -> Response:
    """Both factors are checked: start the session (replacing this browser's old one) and go on."""
    raw = await service.start_session(
        session,
        user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent"),
        replaces=request.cookies.get(get_settings().session_cookie),
    )
    response = redirect(request, next_url)
    set_session_cookie(response, raw)
    return response


@router.post("/logout", dependencies=[Depends(signed_in)])
async def logout(request: Request, session: DbSession, user: CurrentUser) -> Response:
    s = get_settings()
    await service.end_session(
        session, request.cookies.get(s.session_cookie, ""), user=user, ip=client_ip(request)
    )
    response = redirect(request, "/login")
    response.delete_cookie(s.session_cookie, path="/", secure=s.cookie_secure, httponly=True, samesite="lax")
    return response


@router.get("/register", dependencies=[Depends(public)])
async def register_page(request: Request) -> Response:
    if not get_settings().registration_open:
        raise Forbidden("Registration is closed. Ask an admin for an account.")
    return render(request, "auth/register.html", {"errors": {}, "form": {}})


@router.post("/register", dependencies=[Depends(public), Depends(limit("register"))])
async def register(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form(max_length=1024)] = "",
    display_name: Annotated[str, Form(max_length=1024)] = "",
    password: Annotated[str, Form(max_length=1024)] = "",
) -> Response:
    if not get_settings().registration_open:
        raise Forbidden("Registration is closed. Ask an admin for an account.")
    form = {"email": email, "display_name": display_name}
    try:
        data = RegisterForm(email=email, display_name=display_name, password=password)
        # Per email as well as per IP (the route's limit): caps the notices one address receives.
        await check(request.app.state, _email_key(data.email), message=MESSAGES["register"])
        await service.register(
            session,
            email=data.email,
            display_name=data.display_name,
            password=data.password,
            ip=client_ip(request),
        )
    except ValidationError as exc:
        errors = {str(e["loc"][0]): _friendly(str(e["loc"][0])) for e in exc.errors()}
        return _register_form(request, errors, form)
    except Invalid as exc:
        return _register_form(request, exc.fields, form)
    # The same answer whether or not the email already had an account (no enumeration): the
    # new user signs in next; an existing account's owner was notified instead.
    return redirect(request, "/login?registered=1")


def _email_key(email: str) -> list[tuple[str, Rate]]:
    rate = Rate.parse(get_settings().rate_register_per_email)
    return [(f"register:email:{email.strip().lower()}", rate)]


def _register_form(request: Request, errors: dict[str, str], form: dict[str, str]) -> Response:
    ctx = {"errors": errors, "form": form}
    return render(request, "auth/register.html", ctx, block="register_form", status_code=422)


def _friendly(field: str) -> str:
    return {
        "email": "Enter a valid email address.",
        "display_name": "Enter a name of 1–100 characters.",
        "password": "Enter a password.",
    }.get(field, "Invalid value.")


@router.get("/account", dependencies=[Depends(signed_in)])
async def account_page(request: Request, session: DbSession, user: CurrentUser) -> Response:
    tokens = await api_tokens.list_api_tokens(session, user)
    return render(request, "auth/account.html", {"tokens": tokens, "errors": {}, "new_token": None})


@router.post("/account/theme", dependencies=[Depends(signed_in)], status_code=204)
async def save_theme(
    session: DbSession, user: CurrentUser, theme: Annotated[preferences.ThemeChoice, Form()]
) -> Response:
    """The dark-mode toggle: remembered on the account, so every device of the user follows it."""
    await preferences.set_theme(session, user, theme)
    return Response(status_code=204)


@router.post("/account/password", dependencies=[Depends(signed_in), Depends(session_only)])
async def change_password(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    form: Annotated[PasswordChangeForm, Form()],
) -> Response:
    try:
        await service.change_password(
            session,
            user,
            current=form.current_password,
            new=form.new_password,
            keep_session=request.state.identity.session_id,
            ip=client_ip(request),
        )
    except Invalid as exc:
        tokens = await api_tokens.list_api_tokens(session, user)
        failed: dict[str, object] = {"tokens": tokens, "errors": exc.fields, "new_token": None}
        return render(request, "auth/account.html", failed, block="password_form", status_code=422)
    ctx: dict[str, object] = {
        "tokens": await api_tokens.list_api_tokens(session, user),
        "errors": {},
        "new_token": None,
        "password_changed": True,
    }
    return render(request, "auth/account.html", ctx, block="password_form")


@router.post("/account/tokens", dependencies=[Depends(signed_in), Depends(session_only)])
async def create_token(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    name: Annotated[str, Form(max_length=1024)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires_in_days: Annotated[str, Form(max_length=10)] = "90",
) -> Response:
    errors: dict[str, str] = {}
    new_token = None
    try:
        days = whole_number(expires_in_days) or 0
        _, new_token = await api_tokens.create_api_token(
            session, user, name=name, ip=client_ip(request), scopes=scopes, expires_in_days=days
        )
    except Invalid as exc:
        errors = exc.fields
    tokens = await api_tokens.list_api_tokens(session, user)
    ctx = {"tokens": tokens, "errors": errors, "new_token": new_token}
    return render(request, "auth/account.html", ctx, block="tokens", status_code=422 if errors else 200)


@router.post("/account/tokens/{token_id}/revoke", dependencies=[Depends(signed_in)])
async def revoke_token(
    request: Request, session: DbSession, user: CurrentUser, token_id: uuid.UUID
) -> Response:
    await api_tokens.revoke_api_token(session, user, token_id, ip=client_ip(request))
    tokens = await api_tokens.list_api_tokens(session, user)
    return render(
        request, "auth/account.html", {"tokens": tokens, "errors": {}, "new_token": None}, block="tokens"
    )
