"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from api.models.audit import AuditEvent
from api.models.base import Base
from api.models.organization import District, Organization, OrganizationKind
from api.models.user import Locale, Membership, Role, User, UserSession

__all__ = [
    "AuditEvent",
    "Base",
    "District",
    "Locale",
    "Membership",
    "Organization",
    "OrganizationKind",
    "Role",
    "User",
    "UserSession",
]
