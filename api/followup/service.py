"""Rules of the post-award follow-up records.

The awarded enterprise's applicants create, edit and delete the records of their own awards;
admins verify them and may correct them. An applicant's edit of a verified record withdraws the
verification. A revoked award keeps its records readable but takes no new ones and no more
edits from the applicant. Every change bumps the record's `version` (its ETag) and is audited.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from sqlalchemy import Select, func, literal, select, tuple_, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from api.audit import service as audit
from api.awards import service as award_service
from api.concurrency import check_if_match, version_etag
from api.errors import Conflict, FieldError, Forbidden, NotFound, Unprocessable
from api.followup.schemas import (
    AwardFollowUpSummary,
    AwardRef,
    Counts,
    FollowUpKind,
    IntentionCreate,
    IntentionUpdate,
    PolicyCreate,
    PolicyUpdate,
    ProjectCreate,
    ProjectUpdate,
)
from api.models import (
    Application,
    Award,
    Batch,
    DemonstrationProject,
    InsurancePolicy,
    Organization,
    PurchaseIntention,
    Roadshow,
    Role,
)
from api.models.followup import MAX_POLICY_YEARS
from api.permissions import Principal

Record = DemonstrationProject | PurchaseIntention | InsurancePolicy
RecordType = type[DemonstrationProject] | type[PurchaseIntention] | type[InsurancePolicy]


@dataclass(frozen=True, slots=True)
class KindInfo:
    model: RecordType
    name: str  # the audit object type and the word in messages
    fields: tuple[str, ...]  # what the enterprise declares, audited
    required: frozenset[str]  # what a PATCH may not set to null


KINDS: dict[FollowUpKind, KindInfo] = {
    FollowUpKind.projects: KindInfo(
        DemonstrationProject,
        "demonstration_project",
        (
            "user_enterprise",
            "site",
            "stage",
            "starts_on",
            "ends_on",
            "expected_investment_yuan",
            "notes",
            "public",
        ),
        frozenset({"user_enterprise", "site", "stage", "expected_investment_yuan", "public"}),
    ),
    FollowUpKind.intentions: KindInfo(
        PurchaseIntention,
        "purchase_intention",
        ("buyer", "amount_yuan", "intended_on", "status", "source", "roadshow_id", "notes"),
        frozenset({"buyer", "amount_yuan", "intended_on", "status"}),
    ),
    FollowUpKind.insurance_policies: KindInfo(
        InsurancePolicy,
        "insurance_policy",
        (
            "insurer",
            "policy_number",
            "premium_yuan",
            "premium_rate",
            "subsidy_share",
            "starts_on",
            "ends_on",
        ),
        frozenset(
            {
                "insurer",
                "policy_number",
                "premium_yuan",
                "premium_rate",
                "subsidy_share",
                "starts_on",
                "ends_on",
            }
        ),
    ),
}


def kind_of(record: Record) -> FollowUpKind:
    if isinstance(record, DemonstrationProject):
        return FollowUpKind.projects
    if isinstance(record, PurchaseIntention):
        return FollowUpKind.intentions
    return FollowUpKind.insurance_policies


def etag(record: Record) -> str:
    return version_etag(record.id, record.version)


def snapshot(record: Record) -> dict[str, Any]:
    info = KINDS[kind_of(record)]
    return {
        "award_id": record.award_id,
        **{f: getattr(record, f) for f in info.fields},
        "verified_at": record.verified_at,
        "verified_by": record.verified_by,
        "version": record.version,
    }


# --- who may see and change what --------------------------------------------------------------


def _is_owner(principal: Principal, award: Award) -> bool:
    return award.organization_id in principal.organization_ids(Role.applicant)


def _award_not_found() -> NotFound:
    return NotFound("No award with this id.", code="award_not_found")


def _check_readable(principal: Principal, award: Award) -> None:
    """Admins and the award's own applicants read; another enterprise's applicant is told the
    award does not exist; other staff are refused."""
    if principal.is_admin or _is_owner(principal, award):
        return
    if principal.has_role(Role.applicant):
        raise _award_not_found()
    raise Forbidden("Only the awarded enterprise and admins see follow-up records.")


def _check_not_revoked(award: Award) -> None:
    if award.revoked_at is not None:
        raise Conflict(
            f"Award {award.number} was revoked; its follow-up records can no longer change.",
            code="award_revoked",
        )


async def readable_award(session: AsyncSession, principal: Principal, award_id: uuid.UUID) -> Award:
    award = await session.get(Award, award_id)
    if award is None:
        raise _award_not_found()
    _check_readable(principal, award)
    return award


async def _record_for_change(
    session: AsyncSession, principal: Principal, kind: FollowUpKind, record_id: uuid.UUID
) -> tuple[Award, Record]:
    """The record locked for change, with its award; 404 when the caller may not see it."""
    model = KINDS[kind].model
    row = (
        await session.execute(
            select(model, Award)
            .join(Award, Award.id == model.award_id)
            .where(model.id == record_id)
            .with_for_update(of=model)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound(f"No {_words(kind)} with this id.", code="record_not_found")
    record, award = cast(Record, row[0]), row[1]
    try:
        _check_readable(principal, award)
    except NotFound as exc:
        raise NotFound(f"No {_words(kind)} with this id.", code="record_not_found") from exc
    return award, record


def _words(kind: FollowUpKind) -> str:
    return KINDS[kind].name.replace("_", " ")


# --- validation across fields -----------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """As PostgreSQL's `date + interval 'n years'`: 29 February becomes 28 February."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _check_values(kind: FollowUpKind, values: dict[str, Any]) -> None:
    errors: list[FieldError] = []
    starts, ends = values.get("starts_on"), values.get("ends_on")
    if kind is FollowUpKind.insurance_policies:
        if starts is not None and ends is not None:
            if ends <= starts:
                errors.append(
                    FieldError(
                        field="ends_on",
                        message="The policy must end after it starts.",
                        code="ends_before_start",
                    )
                )
            elif ends > add_years(starts, MAX_POLICY_YEARS):
                errors.append(
                    FieldError(
                        field="ends_on",
                        message=f"A policy period is at most {MAX_POLICY_YEARS} years.",
                        code="policy_period_too_long",
                    )
                )
    elif (
        kind is FollowUpKind.projects and starts is not None and ends is not None and ends < starts
    ):
        errors.append(
            FieldError(
                field="ends_on",
                message="The project cannot end before it starts.",
                code="ends_before_start",
            )
        )
    if errors:
        raise Unprocessable("; ".join(e.message for e in errors), errors=errors)


