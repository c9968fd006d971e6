"""Object-level access: for every route that names an object in its path, what each kind of
caller gets on a real object that is, or is not, theirs (tests/test_permissions.py checks it).

The role matrix (ACCESS in tests/test_permissions.py, BEARER_SCOPES in tests/access.py) says
which roles pass a route's gate; a caller kind that does not pass it gets 401 or 403 whatever
the object. For those that pass, the route's entry here names a rule saying who the object is
open to (`ok`), who is told it does not exist (`hidden`: 404, answered exactly as for an id that
does not exist) and who is refused outright (`forbidden`: 403). A route with a path parameter
and no entry here fails the suite.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from api.models import Role
from tests.access import BEARER_SCOPES, ROLE_ACCESS, Access


class Caller(StrEnum):
    """Who calls, relative to the fixture objects (tests/factories/permission_world.py)."""

    anonymous = "anonymous"
    applicant_own = "applicant_own"  # a member of the enterprise that owns the objects
    applicant_other = "applicant_other"  # an applicant of another enterprise
    district_own = "district_own"  # an officer of the owning enterprise's district
    district_other = "district_other"  # an officer of another district
    expert_assigned = "expert_assigned"  # attested to the batch, assigned to the application
    expert_unassigned = "expert_unassigned"  # attested to the batch, not assigned
    agency_officer = "agency_officer"
    admin = "admin"
    client_scoped = "client_scoped"  # an agency client with every scope; owns the subscription
    client_other = "client_other"  # another agency client with every scope
    client_unscoped = "client_unscoped"  # an agency client with no scope


ROLE_OF: dict[Caller, Role] = {
    Caller.applicant_own: Role.applicant,
    Caller.applicant_other: Role.applicant,
    Caller.district_own: Role.district_officer,
    Caller.district_other: Role.district_officer,
    Caller.expert_assigned: Role.expert,
    Caller.expert_unassigned: Role.expert,
    Caller.agency_officer: Role.agency_officer,
    Caller.admin: Role.admin,
}
CLIENTS = frozenset({Caller.client_scoped, Caller.client_other, Caller.client_unscoped})


class Outcome(StrEnum):
    ok = "ok"  # let through: anything but 401, 403, 404, 429 or a server error
    hidden = "hidden"  # 404, the same problem document as for an id that does not exist
    forbidden = "forbidden"  # 403
    login = "login"  # 401


def gate(route: str, access: Access, caller: Caller) -> Outcome | None:
    """What the route's role gate answers `caller`, or None when it lets the caller through."""
    if access is Access.public:
        unscoped = caller is Caller.client_unscoped and route in BEARER_SCOPES
        return Outcome.forbidden if unscoped else None
    if access is Access.agency:
        return None if caller in CLIENTS else Outcome.login
    if caller is Caller.anonymous or caller in CLIENTS:
        return Outcome.login
    if access in ROLE_ACCESS and ROLE_OF[caller] not in ROLE_ACCESS[access]:
        return Outcome.forbidden
    return None


@dataclass(frozen=True)
class Rule:
    """Who may reach an object, among the callers its route's gate lets through."""

    ok: frozenset[Caller]
    hidden: frozenset[Caller] = frozenset()
    forbidden: frozenset[Caller] = frozenset()

    def __post_init__(self) -> None:
        named = [*self.ok, *self.hidden, *self.forbidden]
        assert len(named) == len(set(named)), "a caller in two outcomes"

    def outcome(self, caller: Caller) -> Outcome | None:
        for outcome, callers in (
            (Outcome.ok, self.ok),
            (Outcome.hidden, self.hidden),
            (Outcome.forbidden, self.forbidden),
        ):
            if caller in callers:
                return outcome
        return None


def rule(
    ok: Iterable[Caller], hidden: Iterable[Caller] = (), forbidden: Iterable[Caller] = ()
) -> Rule:
    return Rule(frozenset(ok), frozenset(hidden), frozenset(forbidden))


