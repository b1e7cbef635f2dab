"""Which column of a file is which field: oppbot's own names (what `/opp export` writes), their
Chinese names, the layouts of Salesforce's and HubSpot's exports (``--from``), and a mapping file
(``--map map.toml``) that names columns, foreign stages and owners:

    [columns]                 # their header = our column
    "Opportunity Name" = "title"
    [stages]                  # their stage = our stage key, or won / lost
    "Discovery" = "needs"
    "Closed - Won" = "won"
    [owners]                  # their owner = a Slack id, email or display name of a member
    "Jane Doe" = "U0123ABCD"
    "005A0000001abcd" = "jane@example.com"

Headers are compared without regard to case, spaces or underscores."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.core.config import Config
from bot.reporting.export import CSV_COLUMNS, READ_ONLY, qualification_column

NOTES = ("budget", "authority", "need", "timing")  # the BANT notes (text), beside the answers
# What "won" or "lost" in a stage column, a status column or a mapping means
STATUS_WORDS = {
    "open": "open",
    "进行中": "open",
    "跟进中": "open",
    "won": "won",
    "赢单": "won",
    "成交": "won",
    "已成交": "won",
    "closed won": "won",
    "lost": "lost",
    "输单": "lost",
    "丢单": "lost",
    "closed lost": "lost",
}
ALIASES = {
    "external_id": ("外部编号", "外部id", "原系统编号"),
    "number": ("编号", "商机编号"),
    "title": ("标题", "商机名称", "商机"),
    "account": ("客户", "客户名称", "公司"),
    "contact": ("联系人",),
    "amount": ("金额", "商机金额"),
    "currency": ("币种", "货币"),
    "stage": ("阶段", "销售阶段"),
    "status": ("状态",),
    "created_at": ("创建时间", "创建日期"),
    "stage_entered_at": ("进入阶段时间",),
    "closed_at": ("关闭时间", "成交日期", "结束时间"),
    "last_activity_at": ("最近活动", "最近活动时间"),
    "expected_close": ("预计成交", "预计成交日期", "预计签约日期"),
    "owner": ("负责人", "销售", "所有人", "归属人"),
    "source": ("来源", "线索来源"),
    "industry": ("行业",),
    "region": ("区域", "地区"),
    "tags": ("标签",),
    "next_step": ("下一步",),
    "next_step_due": ("下一步截止", "下一步日期"),
    "won_reason": ("赢单原因",),
    "lost_reason": ("输单原因", "丢单原因"),
    "win_probability": ("赢率",),
    "probability_override": ("手动赢率",),
    "strategic": ("战略客户",),
    "pinned_grade": ("固定等级",),
    "grade": ("等级",),
    "score": ("评分",),
}


@dataclass(frozen=True)
class Layout:
    """A source system's export: its headers' fields, what its stages mean, and the headers whose
    values are yes/no flags (closed, won) instead of a status."""

    name: str
    columns: dict[str, str]
    stages: dict[str, str] = field(default_factory=dict)


# Their stage -> one of ours (used when the workspace has it) or won / lost. Our stages by default:
# lead, contacted, needs, proposal, tech_review, negotiation, contract.
SALESFORCE = Layout(
    "salesforce",
    {
        "Id": "external_id",
        "Opportunity ID": "external_id",
        "Name": "title",
        "Opportunity Name": "title",
        "Account Name": "account",
        "StageName": "stage",
        "Stage": "stage",
        "Amount": "amount",
        "CurrencyIsoCode": "currency",
        "Opportunity Currency": "currency",
        "CloseDate": "close_date",
        "Close Date": "close_date",
        "CreatedDate": "created_at",
        "Created Date": "created_at",
        "IsClosed": "is_closed",
        "Closed": "is_closed",
        "IsWon": "is_won",
        "Won": "is_won",
        "OwnerId": "owner",
        "Opportunity Owner": "owner",
        "Owner Name": "owner",
        "Probability": "win_probability",
        "Probability (%)": "win_probability",
        "LeadSource": "source",
        "Lead Source": "source",
        "NextStep": "next_step",
        "Next Step": "next_step",
        "Type": "tags",
        "LastActivityDate": "last_activity_at",
        "Last Activity": "last_activity_at",
    },
    {
        "prospecting": "lead",
        "qualification": "contacted",
        "needs analysis": "needs",
        "value proposition": "proposal",
        "id. decision makers": "proposal",
        "perception analysis": "tech_review",
        "proposal/price quote": "proposal",
        "negotiation/review": "negotiation",
        "closed won": "won",
        "closed lost": "lost",
    },
)
HUBSPOT = Layout(
    "hubspot",
    {
        "Record ID": "external_id",
        "Deal ID": "external_id",
        "Deal Name": "title",
        "Associated Company": "account",
        "Associated Company (Primary)": "account",
        "Deal Stage": "stage",
        "Amount": "amount",
        "Currency": "currency",
        "Close Date": "close_date",
        "Create Date": "created_at",
        "Deal owner": "owner",
        "Pipeline": "tags",
        "Deal Type": "tags",
        "Last Activity Date": "last_activity_at",
        "Closed Lost Reason": "lost_reason",
        "Closed Won Reason": "won_reason",
        "Next step": "next_step",
        "Deal probability": "win_probability",
    },
    {
        "appointmentscheduled": "contacted",
        "appointment scheduled": "contacted",
        "qualifiedtobuy": "needs",
        "qualified to buy": "needs",
        "presentationscheduled": "proposal",
        "presentation scheduled": "proposal",
        "decisionmakerboughtin": "negotiation",
        "decision maker bought-in": "negotiation",
        "contractsent": "contract",
        "contract sent": "contract",
        "closedwon": "won",
        "closed won": "won",
        "closedlost": "lost",
        "closed lost": "lost",
    },
)
LAYOUTS = {layout.name: layout for layout in (SALESFORCE, HUBSPOT)}
# fields only a layout has: a close date that is the closing day of a closed deal and the expected
# one of an open deal, and yes/no flags for closed and won
LAYOUT_FIELDS = ("close_date", "is_closed", "is_won")


class BadLayout(Exception):
    """The header or the mapping file can't be used; ``problems`` says why, a line each."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Mapping:
    """What a file's words mean here: its headers, its stages and its owners (all compared folded)."""

    columns: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    owners: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=4096)  # a file repeats its statuses, stages and owners