async def _check_references(
    session: AsyncSession, kind: FollowUpKind, values: dict[str, Any], record_id: uuid.UUID | None
) -> None:
    roadshow_id = values.get("roadshow_id") if kind is FollowUpKind.intentions else None
    if roadshow_id is not None and await session.get(Roadshow, roadshow_id) is None:
        raise Unprocessable(
            "No roadshow with this id.",
            errors=[
                FieldError(
                    field="roadshow_id",
                    message="No roadshow with this id.",
                    code="roadshow_not_found",
                )
            ],
        )
    if kind is FollowUpKind.insurance_policies:
        stmt = select(InsurancePolicy.id).where(
            InsurancePolicy.insurer == values["insurer"],
            InsurancePolicy.policy_number == values["policy_number"],
        )
        if record_id is not None:
            stmt = stmt.where(InsurancePolicy.id != record_id)
        if await session.scalar(stmt) is not None:
            raise _duplicate_policy()


def _duplicate_policy() -> Conflict:
    return Conflict(
        "This insurer already has a policy with this number.",
        code="duplicate_policy_number",
        errors=[
            FieldError(
                field="policy_number",
                message="This insurer already has a policy with this number.",
                code="duplicate_policy_number",
            )
        ],
    )


async def _flush(session: AsyncSession, kind: FollowUpKind) -> None:
    """Flush in a savepoint: a policy number taken by a concurrent request is a 409, not a 500."""
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        if kind is FollowUpKind.insurance_policies and "policy_number" in str(exc.orig):
            raise _duplicate_policy() from exc
        raise


# --- changes ----------------------------------------------------------------------------------

CreateData = ProjectCreate | IntentionCreate | PolicyCreate
UpdateData = ProjectUpdate | IntentionUpdate | PolicyUpdate