C = Caller
SESSION_CALLERS = {c for c in Caller if c is not C.anonymous and c not in CLIENTS}
EVERYONE = rule(set(Caller))
ADMIN = rule({C.admin})
# An application's content and attachments: its enterprise, its district's officers, staff, and
# the experts assigned to review it (once they have signed the batch's statement).
APPLICATION_MATERIAL = rule(
    {C.applicant_own, C.district_own, C.agency_officer, C.admin, C.expert_assigned},
    hidden={C.applicant_other, C.district_other, C.expert_unassigned},
)
# The rest of an application's record (timeline, eligibility check): experts see none of it.
APPLICATION_RECORD = rule(
    {C.applicant_own, C.district_own, C.agency_officer, C.admin},
    hidden={C.applicant_other, C.district_other, C.expert_assigned, C.expert_unassigned},
)
OWN_ENTERPRISE = rule({C.applicant_own}, hidden={C.applicant_other})
OWN_ENTERPRISE_OR_ADMIN = rule({C.applicant_own, C.admin}, hidden={C.applicant_other})
OWN_DISTRICT = rule({C.district_own}, hidden={C.district_other})
ASSIGNED_EXPERT = rule({C.expert_assigned}, hidden={C.expert_unassigned})
ATTESTED_EXPERTS = rule({C.expert_assigned, C.expert_unassigned})
# The rubric: admins, and experts who signed the batch's statement (the entry marks the batch
# public: its own page shows anyone that it exists, so a 403 reveals nothing).
RUBRIC_READERS = rule(
    {C.admin, C.expert_assigned, C.expert_unassigned},
    forbidden=SESSION_CALLERS - {C.admin, C.expert_assigned, C.expert_unassigned},
)
OWN_ORGANIZATION = rule(
    {C.applicant_own, C.admin},
    hidden=SESSION_CALLERS - {C.applicant_own, C.admin},
)
# A notification of the enterprise's applicant: nobody else's, not even an admin's.
OWN_NOTIFICATION = rule({C.applicant_own}, hidden=SESSION_CALLERS - {C.applicant_own})
WITH_SCOPE = rule({C.client_scoped, C.client_other}, forbidden={C.client_unscoped})
OWN_CLIENT = rule({C.client_scoped}, hidden={C.client_other}, forbidden={C.client_unscoped})


Body = Mapping[str, Any] | Callable[[Mapping[str, str]], Mapping[str, Any]]


@dataclass(frozen=True)
class Entry:
    """`params` picks fixture objects for path parameters whose default would be wrong (a
    batch in publicity rather than the application's batch, say); `body` is sent as JSON, or
    `form` (with a PDF as `file`) as multipart, so that what is checked is the object and not
    the request's shape. `public` objects are shown to anyone by a public route, so a refusal
    may tell them from missing ones; `hidden` is still answered as for a missing object."""

    rule: Rule
    params: Mapping[str, str] = field(default_factory=dict)
    body: Body | None = None
    form: Body | None = None
    file: str | None = None  # the multipart part that carries a PDF
    public: bool = False


REASON = {"reason": "测试用的理由，说明清楚。"}
RESOLUTION = {"resolution": "经核查，异议所述情况不属实。"}
PROJECT = {
    "user_enterprise": "北京某集成电路制造有限公司",
    "site": "北京经济技术开发区",
    "stage": "in_demonstration",
    "starts_on": "2024-03-01",
    "ends_on": "2025-02-28",
    "expected_investment_yuan": "3500000.00",
    "public": True,
}
INTENTION = {
    "buyer": "某晶圆厂",
    "amount_yuan": "12345678.90",
    "intended_on": "2024-05-20",
    "status": "intent",
}
POLICY = {
    "insurer": "中国人民财产保险股份有限公司北京市分公司",
    "policy_number": "PICC-2024-0002",
    "premium_yuan": "75000.00",
    "premium_rate": "0.025",
    "subsidy_share": "0.80",
    "starts_on": "2024-03-01",
    "ends_on": "2027-03-01",
}


