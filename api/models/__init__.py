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
from api.models.award import (
    Award,
    CatalogueChange,
    CatalogueChangeKind,
    CatalogueEntry,
    OutboxCursor,
    SigningKey,
)
from api.models.base import Base
from api.models.batch import AggregationRule, Batch, BatchStatus
from api.models.calendar import CalendarDay, CalendarSource, CalendarYear
from api.models.event import OutboxEvent
from api.models.followup import (
    DemonstrationProject,
    InsurancePolicy,
    IntentionStatus,
    ProjectStage,
    PurchaseIntention,
    Roadshow,
    RoadshowSlot,
    RoadshowStatus,
)
from api.models.organization import District, Organization, OrganizationKind
from api.models.publicity import Objection, ObjectionStatus
from api.models.review import (
    AssignmentDraw,
    AssignmentSource,
    AssignmentStatus,
    ExpertAttestation,
    ExpertAvailability,
    ExpertConflict,
    ExpertProfile,
    Recommendation,
    Review,
    ReviewAssignment,
    ReviewStatus,
    RubricCriterion,
)
from api.models.user import Locale, Membership, Role, User, UserSession

__all__ = [
    "AggregationRule",
    "Application",
    "ApplicationStatus",
    "AssignmentDraw",
    "AssignmentSource",
    "AssignmentStatus",
    "Attachment",
    "AttachmentKind",
    "AuditEvent",
    "Award",
    "Base",
    "Batch",
    "BatchStatus",
    "CalendarDay",
    "CalendarSource",
    "CalendarYear",
    "CatalogueChange",
    "CatalogueChangeKind",
    "CatalogueEntry",
    "CheckStep",
    "DemonstrationProject",
    "District",
    "ExpertAttestation",
    "ExpertAvailability",
    "ExpertConflict",
    "ExpertProfile",
    "InsurancePolicy",
    "IntentionStatus",
    "Locale",
    "Membership",
    "Objection",
    "ObjectionStatus",
    "Organization",
    "OrganizationKind",
    "OutboxCursor",
    "OutboxEvent",
    "ProductType",
    "ProjectStage",
    "PurchaseIntention",
    "Recommendation",
    "Review",
    "ReviewAssignment",
    "ReviewStatus",
    "Roadshow",
    "RoadshowSlot",
    "RoadshowStatus",
    "Role",
    "RubricCriterion",
    "SigningKey",
    "TechnicalLevel",
    "User",
    "UserSession",
]
