"""The account JSON API (/api/v1): who am I, API tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.auth import api_tokens
from app.auth.dependencies import CurrentUser, client_ip, session_only, signed_in
from app.auth.schemas import TokenCreate, TokenCreated, TokenRead, UserRead
from app.db import DbSession, SessionRoute

api = APIRouter(route_class=SessionRoute, prefix="/api/v1")


@api.get("/me", dependencies=[Depends(signed_in)], response_model=UserRead)
async def api_me(user: CurrentUser) -> UserRead:
    return UserRead.model_validate(user)


@api.get("/tokens", dependencies=[Depends(signed_in)], response_model=list[TokenRead])
async def api_list_tokens(session: DbSession, user: CurrentUser) -> list[TokenRead]:
    return [TokenRead.model_validate(t) for t in await api_tokens.list_api_tokens(session, user)]


@api.post(
    "/tokens",
    dependencies=[Depends(signed_in), Depends(session_only)],
    response_model=TokenCreated,
    status_code=201,
)
async def api_create_token(
    request: Request, session: DbSession, user: CurrentUser, body: TokenCreate
) -> TokenCreated:
    """Mint a token: only from a signed-in session (a token cannot mint tokens)."""
    token, raw = await api_tokens.create_api_token(
        session,
        user,
        name=body.name,
        ip=client_ip(request),
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
    )
    return TokenCreated(
        id=token.id, name=token.name, token=raw, scopes=token.scopes, expires_at=token.expires_at
    )


@api.delete("/tokens/{token_id}", dependencies=[Depends(signed_in)], status_code=204)
async def api_revoke_token(
    request: Request, session: DbSession, user: CurrentUser, token_id: uuid.UUID
) -> Response:
    await api_tokens.revoke_api_token(session, user, token_id, ip=client_ip(request))
    return Response(status_code=204)
