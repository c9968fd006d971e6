"""The kinds of notification, who they are for, and which of them nobody may switch off."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from api.models import Role

# E-mail that is not a notice: a password-reset link (api/auth/reset.py). Its text holds a
# one-time secret, so nobody reads it from the mail log: the API never shows it, and the stored
# copy loses it once the message has gone or has finally failed (mail.record).
RESET_LINK_MAIL = "password_reset"
ONE_TIME_LINK_KINDS = frozenset({RESET_LINK_MAIL})
LINK_TEXT_REMOVED = "[removed once delivered: the message held a one-time link]"


class Kind(StrEnum):
    application_returned = "application_returned"
    application_decision = "application_decision"
    certificate_issued = "certificate_issued"
    certificate_revoked = "certificate_revoked"
    application_submitted = "application_submitted"
    application_resubmitted = "application_resubmitted"
    assignment_new = "assignment_new"
    objection_filed = "objection_filed"
    webhook_disabled = "webhook_disabled"
    # Objectors have no account: e-mail only, to the address they gave.
    objection_received = "objection_received"
    objection_resolved = "objection_resolved"
    # Reminders: from dates, not events (see reminders.py).
    correction_deadline_soon = "correction_deadline_soon"
    correction_deadline_passed = "correction_deadline_passed"
    district_check_overdue = "district_check_overdue"
    scoring_deadline_soon = "scoring_deadline_soon"


@dataclass(frozen=True, slots=True)
class KindSpec:
    role: Role | None  # None: recipients without an account
    # Notices of a decision on the case, which its party must receive whatever it prefers.
    required: bool
    # Where the message links when it lists several things (a single one links to its page).
    list_path: str


SPECS: dict[Kind, KindSpec] = {
    Kind.application_returned: KindSpec(Role.applicant, True, "/applications"),
    Kind.application_decision: KindSpec(Role.applicant, True, "/applications"),
    Kind.certificate_issued: KindSpec(Role.applicant, False, "/applications"),
    Kind.certificate_revoked: KindSpec(Role.applicant, True, "/applications"),
    Kind.application_submitted: KindSpec(Role.district_officer, False, "/district/queue"),
    Kind.application_resubmitted: KindSpec(Role.district_officer, False, "/district/queue"),
    Kind.assignment_new: KindSpec(Role.expert, False, "/expert/assignments"),
    Kind.objection_filed: KindSpec(Role.admin, False, "/admin/objections"),
    Kind.webhook_disabled: KindSpec(Role.admin, False, "/admin/webhooks"),
    Kind.objection_received: KindSpec(None, True, "/publicity"),
    Kind.objection_resolved: KindSpec(None, True, "/publicity"),
    Kind.correction_deadline_soon: KindSpec(Role.applicant, False, "/applications"),
    Kind.correction_deadline_passed: KindSpec(Role.applicant, False, "/applications"),
    Kind.district_check_overdue: KindSpec(Role.admin, False, "/admin/batches"),
    Kind.scoring_deadline_soon: KindSpec(Role.expert, False, "/expert/assignments"),
}

# The kind of the e-mail that gathers a day's held messages of one recipient (not a notice of
# its own: nobody chooses its channels).
DAILY_DIGEST = "daily_digest"

ACCOUNT_KINDS = tuple(k for k, spec in SPECS.items() if spec.role is not None)


def kinds_for(roles: set[Role]) -> list[Kind]:
    return [k for k in ACCOUNT_KINDS if SPECS[k].role in roles]