def objection_form(ids: Mapping[str, str]) -> Mapping[str, Any]:
    return {
        "application_id": ids["shortlisted_application_id"],
        "objector_name": "王五",
        "objector_email": "wangwu@example.cn",
        "statement": "该产品在北京的销售数量已超过三台，不符合申报条件。",
    }


APP = "/api/v1/applications/{application_id}"
FOLLOW_UP = "/api/v1/follow-up"
PUBLICITY_BATCH = {"batch_id": "publicity_batch_id"}

OBJECT_ACCESS: dict[str, Entry] = {
    # identity and organisations
    "GET /api/v1/organizations/{organization_id}": Entry(OWN_ORGANIZATION),
    "GET /api/v1/users/{user_id}": Entry(ADMIN),
    "PUT /api/v1/users/{user_id}/roles": Entry(ADMIN, body={"roles": []}),
    "POST /api/v1/users/{user_id}/deactivate": Entry(ADMIN),
    "POST /api/v1/users/{user_id}/revoke-sessions": Entry(ADMIN),
    # batches
    "GET /api/v1/batches/{batch_id}": Entry(EVERYONE),
    "PATCH /api/v1/batches/{batch_id}": Entry(ADMIN),
    "POST /api/v1/batches/{batch_id}/transitions/{action}": Entry(ADMIN),
    # applications
    f"GET {APP}": Entry(APPLICATION_MATERIAL),
    f"PATCH {APP}": Entry(OWN_ENTERPRISE, body={"summary_zh": "改过的简介。"}),
    f"GET {APP}/eligibility": Entry(APPLICATION_RECORD),
    f"GET {APP}/timeline": Entry(APPLICATION_RECORD),
    f"POST {APP}/submit": Entry(OWN_ENTERPRISE),
    f"POST {APP}/resubmit": Entry(OWN_ENTERPRISE),
    f"POST {APP}/withdraw": Entry(OWN_ENTERPRISE),
    f"POST {APP}/district/recommend": Entry(OWN_DISTRICT, body={}),
    f"POST {APP}/district/return": Entry(OWN_DISTRICT, body=REASON),
    f"POST {APP}/district/reject": Entry(OWN_DISTRICT, body=REASON),
    f"POST {APP}/formal/accept": Entry(ADMIN, body={}),
    f"POST {APP}/formal/return": Entry(ADMIN, body=REASON),
    f"POST {APP}/formal/reject": Entry(ADMIN, body=REASON),
    f"POST {APP}/attachments": Entry(OWN_ENTERPRISE, form={"kind": "test_report"}, file="file"),
    f"GET {APP}/attachments": Entry(APPLICATION_MATERIAL),
    f"GET {APP}/attachments/{{attachment_id}}": Entry(APPLICATION_MATERIAL),
    f"DELETE {APP}/attachments/{{attachment_id}}": Entry(OWN_ENTERPRISE),
    # calendar: years are not owned by anyone
    "GET /api/v1/calendar/years/{year}": Entry(EVERYONE),
    "PUT /api/v1/calendar/years/{year}": Entry(ADMIN),
    "DELETE /api/v1/calendar/years/{year}": Entry(ADMIN),
    # experts and assignment
    "GET /api/v1/experts/{user_id}": Entry(ADMIN),
    "PUT /api/v1/experts/{user_id}": Entry(ADMIN),
    "GET /api/v1/experts/{user_id}/conflicts": Entry(ADMIN),
    "POST /api/v1/experts/{user_id}/conflicts": Entry(ADMIN),
    "DELETE /api/v1/experts/{user_id}/conflicts/{conflict_id}": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/experts": Entry(ADMIN),
    "PUT /api/v1/batches/{batch_id}/experts/{user_id}/availability": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/review-settings": Entry(ADMIN),
    "PUT /api/v1/batches/{batch_id}/review-settings": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/rubric": Entry(RUBRIC_READERS, public=True),
    "PUT /api/v1/batches/{batch_id}/rubric": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/attestation": Entry(ATTESTED_EXPERTS),
    "POST /api/v1/batches/{batch_id}/attestation": Entry(ATTESTED_EXPERTS),
    "POST /api/v1/batches/{batch_id}/assignment-draws": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/assignment-draws": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/assignment-draws/{draw_id}": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/coverage": Entry(ADMIN),
    "POST /api/v1/assignments/{assignment_id}/remove": Entry(ADMIN),
    "POST /api/v1/expert/assignments/{assignment_id}/declare-conflict": Entry(
        ASSIGNED_EXPERT, body=REASON
    ),
    # review, results, deliberation
    "GET /api/v1/expert/assignments/{assignment_id}/review": Entry(ASSIGNED_EXPERT),
    "PUT /api/v1/expert/assignments/{assignment_id}/review": Entry(ASSIGNED_EXPERT, body={}),
    "POST /api/v1/expert/assignments/{assignment_id}/review/submit": Entry(ASSIGNED_EXPERT),
    "GET /api/v1/batches/{batch_id}/reviews": Entry(ADMIN),
    "POST /api/v1/reviews/{review_id}/reopen": Entry(ADMIN),
    "POST /api/v1/assignments/{assignment_id}/waive": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/results": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/results.csv": Entry(ADMIN),
    "GET /api/v1/batches/{batch_id}/results.xlsx": Entry(ADMIN),
    f"POST {APP}/deliberation/shortlist": Entry(ADMIN),
    f"POST {APP}/deliberation/not-select": Entry(ADMIN),
    # publicity and objections
    "GET /api/v1/publicity/{batch_id}": Entry(EVERYONE, params=PUBLICITY_BATCH),
    "POST /api/v1/publicity/{batch_id}/objections": Entry(
        EVERYONE, params=PUBLICITY_BATCH, form=objection_form, file="evidence"
    ),
    "GET /api/v1/objections/{objection_id}": Entry(ADMIN),
    "GET /api/v1/objections/{objection_id}/evidence": Entry(ADMIN),
    "POST /api/v1/objections/{objection_id}/start-review": Entry(ADMIN),
    "POST /api/v1/objections/{objection_id}/uphold": Entry(ADMIN),
    "POST /api/v1/objections/{objection_id}/dismiss": Entry(ADMIN),
    # awards, certificates, the catalogue
    "GET /api/v1/certificates/{number}": Entry(EVERYONE),
    "GET /api/v1/certificates/{number}/pdf": Entry(EVERYONE),
    "GET /api/v1/awards/{award_id}": Entry(ADMIN),
    "POST /api/v1/awards/{award_id}/revoke": Entry(ADMIN),
    "GET /api/v1/catalogue/products/{award_id}": Entry(EVERYONE),
    # roadshows (the fixture's is published)
    "GET /api/v1/roadshows/{roadshow_id}": Entry(EVERYONE),
    "GET /api/v1/roadshows/{roadshow_id}/calendar.ics": Entry(EVERYONE),
    "PATCH /api/v1/roadshows/{roadshow_id}": Entry(ADMIN),
    "DELETE /api/v1/roadshows/{roadshow_id}": Entry(ADMIN),
    "POST /api/v1/roadshows/{roadshow_id}/publish": Entry(ADMIN),
    "POST /api/v1/roadshows/{roadshow_id}/unpublish": Entry(ADMIN),
    "POST /api/v1/roadshows/{roadshow_id}/slots": Entry(ADMIN),
    "PATCH /api/v1/roadshows/{roadshow_id}/slots/{slot_id}": Entry(ADMIN),
    "DELETE /api/v1/roadshows/{roadshow_id}/slots/{slot_id}": Entry(ADMIN),
    "POST /api/v1/roadshows/{roadshow_id}/slots/{slot_id}/move": Entry(ADMIN),
    # follow-up records of the enterprise's award
    f"GET {FOLLOW_UP}/awards/{{award_id}}": Entry(OWN_ENTERPRISE_OR_ADMIN),
    f"POST {FOLLOW_UP}/awards/{{award_id}}/projects": Entry(OWN_ENTERPRISE, body=PROJECT),
    f"POST {FOLLOW_UP}/awards/{{award_id}}/intentions": Entry(OWN_ENTERPRISE, body=INTENTION),
    f"POST {FOLLOW_UP}/awards/{{award_id}}/insurance-policies": Entry(OWN_ENTERPRISE, body=POLICY),
    f"PATCH {FOLLOW_UP}/projects/{{record_id}}": Entry(
        OWN_ENTERPRISE_OR_ADMIN, params={"record_id": "project_id"}, body={"site": "亦庄"}
    ),
    f"DELETE {FOLLOW_UP}/projects/{{record_id}}": Entry(
        OWN_ENTERPRISE, params={"record_id": "project_id"}
    ),
    f"PATCH {FOLLOW_UP}/intentions/{{record_id}}": Entry(
        OWN_ENTERPRISE_OR_ADMIN, params={"record_id": "intention_id"}, body={"buyer": "另一买方"}
    ),
    f"DELETE {FOLLOW_UP}/intentions/{{record_id}}": Entry(
        OWN_ENTERPRISE, params={"record_id": "intention_id"}
    ),
    f"PATCH {FOLLOW_UP}/insurance-policies/{{record_id}}": Entry(
        OWN_ENTERPRISE_OR_ADMIN, params={"record_id": "policy_id"}, body={"insurer": "另一保险"}
    ),
    f"DELETE {FOLLOW_UP}/insurance-policies/{{record_id}}": Entry(
        OWN_ENTERPRISE, params={"record_id": "policy_id"}
    ),
    f"POST {FOLLOW_UP}/{{kind}}/{{record_id}}/verify": Entry(
        ADMIN, params={"record_id": "project_id"}
    ),
    f"POST {FOLLOW_UP}/{{kind}}/{{record_id}}/unverify": Entry(
        ADMIN, params={"record_id": "project_id"}, body=REASON
    ),
    # agency clients and their reads
    "GET /api/v1/agency/clients/{client_id}": Entry(ADMIN),
    "PATCH /api/v1/agency/clients/{client_id}": Entry(ADMIN),
    "POST /api/v1/agency/clients/{client_id}/rotate-secret": Entry(ADMIN),
    "POST /api/v1/agency/clients/{client_id}/revoke": Entry(ADMIN),
    "GET /api/v1/agency/applications/{application_id}": Entry(WITH_SCOPE),
    "GET /api/v1/agency/awards/{award_id}": Entry(WITH_SCOPE),
    # webhooks: a subscription and its deliveries belong to one client
    "GET /api/v1/webhooks/subscriptions/{subscription_id}": Entry(OWN_CLIENT),
    "PATCH /api/v1/webhooks/subscriptions/{subscription_id}": Entry(
        OWN_CLIENT, body={"events": ["batch.status_changed"]}
    ),
    "DELETE /api/v1/webhooks/subscriptions/{subscription_id}": Entry(OWN_CLIENT),
    "POST /api/v1/webhooks/subscriptions/{subscription_id}/rotate-secret": Entry(OWN_CLIENT),
    "GET /api/v1/webhooks/subscriptions/{subscription_id}/deliveries": Entry(OWN_CLIENT),
    "POST /api/v1/webhooks/deliveries/{delivery_id}/redeliver": Entry(OWN_CLIENT),
    "POST /api/v1/admin/webhooks/subscriptions/{subscription_id}/enable": Entry(ADMIN),
    "GET /api/v1/admin/webhooks/deliveries/{delivery_id}": Entry(ADMIN),
    "POST /api/v1/admin/webhooks/deliveries/{delivery_id}/redeliver": Entry(ADMIN),
    # notifications and the mail log
    "POST /api/v1/notifications/{notification_id}/read": Entry(OWN_NOTIFICATION),
    "GET /api/v1/admin/mail/{mail_id}": Entry(ADMIN),
}
