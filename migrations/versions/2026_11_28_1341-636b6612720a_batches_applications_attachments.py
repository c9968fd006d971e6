"""batches applications attachments

Revision ID: 636b6612720a
Revises: a77415fc8b16
Create Date: 2026-11-28 13:41:58.034723
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "636b6612720a"
down_revision: str | None = "a77415fc8b16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batch",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("year", sa.SmallInteger(), nullable=False),
        sa.Column("sequence", sa.SmallInteger(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=300), nullable=True),
        sa.Column("fields", postgresql.ARRAY(sa.String(length=60)), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("publicity_working_days", sa.SmallInteger(), server_default="5", nullable=False),
        sa.Column(
            "reviewers_per_application", sa.SmallInteger(), server_default="5", nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "open",
                "closed",
                "reviewing",
                "deliberation",
                "publicity",
                "announced",
                "archived",
                name="batch_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("opens_at < closes_at", name=op.f("ck_batch_window_order")),
        sa.CheckConstraint(
            "publicity_working_days BETWEEN 1 AND 30", name=op.f("ck_batch_publicity_days")
        ),
        sa.CheckConstraint(
            "reviewers_per_application BETWEEN 1 AND 15", name=op.f("ck_batch_reviewers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch")),
        sa.UniqueConstraint("year", "sequence", name=op.f("uq_batch_year")),
    )
    op.create_table(
        "application",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("organization_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "returned",
                "recommended",
                "accepted",
                "rejected",
                "in_review",
                "reviewed",
                "shortlisted",
                "not_selected",
                "awarded",
                "withdrawn",
                name="application_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="draft",
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("product_name_zh", sa.String(length=200), nullable=False),
        sa.Column("product_name_en", sa.String(length=300), nullable=True),
        sa.Column("model_spec", sa.String(length=200), nullable=True),
        sa.Column("product_key", sa.String(length=420), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column(
            "product_type",
            sa.Enum(
                "complete_machine",
                "core_component",
                "control_system",
                "basic_material",
                "software",
                name="product_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "claimed_level",
            sa.Enum(
                "international_leading",
                "international_advanced",
                "domestic_leading",
                "domestic_advanced",
                name="technical_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("summary_zh", sa.Text(), nullable=True),
        sa.Column("summary_en", sa.Text(), nullable=True),
        sa.Column(
            "indicators",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "ip_rights",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column(
            "sales", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column(
            "licences", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("price_yuan", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("expected_demonstration_use", sa.Text(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "return_step",
            sa.Enum(
                "district",
                "formal",
                name="check_step",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("return_reason", sa.Text(), nullable=True),
        sa.Column("return_deadline_on", sa.Date(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["batch.id"],
            name=op.f("fk_application_batch_id_batch"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["app_user.id"],
            name=op.f("fk_application_created_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organization.id"],
            name=op.f("fk_application_organization_id_organization"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application")),
    )
    op.create_index(
        "ix_application_batch_status", "application", ["batch_id", "status"], unique=False
    )
    op.create_index(
        "ix_application_organization",
        "application",
        ["organization_id", "created_at"],
        unique=False,
    )
    op.create_index(
        "ix_application_product_key",
        "application",
        ["organization_id", "product_key"],
        unique=False,
    )
    op.create_table(
        "attachment",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "application_form",
                "test_report",
                "novelty_search",
                "licence",
                "other",
                name="attachment_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.Uuid(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_attachment_application_id_application"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"],
            ["app_user.id"],
            name=op.f("fk_attachment_uploaded_by_app_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index(
        "ix_attachment_application", "attachment", ["application_id", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_attachment_application", table_name="attachment")
    op.drop_table("attachment")
    op.drop_index("ix_application_product_key", table_name="application")
    op.drop_index("ix_application_organization", table_name="application")
    op.drop_index("ix_application_batch_status", table_name="application")
    op.drop_table("application")
    op.drop_table("batch")
