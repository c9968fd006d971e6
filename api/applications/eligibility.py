"""The eligibility self-check: one verdict per rule of the program (DESIGN §1)."""

from __future__ import annotations

import unicodedata

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.applications.schemas import Eligibility, EligibilityRule
from api.attachments.service import attachment_kinds_present
from api.models import (
    Application,
    ApplicationStatus,
    AttachmentKind,
    Organization,
    TechnicalLevel,
)
from api.organizations.uscc import uscc_problem
from api.taxonomy.data import REGULATED_FIELDS

MAX_BEIJING_SALES = 3
REQUIRED_ATTACHMENTS = (
    AttachmentKind.application_form,
    AttachmentKind.test_report,
    AttachmentKind.novelty_search,
)
# Applications that still count against the "same product once" rule.
ACTIVE_STATUSES = frozenset(ApplicationStatus) - {
    ApplicationStatus.draft,
    ApplicationStatus.withdrawn,
    ApplicationStatus.rejected,
    ApplicationStatus.not_selected,
}
_ATTACHMENT_ZH = {
    AttachmentKind.application_form: "申报书",
    AttachmentKind.test_report: "检测报告",
    AttachmentKind.novelty_search: "查新报告",
}


def product_key(name_zh: str, model_spec: str | None) -> str:
    """Case-, width- and space-insensitive product identity (name + model)."""

    def norm(text: str) -> str:
        return "".join(unicodedata.normalize("NFKC", text).lower().split())

    return f"{norm(name_zh)}|{norm(model_spec or '')}"


def _rule(rule: str, passed: bool, reason: str, reason_zh: str) -> EligibilityRule:
    return EligibilityRule(rule=rule, passed=passed, reason=reason, reason_zh=reason_zh)


async def check(session: AsyncSession, application: Application) -> Eligibility:
    org = await session.get(Organization, application.organization_id)
    assert org is not None
    rules: list[EligibilityRule] = []

    missing = [
        name
        for name, value in (
            ("product_name_zh", application.product_name_zh),
            ("field", application.field),
            ("product_type", application.product_type),
            ("summary_zh", application.summary_zh),
            ("indicators", application.indicators),
        )
        if not value
    ]
    rules.append(
        _rule(
            "required_content",
            not missing,
            "All required parts are filled in."
            if not missing
            else "Missing: " + ", ".join(missing),
            "必填内容已完整。" if not missing else "尚未填写：" + "、".join(missing),
        )
    )

    in_beijing = bool(
        org.uscc
        and uscc_problem(org.uscc) is None
        and org.uscc[2:4] == "11"
        and org.district is not None
    )
    rules.append(
        _rule(
            "beijing_registration",
            in_beijing,
            "Registered in Beijing with a valid unified social credit code."
            if in_beijing
            else "The organisation needs a valid Beijing unified social credit code and district.",
            "已在北京注册，统一社会信用代码有效。"
            if in_beijing
            else "申报单位须为北京注册企业，并具有有效的统一社会信用代码和所在区。",
        )
    )

    level_ok = application.claimed_level in set(TechnicalLevel)
    rules.append(
        _rule(
            "technical_level",
            level_ok,
            "The claimed level is at least domestic advanced."
            if level_ok
            else "Claim a technical level of at least domestic advanced.",
            "申报技术水平不低于国内先进。" if level_ok else "请选择不低于国内先进的技术水平。",
        )
    )

    sold = sum(int(s.get("units", 0)) for s in application.sales if s.get("in_beijing"))
    rules.append(
        _rule(
            "beijing_sales",
            sold <= MAX_BEIJING_SALES,
            f"{sold} unit(s) sold in Beijing so far (at most {MAX_BEIJING_SALES}).",
            f"已在北京销售 {sold} 台(套)/批次（不超过 {MAX_BEIJING_SALES}）。",
        )
    )

    has_ip = bool(application.ip_rights)
    rules.append(
        _rule(
            "ip_present",
            has_ip,
            f"{len(application.ip_rights)} intellectual property right(s) listed."
            if has_ip
            else "List at least one patent or other intellectual property right.",
            f"已列出 {len(application.ip_rights)} 项知识产权。"
            if has_ip
            else "请至少列出一项专利或其他知识产权。",
        )
    )

    regulated = application.field in REGULATED_FIELDS
    licensed = not regulated or bool(application.licences)
    rules.append(
        _rule(
            "licence_present",
            licensed,
            (
                "A licence is listed for this regulated field."
                if regulated
                else "No licence is required in this field."
            )
            if licensed
            else "Products in this field need a licence (e.g. medical device registration).",
            ("已列出本领域所需的许可证。" if regulated else "本领域无需许可证。")
            if licensed
            else "本领域产品须具备相应许可证或注册证（如医疗器械注册证）。",
        )
    )

    kinds = await attachment_kinds_present(session, application.id)
    absent = [k for k in REQUIRED_ATTACHMENTS if k not in kinds]
    rules.append(
        _rule(
            "attachments_present",
            not absent,
            "The required attachments are uploaded."
            if not absent
            else "Upload: " + ", ".join(k.value for k in absent),
            "所需附件已上传。"
            if not absent
            else "请上传：" + "、".join(_ATTACHMENT_ZH[k] for k in absent),
        )
    )

    duplicates = await session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            Application.organization_id == application.organization_id,
            Application.product_key == application.product_key,
            Application.id != application.id,
            Application.status.in_(ACTIVE_STATUSES),
        )
    )
    rules.append(
        _rule(
            "no_duplicate",
            not duplicates,
            "No other active or awarded application for this product."
            if not duplicates
            else "This product (name and model) already has an active or awarded application.",
            "该产品无其他在审或已认定的申报。"
            if not duplicates
            else "该产品（名称及型号）已有在审或已认定的申报。",
        )
    )
    return Eligibility(eligible=all(r.passed for r in rules), rules=rules)