def fold(text: str) -> str:
    """A header or a value as compared: case, spaces and underscores aside."""
    return re.sub(r"[\s_]+", " ", str(text)).strip().casefold()


def read_mapping(path: Path | None, layout: Layout | None, config: Config) -> Mapping:
    """The mapping: the layout's, with the mapping file's entries over it."""
    mapping = Mapping(
        {fold(k): v for k, v in layout.columns.items()} if layout else {},
        {fold(k): v for k, v in layout.stages.items() if v in STATUS_WORDS or v in {s.key for s in config.stages}} if layout else {},
    )
    if path is None:
        return mapping
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise BadLayout([f"--map {path}: can't open it ({exc.strerror or exc.__class__.__name__})"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BadLayout([f"--map {path}: not a TOML file ({exc})"]) from None
    problems = [f"--map {path}: unknown section [{name}] (sections: columns, stages, owners)" for name in raw if name not in ("columns", "stages", "owners")]
    for name in ("columns", "stages", "owners"):
        table = raw.get(name, {})
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            problems.append(f'--map {path}: [{name}] must hold text values, e.g. "their name" = "ours"')
            continue
        for theirs, ours in table.items():
            if name == "columns" and ours not in known_columns(config):
                problems.append(f"--map {path}: [columns] {theirs!r} = {ours!r}: no column {ours!r} (columns: {', '.join(known_columns(config))})")
            elif name == "stages" and ours.casefold() not in STATUS_WORDS and config.find_stage(ours) is None:
                problems.append(
                    f"--map {path}: [stages] {theirs!r} = {ours!r}: no stage {ours!r} (stages: {', '.join(s.key for s in config.stages)}, won, lost)"
                )
            else:
                getattr(mapping, name)[fold(theirs)] = ours
    if problems:
        raise BadLayout(problems)
    return mapping


def known_columns(config: Config) -> list[str]:
    return [*CSV_COLUMNS(config), "probability_override", *LAYOUT_FIELDS]


def resolve(headers: list[str], config: Config, mapping: Mapping, *, layout: Layout | None) -> tuple[dict[int, str], list[str]]:
    """{position: field} for the headers that name a field, and the headers that name none. A
    header named twice, or a file without a title column, is refused (BadLayout)."""
    names = {fold(c): c for c in known_columns(config)}
    for canonical, words in ALIASES.items():
        names.update({fold(w): canonical for w in words})
    for criterion in config.qualification.criteria:  # a criterion's names, where no other column has them
        for word in (criterion.names.get("zh"), criterion.names.get("en")):
            if word and fold(word) not in names:
                names[fold(word)] = qualification_column(criterion.key)
    names.update(mapping.columns)
    fields: dict[int, str] = {}
    unread, problems = [], []
    for position, header in enumerate(headers):
        name = names.get(fold(header))
        if name is None:
            if header:
                unread.append(header)
        elif name in fields.values():
            problems.append(f"two columns are {name!r} (the second: {header!r}); keep one, or name one in --map [columns]")
        else:
            fields[position] = name
    if "title" not in fields.values():
        problems.insert(0, "needs a header row with a title column (title, 标题" + (", or the title's column named in --map [columns])" if layout else ")"))
    if unread and layout is None:  # oppbot's own layout: a header it doesn't know is a mistake, not extra data
        problems += [f"unknown column {h!r} (columns: {', '.join(c for c in CSV_COLUMNS(config) if c not in READ_ONLY)})" for h in unread]
    if problems:
        raise BadLayout(problems)
    return fields, unread
