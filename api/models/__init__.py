"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from api.models.application import (
    Application,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    CheckStep,
    ProductType,
    TechnicalLevel,
)
from api.models.audit import AuditEvent
from api.models.base import Base
from api.models.batch import Batch, BatchStatus
from api.models.organization import District, Organization, OrganizationKind
from api.models.user import Locale, Membership, Role, User, UserSession

__all__ = [
    "Application",
    "ApplicationStatus",
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "Base",
    "Batch",
    "BatchStatus",
    "CheckStep",
    "District",
    "Locale",
    "Membership",
    "Organization",
    "OrganizationKind",
    "ProductType",
    "Role",
    "TechnicalLevel",
    "User",
    "UserSession",
]
