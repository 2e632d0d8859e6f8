"""Creating the first admin from the CLI."""

from __future__ import annotations

from app.auth import service, user_admin
from app.auth.schemas import RegisterForm
from app.db import make_engine, make_sessionmaker
from app.errors import Invalid


async def create_admin_account(url: str, *, email: str, name: str, password: str) -> None:
    """Create an admin account in its own transaction."""
    from pydantic import ValidationError

    try:
        form = RegisterForm(email=email, display_name=name, password=password)
    except ValidationError as exc:
        raise Invalid("Invalid input.", fields={str(e["loc"][0]): e["msg"] for e in exc.errors()}) from exc
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            await user_admin.ensure_unique_admin_email(session, form.email)
            user = await service.create_user(
                session,
                email=form.email,
                display_name=form.display_name,
                password=form.password,
                roles=["candidate", "mentor", "admin"],
            )
            await service.audit(
                session, "admin_created", actor_id=user.id, subject=str(user.id), detail={"via": "cli"}
            )
    finally:
        await engine.dispose()
