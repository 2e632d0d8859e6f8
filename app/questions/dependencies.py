"""Load-or-404 dependencies for the question bank.

Drafts and retired questions do not exist for non-admins: they get 404, the same answer as
for an unknown id, so a candidate cannot even learn that a draft exists.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from app.auth.dependencies import CurrentUser
from app.db import DbSession
from app.errors import NotFound
from app.questions.models import Question, Topic
from app.questions.schemas import ListParams


async def load_question(session: DbSession, question_id: uuid.UUID) -> Question:
    """Any question (admin routes carry admin_only)."""
    question = await session.get(Question, question_id)
    if question is None or question.current_version_id is None:
        raise NotFound("No such question.")
    return question


async def load_visible_question(session: DbSession, user: CurrentUser, question_id: uuid.UUID) -> Question:
    """A published question, or any question for an admin."""
    question = await load_question(session, question_id)
    if question.status != "published" and not user.is_admin:
        raise NotFound("No such question.")
    return question


async def load_topic(session: DbSession, topic_id: int) -> Topic:
    topic = await session.get(Topic, topic_id)
    if topic is None:
        raise NotFound("No such topic.")
    return topic


AnyQuestion = Annotated[Question, Depends(load_question)]
VisibleQuestion = Annotated[Question, Depends(load_visible_question)]
TopicDep = Annotated[Topic, Depends(load_topic)]
ListQuery = Annotated[ListParams, Query()]
