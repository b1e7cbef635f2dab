"""The sentence that explains an error a person caused, in their language, with the stages,
reasons, criteria or people it refers to. Used by the Slack error path and by the terminal."""

from __future__ import annotations

from bot.blocks.kit import esc
from bot.core.config import Config
from bot.core.errors import UserError
from bot.core.i18n import field_label, t


def error_text(err: UserError, config: Config, lang: str) -> str:
    """The sentence that explains ``err``, with the stages, reasons or criteria it refers to."""
    params = {k: esc(v) if isinstance(v, str) else v for k, v in err.params.items()}
    params.setdefault("stages", _listed(config.stages, lang))
    params.setdefault("reasons", _listed(config.won_reasons if err.key == "unknown_won_reason" else config.lost_reasons, lang))
    if "name" in err.params:
        params["name_label"] = field_label(lang, err.params["name"])
    if "status" in err.params:
        params["status_name"] = t(lang, "status_" + err.params["status"])
    if "people" in err.params:  # who may do it (bot.deals.permissions.who_may)
        params["who"] = who_text(err.params["people"], lang)
    if isinstance(err.params.get("steps"), tuple):  # a checklist's steps (a handover's, a stage's key actions)
        params["steps"] = _listed(err.params["steps"], lang)
    if "gate" in err.params:
        params["gate_name"] = config.stage(err.params["gate"]).name(lang)
    params.update(_criteria_params(err, config, lang))
    return t(lang, err.key, **params)


def _typed(item, lang: str) -> str:
    """How a stage, reason, criterion or choice is typed, for a reader of ``lang``: its Chinese
    name for a Chinese reader (预算:已批准 works), its key and name otherwise (`approved` Approved)."""
    return f"`{item.name(lang)}`" if lang == "zh" else f"`{item.key}` {item.name(lang)}"


def _listed(items, lang: str) -> str:
    return ("、" if lang == "zh" else ", ").join(_typed(item, lang) for item in items)


def _criteria_params(err: UserError, config: Config, lang: str) -> dict:
    criteria = {c.key: c for c in config.qualification.criteria}
    params = {"criteria": _listed(criteria.values(), lang)}
    if "gaps" in err.params:
        params["gaps_text"] = ", ".join(f"{criteria[k].name(lang)} {earned}/{weight}" for k, earned, weight in err.params["gaps"])
    if "criterion" in err.params:
        criterion = criteria.get(err.params["criterion"])
        params["criterion_name"] = criterion.name(lang) if criterion else esc(err.params["criterion"])
        params["choices"] = _listed(criterion.choices if criterion else criteria.values(), lang)
    return params


def who_text(people, lang: str) -> str:
    """ "its owner <@U1>, their manager <@U2>" from bot.deals.permissions.who_may pairs."""
    parts = []
    for kind, value in people:
        if kind == "consulted":
            value = "/".join(t(lang, "role_" + role) for role in value.split(","))
        parts.append(t(lang, "perm_" + kind, user=value, roles=value))
    return t(lang, "perm_join").join(parts) if parts else t(lang, "perm_nobody")