def _values(data: BaseModel, *, exclude_unset: bool) -> dict[str, Any]:
    # Python values, not JSON: Decimals stay Decimals.
    return {k: getattr(data, k) for k in data.model_dump(exclude_unset=exclude_unset)}


async def create_record(
    session: AsyncSession,
    principal: Principal,
    kind: FollowUpKind,
    award_id: uuid.UUID,
    data: CreateData,
) -> Record:
    award = await readable_award(session, principal, award_id)
    if not _is_owner(principal, award):
        raise Forbidden("Only the awarded enterprise adds follow-up records.")
    _check_not_revoked(award)
    values = _values(data, exclude_unset=False)
    _check_values(kind, values)
    await _check_references(session, kind, values, None)
    record = KINDS[kind].model(award_id=award.id, version=1, **values)
    session.add(record)
    await _flush(session, kind)
    await session.refresh(record)
    await audit.record(
        session,
        actor=principal,
        action=f"{KINDS[kind].name}.create",
        object_type=KINDS[kind].name,
        object_id=record.id,
        after=snapshot(record),
    )
    return record


async def update_record(
    session: AsyncSession,
    principal: Principal,
    kind: FollowUpKind,
    record_id: uuid.UUID,
    data: UpdateData,
    if_match: str | None,
) -> Record:
    award, record = await _record_for_change(session, principal, kind, record_id)
    by_owner = _is_owner(principal, award) and not principal.is_admin
    if not (by_owner or principal.is_admin):
        raise Forbidden("Only the awarded enterprise and admins edit follow-up records.")
    if by_owner:
        _check_not_revoked(award)
    check_if_match(etag(record), if_match, what=_words(kind))
    changes = _values(data, exclude_unset=True)
    nulled = sorted(k for k, v in changes.items() if v is None and k in KINDS[kind].required)
    if nulled:
        raise Unprocessable(
            "Required fields cannot be emptied.",
            errors=[
                FieldError(field=k, message="This field is required.", code="required")
                for k in nulled
            ],
        )
    merged = {f: getattr(record, f) for f in KINDS[kind].fields} | changes
    _check_values(kind, merged)
    if kind is FollowUpKind.insurance_policies and (changes.keys() & {"insurer", "policy_number"}):
        await _check_references(session, kind, merged, record.id)
    elif changes.get("roadshow_id") is not None:
        await _check_references(session, kind, changes, record.id)
    before = snapshot(record)
    for name, value in changes.items():
        setattr(record, name, value)
    if snapshot(record) | {"version": before["version"]} == before:
        return record  # nothing changed: no new version, no audit noise
    note = None
    # The applicant's edit withdraws an admin's verification; an admin's correction keeps it.
    if by_owner and record.verified_at is not None:
        record.verified_at = None
        record.verified_by = None
        note = "verification withdrawn by the enterprise's edit"
    record.version += 1
    await _flush(session, kind)
    await session.refresh(record)
    await audit.record(
        session,
        actor=principal,
        action=f"{KINDS[kind].name}.update",
        object_type=KINDS[kind].name,
        object_id=record.id,
        before=before,
        after=snapshot(record),
        note=note,
    )
    return record


async def delete_record(
    session: AsyncSession,
    principal: Principal,
    kind: FollowUpKind,
    record_id: uuid.UUID,
    if_match: str | None,
) -> None:
    award, record = await _record_for_change(session, principal, kind, record_id)
    if not _is_owner(principal, award):
        raise Forbidden("Only the awarded enterprise deletes its follow-up records.")
    _check_not_revoked(award)
    check_if_match(etag(record), if_match, what=_words(kind), required=False)
    before = snapshot(record)
    await session.delete(record)
    await session.flush()
    await audit.record(
        session,
        actor=principal,
        action=f"{KINDS[kind].name}.delete",
        object_type=KINDS[kind].name,
        object_id=record_id,
        before=before,
    )


