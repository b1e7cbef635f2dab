"""The sentences about duplicate deals (撞单) and merging, as (Chinese, English) pairs by key;
bot.core.messages joins them to the rest."""

from __future__ import annotations

DUPLICATE_MESSAGES: dict[str, tuple[str, str]] = {
    "duplicate_found": (
        "⚠️ 可能撞单：已有进行中的商机是同一客户或名称相近，尚未创建。",
        "⚠️ Possible duplicate: open deals have the same account or a very similar title. Nothing was created.",
    ),
    "duplicate_line": ("*#{number}* {title} · 负责人 <@{owner}>", "*#{number}* {title} · owner <@{owner}>"),
    "duplicate_choice": (
        "打开已有的商机；如果确实是另一个商机，点「仍然创建」（会记录下来，并通知对方负责人和其经理）。",
        "Open the existing deal; if this really is another deal, choose Create anyway (it is recorded and their owner and manager are told).",
    ),
    "duplicate_too_long": (
        "命令太长，无法放进「仍然创建」按钮；请缩短后再试。",
        "The command is too long to carry on a Create anyway button; shorten it and try again.",
    ),
    "duplicate_open": ("打开 #{number}", "Open #{number}"),
    "duplicate_create": ("仍然创建", "Create anyway"),
    "duplicate_form": (
        "可能撞单：{matches}。请在标题或客户名里写明区别；确实是另一个商机，请勾选表单底部的「仍然创建」再提交。",
        "Possible duplicate of {matches}. Make the title or account say what is different; if it really is another deal, tick Create anyway at the bottom of the form and submit again.",
    ),
    "duplicate_anyway_option": ("仍然创建：这是另一个商机", "Create anyway: this is another deal"),
    "duplicate_anyway_detail": (
        "只在提示撞单后勾选；会记录，并通知对方负责人和经理",
        "Tick after a duplicate warning: recorded; their owner and manager are told",
    ),
    "field_duplicate_ok": ("撞单", "Duplicates"),
    "duplicate_told": (
        "<@{creator}> 新建了 #{number} {title}，与你关注的 {others} 可能撞单，对方确认仍然创建。需要时可用 `/opp 合并 {number} 到 …` 合并。",
        "<@{creator}> created #{number} {title}, a possible duplicate of {others}, and confirmed it is another deal. A manager can merge them with `/opp merge {number} into …`.",
    ),
    "created_anyway": (
        "已创建 #{number}（与 {others} 撞单，已记录并通知对方）",
        "Created #{number} (a possible duplicate of {others}: recorded, and their owners told)",
    ),
    "need_merge_numbers": (
        "请给出两个商机编号，例如 `/opp 合并 12 到 15`（把 #12 并入 #15）。",
        "Give two deal numbers, e.g. `/opp merge 12 into 15` (#12 is merged into #15).",
    ),
    "bad_merge_number": (
        "「{value}」不是商机编号。请给出两个商机编号，例如 `/opp 合并 12 到 15`（把 #12 并入 #15）。",
        "“{value}” is not a deal number. Give two deal numbers, e.g. `/opp merge 12 into 15` (#12 is merged into #15).",
    ),
    "merge_same": ("不能把 #{number} 合并到它自己。", "#{number} can't be merged into itself."),
    "merge_into_merged": ("#{number} 已经并入别的商机，请合并到仍在的那个商机。", "#{number} was itself merged into another deal; merge into that one."),
    "merge_not_allowed": ("只有 #{number} 负责人的经理或管理员可以合并商机。", "Only a manager of #{number}'s owner, or an admin, can merge deals."),
    "merged": (
        "#{source} 已并入 #{target}，两者的跟进、历史和风险都保留在 #{target}。",
        "#{source} merged into #{target}; both histories, activities and risks are kept on #{target}.",
    ),
    "status_merged": ("已合并", "merged"),
    "ev_duplicate_confirmed_duplicate_of": ("确认与 {new} 撞单后仍然创建", "created it anyway as a possible duplicate of {new}"),
    "ev_duplicate_confirmed_duplicated_by": ("创建了可能与此撞单的 {new}", "created {new}, a possible duplicate of this deal"),
    "ev_duplicate_found_duplicate_of": ("导入时发现可能与 {new} 撞单", "imported it as a possible duplicate of {new}"),
    "ev_duplicate_found_duplicated_by": ("导入了可能与此撞单的 {new}", "imported {new}, a possible duplicate of this deal"),
    "ev_merged_merged_from": ("把 {new} 并入此商机", "merged {new} into this deal"),
    "ev_merged_merged_into": ("把此商机并入 {new}", "merged this deal into {new}"),
}
