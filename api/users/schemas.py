from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from api.auth.schemas import DisplayName, Email, Password, RoleGrantRead
from api.models import Locale, Role


class RoleAssignment(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    organization_id: uuid.UUID


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Email
    display_name: DisplayName
    password: Password
    locale: Locale = Locale.zh_cn
    roles: list[RoleAssignment] = []


class UserRead(BaseModel):
    id: uuid.UUID
    email: str
    display_name: str
    locale: Locale
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    roles: list[RoleGrantRead]
