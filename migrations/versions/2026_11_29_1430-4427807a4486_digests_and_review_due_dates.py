"""digests and review due dates: the daily e-mail digest choice, held and digested e-mails,
the batch's scoring deadline

Revision ID: 4427807a4486
Revises: 728ea68ba4aa
Create Date: 2026-11-29 14:06:55.532163
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4427807a4486"
down_revision: str | None = "728ea68ba4aa"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MAIL_STATUS_CHECK = "ck_mail_message_mail_status"


def _mail_status_check(*values: str) -> None:
    op.drop_constraint(op.f(MAIL_STATUS_CHECK), "mail_message", type_="check")
    listed = ", ".join(f"'{v}'" for v in values)
    op.create_check_constraint(op.f(MAIL_STATUS_CHECK), "mail_message", f"status IN ({listed})")


def upgrade() -> None:
    op.create_table(
        "notification_setting",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "email_delivery",
            sa.Enum(
                "immediate",
                "daily",
                name="email_delivery",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            server_default="immediate",
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["app_user.id"],
            name=op.f("fk_notification_setting_user_id_app_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_setting")),
    )
    op.add_column("batch", sa.Column("review_due_on", sa.Date(), nullable=True))
    op.add_column("mail_message", sa.Column("body", sa.Text(), nullable=True))
    op.add_column("mail_message", sa.Column("link", sa.String(length=500), nullable=True))
    op.add_column("mail_message", sa.Column("digest_id", sa.BigInteger(), nullable=True))
    op.create_index(
        "ix_mail_message_held",
        "mail_message",
        ["user_id"],
        unique=False,
        postgresql_where=sa.text("status = 'held'"),
    )
    op.create_foreign_key(
        op.f("fk_mail_message_digest_id_mail_message"),
        "mail_message",
        "mail_message",
        ["digest_id"],
        ["id"],
        ondelete="SET NULL",
    )
    _mail_status_check("pending", "sent", "failed", "held", "digested")


def downgrade() -> None:
    # Held e-mails go out on their own; digested ones count as sent.
    op.execute(
        "UPDATE mail_message SET status = 'pending', next_attempt_at = now() WHERE status = 'held'"
    )
    op.execute("UPDATE mail_message SET status = 'sent' WHERE status = 'digested'")
    _mail_status_check("pending", "sent", "failed")
    op.drop_constraint(
        op.f("fk_mail_message_digest_id_mail_message"), "mail_message", type_="foreignkey"
    )
    op.drop_index(
        "ix_mail_message_held",
        table_name="mail_message",
        postgresql_where=sa.text("status = 'held'"),
    )
    op.drop_column("mail_message", "digest_id")
    op.drop_column("mail_message", "link")
    op.drop_column("mail_message", "body")
    op.drop_column("batch", "review_due_on")
    op.drop_table("notification_setting")
