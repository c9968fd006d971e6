"""The texts of every kind in zh-CN and en, and their rendering.

A message lists the things one action did to its recipient ("items"), one line each, so that an
action touching forty applications sends one message of forty lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from api.notifications.kinds import Kind

ZH = "zh-CN"
EN = "en"
LOCALES = (ZH, EN)
MISSING = {ZH: "（未注明）", EN: "(not given)"}


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    intro: str
    line: str
    # Appended to a line when the item has a value for the key.
    suffixes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str  # the inbox text: intro and lines
    text: str  # the e-mail's plain-text part


COMMON = {
    ZH: {
        "greeting": "{name}，您好：",
        "anonymous": "您好：",
        "details": "查看详情：{url}",
        "footer": "此邮件由北京市首台（套）重大技术装备平台自动发送，请勿直接回复。",
    },
    EN: {
        "greeting": "Dear {name},",
        "anonymous": "Hello,",
        "details": "Details: {url}",
        "footer": "This message was sent automatically by the Beijing First (Set) platform; "
        "please do not reply.",
    },
}

# Codes in items shown by name.
LABELS = {
    ZH: {
        "recommended": "已由区级推荐",
        "accepted": "已通过形式审查",
        "rejected": "未通过审查",
        "shortlisted": "已入围，进入公示",
        "not_selected": "未入选",
        "awarded": "已认定为首台（套）重大技术装备",
        "upheld": "异议成立",
        "dismissed": "异议不成立",
    },
    EN: {
        "recommended": "recommended by the district",
        "accepted": "accepted at the formal check",
        "rejected": "rejected",
        "shortlisted": "shortlisted; now in publicity",
        "not_selected": "not selected",
        "awarded": "awarded as First (Set) major technical equipment",
        "upheld": "the objection is upheld",
        "dismissed": "the objection is dismissed",
    },
}
TRANSLATED = ("decision", "outcome")

TEMPLATES: dict[Kind, dict[str, Template]] = {
    Kind.application_returned: {
        ZH: Template(
            "申报已退回修改",
            "以下申报已被退回，请按意见修改并在期限内重新提交：",
            "《{product}》— 意见：{reason}；重新提交截止日期：{deadline}",
        ),
        EN: Template(
            "Application returned for correction",
            "The following application was returned. Please correct it and resubmit it "
            "before the deadline:",
            "{product} — reason: {reason}; resubmit by {deadline}",
        ),
    },
    Kind.application_decision: {
        ZH: Template(
            "申报结果通知",
            "您的申报有了新的结果：",
            "《{product}》：{decision}",
            {"reason": "（理由：{reason}）", "number": "（证书编号 {number}）"},
        ),
        EN: Template(
            "A decision on your application",
            "There is a decision on your application:",
            "{product}: {decision}",
            {"reason": " (reason: {reason})", "number": " (certificate {number})"},
        ),
    },
    Kind.certificate_issued: {
        ZH: Template(
            "首台（套）证书已签发",
            "以下证书已签发：",
            "《{product}》：证书编号 {number}，有效期至 {valid_until}",
        ),
        EN: Template(
            "First (Set) certificate issued",
            "The following certificate was issued:",
            "{product}: certificate {number}, valid until {valid_until}",
        ),
    },
    Kind.certificate_revoked: {
        ZH: Template(
            "首台（套）证书已撤销",
            "以下证书已被撤销：",
            "《{product}》：证书 {number}，撤销原因：{reason}",
        ),
        EN: Template(
            "First (Set) certificate revoked",
            "The following certificate was revoked:",
            "{product}: certificate {number}, reason: {reason}",
        ),
    },
    Kind.application_submitted: {
        ZH: Template(
            "新的申报待区级审核",
            "本区有新的申报提交，请及时审核：",
            "{organization}《{product}》",
        ),
        EN: Template(
            "New application to check",
            "A new application was submitted in your district:",
            "{organization}: {product}",
        ),
    },
    Kind.application_resubmitted: {
        ZH: Template(
            "退回的申报已重新提交",
            "以下退回修改的申报已重新提交，请再次审核：",
            "{organization}《{product}》",
        ),
        EN: Template(
            "Returned application resubmitted",
            "The following returned application was corrected and resubmitted:",
            "{organization}: {product}",
        ),
    },
    Kind.assignment_new: {
        ZH: Template(
            "新的评审任务",
            "您被分配了新的评审任务：",
            "《{product}》",
        ),
        EN: Template(
            "New review assignment",
            "You have been assigned to review:",
            "{product}",
        ),
    },
    Kind.objection_filed: {
        ZH: Template(
            "收到公示异议",
            "公示期间收到新的异议，请及时处理：",
            "{reference}：《{product}》",
        ),
        EN: Template(
            "Objection filed",
            "An objection was filed during publicity:",
            "{reference}: {product}",
        ),
    },
    Kind.webhook_disabled: {
        ZH: Template(
            "Webhook 订阅已停用",
            "以下 Webhook 订阅因持续投递失败已被停用：",
            "{url}：{reason}",
        ),
        EN: Template(
            "Webhook subscription disabled",
            "The following webhook subscription kept failing and was disabled:",
            "{url}: {reason}",
        ),
    },
    Kind.objection_received: {
        ZH: Template(
            "您的异议已收到",
            "我们已收到您提交的异议，将依程序处理并告知结果：",
            "{reference}：《{product}》",
        ),
        EN: Template(
            "Your objection was received",
            "We have received your objection and will let you know the outcome:",
            "{reference}: {product}",
        ),
    },
    Kind.objection_resolved: {
        ZH: Template(
            "异议处理结果",
            "您提交的异议已处理完毕：",
            "{reference}：{outcome}",
            {"resolution": "（说明：{resolution}）"},
        ),
        EN: Template(
            "Outcome of your objection",
            "Your objection has been resolved:",
            "{reference}: {outcome}",
            {"resolution": " ({resolution})"},
        ),
    },
    Kind.correction_deadline_soon: {
        ZH: Template(
            "退回修改即将截止",
            "以下退回修改的申报即将到期，请在截止日期前修改并重新提交：",
            "《{product}》— 重新提交截止日期：{deadline}",
        ),
        EN: Template(
            "Correction deadline approaching",
            "The following returned application must be corrected and resubmitted soon:",
            "{product} — resubmit by {deadline}",
        ),
    },
    Kind.correction_deadline_passed: {
        ZH: Template(
            "退回修改已逾期",
            "以下退回修改的申报已超过重新提交截止日期，如有疑问请联系区级主管部门：",
            "《{product}》— 截止日期：{deadline}",
        ),
        EN: Template(
            "Correction deadline passed",
            "The deadline to resubmit the following returned application has passed; please "
            "contact your district office if you have questions:",
            "{product} — the deadline was {deadline}",
        ),
    },
    Kind.scoring_deadline_soon: {
        ZH: Template(
            "评审截止日期临近",
            "以下评审任务尚未提交评分，请在截止日期前完成：",
            "《{product}》— 截止日期：{deadline}",
        ),
        EN: Template(
            "Scoring deadline approaching",
            "You have not yet submitted your scores for the following applications; please "
            "submit them before the deadline:",
            "{product} — due {deadline}",
        ),
    },
    Kind.district_check_overdue: {
        ZH: Template(
            "区级审核逾期",
            "以下申报提交后超过规定期限仍未完成区级审核：",
            "{organization}《{product}》",
            {"submitted_on": "（{submitted_on} 提交，已过 {working_days} 个工作日）"},
        ),
        EN: Template(
            "District checks overdue",
            "The following applications have waited for their district check longer than allowed:",
            "{organization}: {product}",
            {"submitted_on": " (submitted {submitted_on}, {working_days} working days ago)"},
        ),
    },
}


# A day's held e-mails in one message: each one's subject, text and link in turn.
DIGEST = {
    ZH: {
        "subject": "每日通知摘要（{day}）：{count} 条",
        "intro": "以下是您选择按日汇总接收的 {count} 条通知：",
        "settings": "更改邮件接收方式：{url}",
    },
    EN: {
        "subject": "Daily digest for {day}: {count} notices",
        "intro": "Here are the {count} notices you chose to receive as a daily digest:",
        "settings": "Change how you receive e-mail: {url}",
    },
}


def locale_of(locale: str | None) -> str:
    return EN if locale == EN else ZH


class _Fields(dict[str, str]):
    """A value an item lacks shows as "not given" instead of failing the whole message."""

    def __init__(self, missing: str) -> None:
        super().__init__()
        self.missing = missing

    def __missing__(self, key: str) -> str:
        return self.missing


def _fields(item: dict[str, Any], locale: str) -> dict[str, str]:
    missing = MISSING[locale]
    fields = _Fields(missing)
    fields.update({k: missing if v is None or v == "" else str(v) for k, v in item.items()})
    for name in ("product", "organization"):
        zh, en = item.get(f"{name}_zh"), item.get(f"{name}_en")
        fields[name] = str((en if locale == EN and en else zh) or missing)
    for name in TRANSLATED:
        if name in item:
            fields[name] = LABELS[locale].get(str(item[name]), str(item[name]))
    if item.get("reason"):
        # The templates punctuate after the reason; its own full stop would double up.
        fields["reason"] = str(item["reason"]).strip().rstrip("。．.；;，,")
    return fields


def line(template: Template, item: dict[str, Any], locale: str) -> str:
    fields = _fields(item, locale)
    text = template.line.format_map(fields)
    for key, suffix in template.suffixes.items():
        if item.get(key):
            text += suffix.format_map(fields)
    return text


def _letter(locale: str, name: str | None, *parts: str) -> str:
    common = COMMON[locale]
    greeting = common["greeting"].format(name=name) if name else common["anonymous"]
    return "\n\n".join((greeting, *parts, "--\n" + common["footer"])) + "\n"


def render(
    kind: Kind, locale: str, name: str | None, items: list[dict[str, Any]], url: str
) -> Rendered:
    locale = locale_of(locale)
    template = TEMPLATES[kind][locale]
    lines = "\n".join(f"- {line(template, item, locale)}" for item in items)
    body = f"{template.intro}\n{lines}"
    text = _letter(locale, name, body, COMMON[locale]["details"].format(url=url))
    return Rendered(subject=template.subject, body=body, text=text)


@dataclass(frozen=True, slots=True)
class DigestEntry:
    subject: str
    body: str
    link: str | None


def render_digest(
    locale: str, name: str | None, day: date, entries: list[DigestEntry], settings_url: str
) -> Rendered:
    locale = locale_of(locale)
    texts = DIGEST[locale]
    details = COMMON[locale]["details"]
    count = len(entries)
    sections = [
        "\n".join((f"【{e.subject}】", e.body, *((details.format(url=e.link),) if e.link else ())))
        for e in entries
    ]
    body = "\n\n".join((texts["intro"].format(count=count), *sections))
    text = _letter(locale, name, body, texts["settings"].format(url=settings_url))
    return Rendered(
        subject=texts["subject"].format(day=day.isoformat(), count=count), body=body, text=text
    )
