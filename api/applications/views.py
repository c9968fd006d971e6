"""The application as the API shows it: a list row and the full read model."""

from __future__ import annotations

from api.applications import service
from api.applications.schemas import ApplicationRead, ApplicationSummary, BatchRef
from api.models import Application, Batch, Organization
from api.organizations.schemas import OrganizationRef

# The content fields of the read model beyond the list row's.
READ_FIELDS = (
    "version",
    "summary_zh",
    "summary_en",
    "product_type",
    "indicators",
    "ip_rights",
    "sales",
    "licences",
    "price_yuan",
    "expected_demonstration_use",
    "return_reason",
    "decision_reason",
)


def summary_of(application: Application, org: Organization, batch: Batch) -> ApplicationSummary:
    return ApplicationSummary.model_validate(_common(application, org, batch))


def _common(application: Application, org: Organization, batch: Batch) -> dict[str, object]:
    return {
        "id": application.id,
        "status": application.status,
        "product_name_zh": application.product_name_zh,
        "product_name_en": application.product_name_en,
        "model_spec": application.model_spec,
        "field": application.field,
        "claimed_level": application.claimed_level,
        "organization": OrganizationRef.of(org),
        "batch": BatchRef(
            id=batch.id,
            year=batch.year,
            sequence=batch.sequence,
            title_zh=batch.title_zh,
            title_en=batch.title_en,
        ),
        "submitted_at": application.submitted_at,
        "return_step": application.return_step,
        "return_deadline_on": application.return_deadline_on,
        "overdue": service.is_overdue(application),
        "created_at": application.created_at,
        "updated_at": application.updated_at,
    }


def read_of(application: Application, org: Organization, batch: Batch) -> ApplicationRead:
    return ApplicationRead.model_validate(
        {
            **_common(application, org, batch),
            **{name: getattr(application, name) for name in READ_FIELDS},
        }
    )
