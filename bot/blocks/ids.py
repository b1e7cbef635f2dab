"""Every action_id and callback_id oppbot puts in a message, a modal or the Home tab, in one place:
blocks set them, handlers listen on them, and the manifest test checks nothing is left unheard."""

from __future__ import annotations

import re
from enum import StrEnum


class Action(StrEnum):
    """The action_id of a button or menu."""

    DEAL_MOVE = "deal_move"
    DEAL_OPEN = "deal_open"
    DEAL_HISTORY = "deal_history"
    DEAL_RISK = "deal_risk"
    DEAL_EDIT = "deal_edit"
    DEAL_LOG = "deal_log"
    DEAL_CREATE_ANYWAY = "deal_create_anyway"
    REVIEW_WRITE = "review_write"
    REVIEW_SKIP = "review_skip"
    REVIEW_MEETING = "review_meeting"
    LESSONS_SIMILAR = "lessons_similar"
    ALERT_LOG = "alert_log"
    ALERT_REASSIGN = "alert_reassign"
    ALERT_LOST = "alert_lost"
    OFFER_ACCEPT = "offer_accept"
    OFFER_DECLINE = "offer_decline"
    POOL_CLAIM = "pool_claim"
    POOL_KEEP = "pool_keep"
    POOL_KEEP_APPROVE = "pool_keep_approve"
    POOL_KEEP_DECLINE = "pool_keep_decline"
    REPORT_SHARE = "report_share"
    HOME_NEW = "home_new"
    HOME_DEAL = "home_deal"
    HOME_BRIEF = "home_brief"
    HANDOVER_EDIT = "handover_edit"
    MEETING_ASSIGN = "meeting_assign"
    MEETING_DONE = "meeting_done"
    DEAL_ASK = "deal_ask"
    SUPPORT_ANSWER = "support_answer"
    HOME_PAGE_NEXT = "home_page_next"
    HOME_PAGE_PREV = "home_page_prev"


# Snooze buttons carry their days in the id (alert_snooze_1, alert_snooze_3): ids must be unique in a block.
ALERT_SNOOZE_PREFIX = "alert_snooze_"
ALERT_SNOOZE = re.compile(r"^alert_snooze_\d+$")
# A checklist's buttons, one per step not yet ticked, numbered in the id for the same reason: a
# handover's steps (value "<deal number>:<step key>"), a stage's key actions on the card
# ("<deal number>:<stage key>:<action key>").
HANDOVER_TICK_PREFIX = "handover_tick_"
HANDOVER_TICK = re.compile(r"^handover_tick_\d+$")
PLAYBOOK_TICK_PREFIX = "playbook_tick_"
PLAYBOOK_TICK = re.compile(r"^playbook_tick_\d+$")


class Form(StrEnum):
    """The callback_id of a modal."""

    NEW_DEAL = "deal_new"
    EDIT_DEAL = "deal_edit"
    LOG_ACTIVITY = "deal_log"
    REVIEW = "deal_review"
    OFFER_DECLINE = "offer_decline_form"
    HANDOVER = "handover_form"
    MEETING_ACTION = "meeting_action_form"
    SUPPORT_ASK = "support_ask_form"
    SUPPORT_ANSWER = "support_answer_form"
    LOG_MESSAGE = "log_message_form"


class Shortcut(StrEnum):
    """The callback_id of a shortcut (manifest.json declares each): on a message, or global."""

    LOG_TO_DEAL = "log_to_deal"
    DEAL_FROM_MESSAGE = "deal_from_message"
    NEW_DEAL = "new_deal"


# The deal picker of the log-a-message form: an external select whose options an options
# (block_suggestion) listener gives as the person types; picking one sends nothing by itself.
DEAL_PICK = "deal_pick"
