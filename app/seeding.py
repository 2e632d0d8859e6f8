"""`mlmock seed`: the seed bank in its own transaction."""

from __future__ import annotations

from sqlalchemy import func, select

import app.models  # noqa: F401  (every table registered, so foreign keys resolve)
from app.db import make_engine, make_sessionmaker
from app.interviews.seeding import load_formats
from app.questions.bulk import bulk_synthetic
from app.questions.models import Question
from app.questions.seeding import load_seed


async def seed_database(
    url: str, *, synthetic: int = 0, synthetic_attempts: int = 0, only_if_empty: bool = False
) -> str:
    """Load the seed bank (idempotent); with only_if_empty, skip when questions exist."""
    engine = make_engine(url, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as session, session.begin():
            if (
                only_if_empty
                and (await session.execute(select(func.count()).select_from(Question))).scalar_one()
            ):
                return "seed: the bank already has questions; nothing loaded"
            report = str(await load_seed(session))
            report += "; " + str(await load_formats(session))
            if synthetic:
                await bulk_synthetic(session, synthetic)  # COPY: 100,000 in well under 2 minutes
                report += f"; {synthetic} synthetic questions"
            if synthetic_attempts:
                from app.analytics.refresh import refresh_all
                from app.analytics.synthetic import generate_attempts

                await generate_attempts(session, synthetic_attempts)
                await refresh_all(session)
                report += f"; {synthetic_attempts} synthetic attempts with reviews"
            return report
    finally:
        await engine.dispose()
