"""Building blocks of the award tests: announced batches, granted events, admin principals."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.service import today
from api.batches import lifecycle
from api.batches.service import BatchAction
from api.events import service as events
from api.models import Application, ApplicationStatus, Award, Batch, Role
from api.permissions import Principal, load_grants
from tests.factories.identity import make_user
from tests.publicity.helpers import Publicity, make_publicity

ORG_NAME = "北京示范装备有限公司"  # make_publicity's organisation


async def admin_principal(db: AsyncSession) -> Principal:
    user = await make_user(db, Role.admin)
    return Principal(
        user_id=user.id,
        email=user.email,
        display_name=user.display_name,
        locale="zh-CN",
        session_id=uuid.uuid4(),
        grants=await load_grants(db, user.id),
    )


async def announced(db: AsyncSession, shortlisted: int = 2, **batch: Any) -> Publicity:
    """A batch whose publicity is over, announced: its shortlist is awarded and (through the
    announcement's own call of the consumer) certified."""
    p = await make_publicity(
        db, ends_on=today() - timedelta(days=1), shortlisted=shortlisted, **batch
    )
    await lifecycle.transition(db, await admin_principal(db), p.batch.id, BatchAction.announce)
    return p


async def grant(db: AsyncSession, application: Application, batch: Batch) -> None:
    """What `announce` does for one application, without issuing: the status and the event."""
    application.status = ApplicationStatus.awarded
    await events.emit(
        db,
        "award.granted",
        object_type="application",
        object_id=application.id,
        payload={
            "application_id": application.id,
            "batch_id": batch.id,
            "organization_id": application.organization_id,
            "product_name_zh": application.product_name_zh,
            "product_name_en": application.product_name_en,
            "model_spec": application.model_spec,
            "field": application.field,
            "product_type": application.product_type,
            "claimed_level": application.claimed_level,
            "batch_year": batch.year,
            "batch_sequence": batch.sequence,
            "awarded_on": today(),
        },
    )


async def awards_of(db: AsyncSession, batch_id: uuid.UUID) -> list[Award]:
    return list(
        await db.scalars(
            select(Award)
            .where(Award.batch_id == batch_id)
            .order_by(Award.sequence)
            .execution_options(populate_existing=True)
        )
    )
