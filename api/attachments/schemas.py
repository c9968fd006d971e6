from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from api.models import AttachmentKind


class AttachmentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: AttachmentKind
    filename: str = Field(description="The sanitised file name the download is offered under.")
    content_type: str = Field(description="The type found by the file's content.")
    size_bytes: int
    sha256: str = Field(description="Hex SHA-256 of the content.")
    created_at: datetime


# The multipart body is read as a stream by the route, so FastAPI cannot derive its schema.
UPLOAD_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "title": "AttachmentUpload",
                "required": ["kind", "file"],
                "properties": {
                    "kind": {"$ref": "#/components/schemas/AttachmentKind"},
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A PDF, PNG or JPEG file; the type is judged by content.",
                    },
                },
            }
        }
    },
}
