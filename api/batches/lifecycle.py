"""The batch lifecycle across domains: which review, deliberation and publicity rules guard each
move and what each move does to the batch's applications. `batches.service` knows only states;
this module joins it to the domains that act on a move, so those never import each other."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from api.batches import service
from api.batches.service import BatchAction, TransitionHook
from api.experts import assignment
from api.models import Batch
from api.permissions import Principal
from api.publicity import service as publicity
from api.review import deliberation

HOOKS: dict[BatchAction, TransitionHook] = {
    BatchAction.start_review: assignment.start_review,
    BatchAction.start_deliberation: deliberation.start_deliberation,
    BatchAction.start_publicity: publicity.start_publicity,
    BatchAction.announce: publicity.announce,
}


async def transition(
    session: AsyncSession, actor: Principal, batch_id: uuid.UUID, action: BatchAction
) -> Batch:
    return await service.transition_batch(
        session, actor, batch_id, action, before_change=HOOKS.get(action)
    )
