"""The `/opp` command: which subcommand a person typed (English or Chinese), handed to the area
that owns it, and the answer: a reply to show, a modal to open, a reply and a modal, or a reply
with a file to upload after the answer. A subcommand typed in Chinese is answered in Chinese."""

from __future__ import annotations

from dataclasses import replace

from slack_bolt import Ack, App, BoltContext, Respond
from slack_sdk import WebClient

from bot.blocks.deals import help_reply
from bot.blocks.kit import Reply, clip
from bot.core.errors import BadInput, UserError
from bot.core.text import clean
from handlers import accounts, alerts, deals, handover, meeting, payments, qualify, reports, reviews, risks, rooms, support, targets, team
from handlers.args import NUMBER, QUOTE_LIMIT, Modal, Request, unescape
from handlers.slack_io import open_modal, upload_later

ALIASES_OF = {
    "new": ("new", "create", "add", "新建", "创建", "新增"),
    "show": ("show", "view", "查看", "详情"),
    "edit": ("edit", "编辑", "修改"),
    "list": ("list", "ls", "列表"),
    "find": ("find", "search", "查找", "搜索"),
    "move": ("move", "推进"),
    "log": ("log", "跟进", "记录"),
    "won": ("won", "win", "赢单", "成交"),
    "lost": ("lost", "lose", "输单"),
    "history": ("history", "历史"),
    "merge": ("merge", "合并"),
    "qualify": ("qualify", "bant", "评估"),
    "grade": ("grade", "评级"),
    "prob": ("prob", "probability", "概率"),
    "tag": ("tag", "tags", "标签"),
    "help": ("help", "帮助", "?", "？"),
    "risk": ("risk", "风险"),
    "remind": ("remind", "reminder", "提醒"),
    "alerts": ("alerts", "alert", "提醒设置", "通知设置"),
    "report": ("report", "reports", "报表", "报告"),
    "export": ("export", "导出"),
    "brief": ("brief", "早报"),
    "team": ("team", "团队"),
    "who": ("who", "谁负责", "职责"),
    "assign": ("assign", "分配"),
    "reassign": ("reassign", "转交", "改派"),
    "pool": ("pool", "公海"),
    "claim": ("claim", "认领"),
    "pay": ("pay", "payment", "payments", "回款"),
    "followon": ("followon", "follow-on", "追加", "二次商机"),
    "account": ("account", "customer", "客户"),
    "handover": ("handover", "交接"),
    "review": ("review", "复盘"),
    "lessons": ("lessons", "lesson", "经验", "经验库"),
    "target": ("target", "targets", "目标"),
    "forecast": ("forecast", "预测"),
    "meeting": ("meeting", "评审", "评审会"),
    "ask": ("ask", "求助"),
    "room": ("room", "群", "建群"),
}
ALIASES = {alias: name for name, aliases in ALIASES_OF.items() for alias in aliases}
SUBCOMMANDS = {
    "help": lambda req, _rest: help_reply(req.rt.config, req.lang),
    **deals.SUBCOMMANDS,
    **qualify.SUBCOMMANDS,
    **risks.SUBCOMMANDS,
    **alerts.SUBCOMMANDS,
    **reports.SUBCOMMANDS,
    **team.SUBCOMMANDS,
    **payments.SUBCOMMANDS,
    **accounts.SUBCOMMANDS,
    **handover.SUBCOMMANDS,
    **reviews.SUBCOMMANDS,
    **targets.SUBCOMMANDS,
    **meeting.SUBCOMMANDS,
    **support.SUBCOMMANDS,
    **rooms.SUBCOMMANDS,
}


def dispatch(req: Request, text: str) -> Reply | Modal:
    """Run the subcommand ``text`` starts with (a bare number shows that deal)."""
    word, _, rest = text.partition(" ")
    if not word:
        return help_reply(req.rt.config, req.lang)
    name = ALIASES.get(word.lower())
    if name is None and NUMBER.match(word):
        name, rest = "show", text
    if name is None:
        raise BadInput("unknown_subcommand", value=clip(word, QUOTE_LIMIT))
    try:
        return SUBCOMMANDS[name](req, rest.strip())
    except UserError as error:
        if isinstance(error.params.get("sub"), str):  # an example command in the answer, as the person types it
            error.params["sub"] = typed_as(error.params["sub"], req.lang)
        raise


def typed_as(name: str, lang: str) -> str:
    """The subcommand ``name`` as a person of ``lang`` types it: `查看` for show in Chinese."""
    aliases = ALIASES_OF.get(name, (name,))
    return next((alias for alias in aliases if not alias.isascii()), name) if lang == "zh" else name


def on_opp(ack: Ack, command: dict, client: WebClient, context: BoltContext, respond: Respond) -> None:
    text = clean(unescape(command.get("text") or "")).strip()  # no NUL or bidi control reaches a parser or the database
    word = text.partition(" ")[0]
    if word and not word.isascii():  # typed in Chinese: answer in Chinese (errors too)
        context["actor"] = replace(context["actor"], lang="zh")
    req = Request(context["rt"], context["actor"], command.get("channel_id"), context["fetch_profile"], client)
    outcome = dispatch(req, text)
    if isinstance(outcome, Modal):
        if outcome.reply:  # said with the form: the win that opened the handover form
            ack(response_type="ephemeral", **outcome.reply.payload())
        else:
            ack()
        open_modal(client, command["trigger_id"], outcome.view, req.lang, respond=respond)
        return
    ack(response_type="ephemeral", **outcome.payload())
    if getattr(outcome, "modal", None):  # e.g. a lost deal's review form, with the close's answer
        open_modal(client, command["trigger_id"], outcome.modal, req.lang, respond=respond)
    # a report's chart, an export's CSV: to the person's DM, after the answer
    upload_later(context, client, getattr(outcome, "upload", None), user=req.actor.slack_user_id)


def register(app: App) -> None:
    app.command("/opp")(on_opp)