async def verify_record(
    session: AsyncSession,
    principal: Principal,
    kind: FollowUpKind,
    record_id: uuid.UUID,
    if_match: str | None,
) -> Record:
    _, record = await _record_for_change(session, principal, kind, record_id)
    check_if_match(etag(record), if_match, what=_words(kind))
    if record.verified_at is not None:
        raise Conflict(
            f"The {_words(kind)} is already verified.",
            code="already_verified",
            extra={"current_state": "verified"},
        )
    before = snapshot(record)
    record.verified_at = datetime.now(UTC)
    record.verified_by = principal.user_id
    record.version += 1
    await session.flush()
    await session.refresh(record)
    await audit.record(
        session,
        actor=principal,
        action=f"{KINDS[kind].name}.verify",
        object_type=KINDS[kind].name,
        object_id=record.id,
        before=before,
        after=snapshot(record),
    )
    return record


async def unverify_record(
    session: AsyncSession,
    principal: Principal,
    kind: FollowUpKind,
    record_id: uuid.UUID,
    reason: str,
    if_match: str | None,
) -> Record:
    _, record = await _record_for_change(session, principal, kind, record_id)
    check_if_match(etag(record), if_match, what=_words(kind), required=False)
    if record.verified_at is None:
        raise Conflict(
            f"The {_words(kind)} is not verified.",
            code="not_verified",
            extra={"current_state": "unverified"},
        )
    before = snapshot(record)
    record.verified_at = None
    record.verified_by = None
    record.version += 1
    await session.flush()
    await session.refresh(record)
    await audit.record(
        session,
        actor=principal,
        action=f"{KINDS[kind].name}.unverify",
        object_type=KINDS[kind].name,
        object_id=record.id,
        before=before,
        after=snapshot(record),
        note=reason,
    )
    return record


# --- reading ----------------------------------------------------------------------------------


def _counts(model: RecordType) -> Any:
    return (
        select(
            model.award_id.label("award_id"),
            func.count().label("total"),
            func.count().filter(model.verified_at.is_(None)).label("unverified"),
        )
        .group_by(model.award_id)
        .subquery()
    )


def _summary_statement() -> Select[Any]:
    """Awards with their product, organisation, batch and record counts, in one statement."""
    p, i, c = _counts(DemonstrationProject), _counts(PurchaseIntention), _counts(InsurancePolicy)
    return (
        select(
            Award,
            Application.product_name_zh,
            Application.product_name_en,
            Organization.name_zh,
            Organization.name_en,
            Batch.year,
            Batch.sequence,
            func.coalesce(p.c.total, 0),
            func.coalesce(p.c.unverified, 0),
            func.coalesce(i.c.total, 0),
            func.coalesce(i.c.unverified, 0),
            func.coalesce(c.c.total, 0),
            func.coalesce(c.c.unverified, 0),
        )
        .join(Application, Application.id == Award.application_id)
        .join(Organization, Organization.id == Award.organization_id)
        .join(Batch, Batch.id == Award.batch_id)
        .outerjoin(p, p.c.award_id == Award.id)
        .outerjoin(i, i.c.award_id == Award.id)
        .outerjoin(c, c.c.award_id == Award.id)
    )


def summary_of(row: Sequence[Any]) -> AwardFollowUpSummary:
    award: Award = row[0]
    return AwardFollowUpSummary(
        id=award.id,
        number=award.number,
        product_name_zh=row[1] or "",
        product_name_en=row[2],
        organization_id=award.organization_id,
        organization_name_zh=row[3],
        organization_name_en=row[4],
        batch_id=award.batch_id,
        batch_year=row[5],
        batch_sequence=row[6],
        status=award_service.status_of(award),
        revoked=award.revoked_at is not None,
        projects=Counts(total=row[7], unverified=row[8]),
        intentions=Counts(total=row[9], unverified=row[10]),
        policies=Counts(total=row[11], unverified=row[12]),
    )


async def list_awards(
    session: AsyncSession,
    principal: Principal,
    *,
    batch_id: uuid.UUID | None,
    after: str | None,
    limit: int,
) -> Sequence[Any]:
    """Admins see every award; applicants their enterprises' awards; other staff none."""
    stmt = _summary_statement().order_by(Award.number).limit(limit)
    if not principal.is_admin:
        stmt = stmt.where(Award.organization_id.in_(principal.organization_ids(Role.applicant)))
    if batch_id is not None:
        stmt = stmt.where(Award.batch_id == batch_id)
    if after is not None:
        stmt = stmt.where(Award.number > after)
    return list((await session.execute(stmt)).all())


@dataclass(frozen=True, slots=True)
class AwardRecords:
    summary: AwardFollowUpSummary
    projects: Sequence[DemonstrationProject]
    intentions: Sequence[PurchaseIntention]
    policies: Sequence[InsurancePolicy]


RecordT = TypeVar("RecordT", DemonstrationProject, PurchaseIntention, InsurancePolicy)


async def _records_of(
    session: AsyncSession, model: type[RecordT], award_id: uuid.UUID
) -> Sequence[RecordT]:
    return (
        await session.scalars(
            select(model).where(model.award_id == award_id).order_by(model.created_at, model.id)
        )
    ).all()


async def award_with_records(
    session: AsyncSession, principal: Principal, award_id: uuid.UUID
) -> AwardRecords:
    """One query for the award and its counts, one per kind of record, oldest first."""
    award = await readable_award(session, principal, award_id)
    row = (await session.execute(_summary_statement().where(Award.id == award.id))).one()
    return AwardRecords(
        summary=summary_of(row),
        projects=await _records_of(session, DemonstrationProject, award.id),
        intentions=await _records_of(session, PurchaseIntention, award.id),
        policies=await _records_of(session, InsurancePolicy, award.id),
    )


async def public_projects(
    session: AsyncSession, award_id: uuid.UUID
) -> Sequence[DemonstrationProject]:
    return (
        await session.scalars(
            select(DemonstrationProject)
            .where(
                DemonstrationProject.award_id == award_id,
                DemonstrationProject.public.is_(True),
                DemonstrationProject.verified_at.is_not(None),
            )
            .order_by(DemonstrationProject.starts_on.desc().nulls_last(), DemonstrationProject.id)
        )
    ).all()


@dataclass(frozen=True, slots=True)
class QueueEntry:
    award: AwardRef
    record: Record


async def queue(
    session: AsyncSession,
    *,
    kind: FollowUpKind | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[QueueEntry]:
    """Unverified records of every kind (or one), oldest first: one statement picks the page,
    one per kind loads its records and one the awards they belong to."""
    parts = []
    for k, info in KINDS.items():
        if kind is not None and k is not kind:
            continue
        m = info.model
        part = select(
            literal(k.value).label("kind"), m.id.label("id"), m.created_at.label("created_at")
        ).where(m.verified_at.is_(None))
        if after is not None:
            # row comparison on (created_at, id), as the page is ordered
            part = part.where(tuple_(m.created_at, m.id) > tuple_(*after))
        parts.append(part)
    page = union_all(*parts).subquery()
    picked = (
        await session.execute(
            select(page.c.kind, page.c.id).order_by(page.c.created_at, page.c.id).limit(limit)
        )
    ).all()
    by_kind: dict[FollowUpKind, list[uuid.UUID]] = {}
    for k, record_id in picked:
        by_kind.setdefault(FollowUpKind(k), []).append(record_id)
    loaded: dict[uuid.UUID, Record] = {}
    for k, ids in by_kind.items():
        model = KINDS[k].model
        records = cast(
            Sequence[Record], (await session.scalars(select(model).where(model.id.in_(ids)))).all()
        )
        loaded.update((r.id, r) for r in records)
    award_ids = {r.award_id for r in loaded.values()}
    refs = (
        {
            row[0]: AwardRef(
                id=row[0],
                number=row[1],
                product_name_zh=row[2] or "",
                product_name_en=row[3],
                organization_id=row[4],
                organization_name_zh=row[5],
                organization_name_en=row[6],
            )
            for row in await session.execute(
                select(
                    Award.id,
                    Award.number,
                    Application.product_name_zh,
                    Application.product_name_en,
                    Organization.id,
                    Organization.name_zh,
                    Organization.name_en,
                )
                .join(Application, Application.id == Award.application_id)
                .join(Organization, Organization.id == Award.organization_id)
                .where(Award.id.in_(award_ids))
            )
        }
        if award_ids
        else {}
    )
    return [
        QueueEntry(award=refs[loaded[rid].award_id], record=loaded[rid])
        for _, rid in picked
        if rid in loaded
    ]
