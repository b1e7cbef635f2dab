"""Validation of Slack payloads for tests.

Two independent checks run on every block: ``slack_sdk.models`` (the limits
slack_sdk knows about, and whether it understands every field) and the Block Kit
JSON Schema in ``tests/data/block-kit.schema.json`` (see ``tests/data/README.md``).
They catch different mistakes, so both must pass.

    assert_valid_blocks(blocks)              # message blocks
    assert_valid_view(view)                  # views.open / update / push / publish
    assert_valid_message(payload)            # chat.postMessage / chat.update / response_url / ack body
    assert_valid_call(call)                  # any FakeSlack Call; ignores methods without a payload

Every failure is an AssertionError that lists each problem with its location,
e.g. ``blocks[3] (section): slack_sdk: text attribute cannot exceed 3000 characters``
or ``blocks[0].elements[0].text.type: schema: 'plain_text' was expected``.
"""

from __future__ import annotations

import functools
import json
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

__all__ = [
    "SCHEMA_PATH",
    "MAX_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "assert_valid_blocks",
    "assert_valid_view",
    "assert_valid_message",
    "assert_valid_call",
]

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "block-kit.schema.json"

MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_MESSAGE_TEXT = 40_000

# Methods whose arguments are a message payload (text / blocks).
MESSAGE_METHODS = frozenset(
    {
        "chat.postMessage",
        "chat.postEphemeral",
        "chat.update",
        "chat.scheduleMessage",
        "chat.meMessage",
        "response_url",
    }
)
VIEW_METHODS = frozenset({"views.open", "views.update", "views.push", "views.publish"})

_MAX_MESSAGE_LEN = 300  # per reported problem


# --------------------------------------------------------------------------- schema


@functools.cache
def _schema() -> dict:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return schema


@functools.cache
def _validator(definition: str | None = None) -> Draft202012Validator:
    """The validator for the root (a blocks array) or for ``$defs/<definition>``."""
    schema = _schema()
    if definition is not None:
        if definition not in schema["$defs"]:
            raise KeyError(f"{SCHEMA_PATH.name} has no $defs/{definition}")
        schema = {
            "$schema": schema["$schema"],
            "$ref": f"#/$defs/{definition}",
            "$defs": schema["$defs"],
        }
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _format_path(root: str, path: Iterable[Any]) -> str:
    out = root
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _shorten(text: str, limit: int = _MAX_MESSAGE_LEN) -> str:
    return text if len(text) <= limit else text[: limit - 15] + f"... ({len(text)} chars)"


def _is_discriminator_mismatch(error: ValidationError) -> bool:
    return error.validator == "const" and list(error.relative_path) == ["type"]


def _explain(error: ValidationError) -> Iterator[tuple[list, str]]:
    """Turn a schema error into (absolute path, message) pairs that point at the real cause.

    Blocks, elements and composition objects are unions (``oneOf``) keyed on
    ``type``; jsonschema reports those as "not valid under any of the given
    schemas". Follow the branch whose ``type`` matches instead.
    """
    path = list(error.absolute_path)
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        instance = error.instance
        discriminated = any(_is_discriminator_mismatch(e) for e in error.context)
        if discriminated and isinstance(instance, dict):
            matching = [errs for errs in branches.values() if not any(_is_discriminator_mismatch(e) for e in errs)]
            if not matching:
                allowed = sorted({str(e.validator_value) for e in error.context if _is_discriminator_mismatch(e)})
                kind = instance.get("type")
                what = f"unknown type {kind!r}" if "type" in instance else "'type' is missing"
                yield path, f"{what}; allowed here: {', '.join(allowed)}"
                return
            for errs in matching:
                for sub in errs:
                    yield from _explain(sub)
            return
        if len(branches) > 1 and all(e.validator == "required" for e in error.context):
            needed = " or ".join(repr(e.validator_value[0]) for e in error.context if e.validator_value)
            yield path, f"needs {needed}"
            return
        for errs in branches.values():
            for sub in errs:
                yield from _explain(sub)
        return
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in allowed)
        yield path, f"unexpected field(s) {extra}; allowed: {sorted(allowed)}"
        return
    if error.validator in ("maxLength", "minLength") and isinstance(error.instance, str):
        bound = "at most" if error.validator == "maxLength" else "at least"
        yield path, f"{len(error.instance)} chars, must be {bound} {error.validator_value}"
        return
    if error.validator in ("maxItems", "minItems") and isinstance(error.instance, list):
        bound = "at most" if error.validator == "maxItems" else "at least"
        yield path, f"{len(error.instance)} items, must be {bound} {error.validator_value}"
        return
    yield path, _shorten(error.message)


def _schema_problems(instance: Any, definition: str | None, root: str, *, skip: str | None = None) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for error in sorted(_validator(definition).iter_errors(instance), key=lambda e: list(map(str, e.absolute_path))):
        for path, message in _explain(error):
            if skip is not None and path[:1] == [skip]:
                continue
            line = f"{_format_path(root, path)}: schema: {message}"
            if line not in seen:
                seen.add(line)
                problems.append(line)
    return problems


# --------------------------------------------------------------------------- slack_sdk


def _dropped_fields(given: Any, kept: Any, path: str) -> Iterator[str]:
    """Fields of ``given`` that slack_sdk's round trip (``kept``) lost."""
    if isinstance(given, dict) and isinstance(kept, dict):
        for key, value in given.items():
            if key not in kept:
                yield f"{path}.{key}"
            else:
                yield from _dropped_fields(value, kept[key], f"{path}.{key}")
    elif isinstance(given, list) and isinstance(kept, list):
        if len(given) != len(kept):
            yield f"{path} ({len(given)} items given, {len(kept)} understood)"
        else:
            for i, (g, k) in enumerate(zip(given, kept, strict=True)):
                yield from _dropped_fields(g, k, f"{path}[{i}]")


def _sdk_block_problems(block: Any, where: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{where}: not a JSON object but {type(block).__name__}"]
    sdk_logger = logging.getLogger("slack_sdk.models")
    previous = sdk_logger.disabled
    sdk_logger.disabled = True  # unknown types are reported below, not logged
    try:
        parsed = Block.parse(block)
        if parsed is None:
            return [f"{where}: slack_sdk: unknown block type {block.get('type')!r}"]
        parsed.validate_json()
        as_dict = parsed.to_dict()
    except (SlackObjectFormationError, TypeError, ValueError, KeyError, AttributeError) as exc:
        return [f"{where}: slack_sdk: {_shorten(str(exc))}"]
    finally:
        sdk_logger.disabled = previous
    dropped = list(_dropped_fields(block, as_dict, ""))
    if dropped:
        fields = ", ".join(d.lstrip(".") for d in dropped)
        return [f"{where}: slack_sdk drops field(s) it does not accept: {fields}"]
    return []


def _load(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise AssertionError(f"{what} is a string but not JSON: {exc}") from None
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return value


def _block_problems(blocks: Any, surface: str) -> list[str]:
    if surface not in MAX_BLOCKS:
        raise ValueError(f"surface must be one of {sorted(MAX_BLOCKS)}, not {surface!r}")
    blocks = _load(blocks, "blocks")
    if not isinstance(blocks, list):
        return [f"blocks: must be a list, got {type(blocks).__name__}"]
    blocks = [_load(b, f"blocks[{i}]") for i, b in enumerate(blocks)]
    problems: list[str] = []
    limit = MAX_BLOCKS[surface]
    if len(blocks) > limit:
        problems.append(f"blocks: {len(blocks)} blocks, but a {surface} allows at most {limit}")
    for i, block in enumerate(blocks):
        kind = block.get("type") if isinstance(block, dict) else None
        where = f"blocks[{i}]" + (f" ({kind})" if kind else "")
        problems += [p.replace(_WHERE, where, 1) for p in _checked_block(_canonical(block))[0]]
    if not 1 <= len(blocks) <= 100:  # the schema's root: an array of 1 to 100 blocks
        return problems + _schema_problems(blocks, None, "blocks")
    for i, block in enumerate(blocks):  # its items, one block at a time (each block checked once per run)
        problems += [p.replace(_WHERE, f"blocks[{i}]", 1) for p in _checked_block(_canonical(block))[1]]
    return problems


_WHERE = "\0where\0"  # stands for a block's place in its list in the problems kept per block


def _canonical(block: Any) -> str:
    return json.dumps(block, sort_keys=True, ensure_ascii=False)


@functools.lru_cache(maxsize=50_000)
def _checked_block(canonical: str) -> tuple[list[str], list[str]]:
    """A block's slack_sdk problems and its schema problems (as ``$defs/block``), said of ``_WHERE``.
    The same block (a header, a footer, a deal's line) is drawn in many messages and Home tabs:
    it is checked once."""
    block = json.loads(canonical)
    return _sdk_block_problems(block, _WHERE), _schema_problems(block, "block", _WHERE)


def _fail(title: str, problems: list[str]) -> None:
    if problems:
        raise AssertionError(f"{title}:\n  - " + "\n  - ".join(problems))


# --------------------------------------------------------------------------- public API


def assert_valid_blocks(blocks: list[dict], *, surface: str = "message") -> None:
    """Assert that ``blocks`` is a valid Block Kit list for ``surface`` ("message", "modal" or "home")."""
    _fail(f"invalid Block Kit blocks for a {surface}", _block_problems(blocks, surface))


def _view_problems(view: Any) -> list[str]:
    view = _load(view, "view")
    if not isinstance(view, dict):
        return [f"view: must be an object, got {type(view).__name__}"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"view.type: must be 'modal' or 'home', got {kind!r}"]
    problems: list[str] = []
    try:
        View(**view).validate_json()
    except (SlackObjectFormationError, TypeError, ValueError) as exc:
        problems.append(f"view: slack_sdk: {_shorten(str(exc))}")
    problems += [f"view.{p}" for p in _block_problems(view.get("blocks", []), kind)]
    # Block-level schema errors are already reported above, under view.blocks: the view's own
    # fields (and its rules on which kinds of block it holds) are checked with one block of each kind.
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        one_of_each = {b.get("type") if isinstance(b, dict) else repr(b): b for b in reversed(blocks)}
        view = {**view, "blocks": list(one_of_each.values())}
    problems += _schema_problems(view, f"{kind}_view", "view", skip="blocks")
    return problems


def assert_valid_view(view: dict) -> None:
    """Assert that ``view`` is a valid modal or home tab view (the ``view`` argument of views.*)."""
    _fail("invalid view", _view_problems(view))


def _message_problems(payload: Any) -> list[str]:
    payload = _load(payload, "message")
    if not isinstance(payload, dict):
        return [f"message: must be an object, got {type(payload).__name__}"]
    if payload.get("delete_original") in (True, "true"):
        return []
    problems: list[str] = []
    text = payload.get("text")
    blocks = payload.get("blocks")
    if text is None or text == "":
        if not payload.get("attachments"):
            why = " (Slack uses it for notifications and as the fallback for blocks)" if blocks else ""
            problems.append(f"text: missing or empty{why}")
    elif not isinstance(text, str):
        problems.append(f"text: must be a string, got {type(text).__name__}")
    elif len(text) > MAX_MESSAGE_TEXT:
        problems.append(f"text: {len(text)} chars, Slack allows at most {MAX_MESSAGE_TEXT}")
    response_type = payload.get("response_type")
    if response_type is not None and response_type not in ("in_channel", "ephemeral"):
        problems.append(f"response_type: must be 'in_channel' or 'ephemeral', got {response_type!r}")
    if blocks is not None:
        problems += _block_problems(blocks, "message")
    return problems


def assert_valid_message(payload: dict) -> None:
    """Assert that a message payload (chat.postMessage / chat.update / response_url / ack body) is valid.

    ``text`` is required (non-empty, at most 40,000 chars) even when blocks are
    given; it may be left out only for attachment-only messages and for
    ``{"delete_original": true}``.
    """
    _fail("invalid message", _message_problems(payload))


def assert_valid_call(call: Any) -> None:
    """Validate the payload of a recorded FakeSlack ``Call``.

    Message methods (chat.postMessage, chat.postEphemeral, chat.update,
    chat.scheduleMessage, chat.meMessage, response_url) are checked as messages,
    views.open / update / push / publish as views; every other method
    (chat.delete, users.info, ...) has no payload to check and is ignored.
    """
    method, args = call.method, call.args
    if method in MESSAGE_METHODS:
        problems = _message_problems(args)
    elif method in VIEW_METHODS:
        problems = _view_problems(args.get("view")) if "view" in args else ["view: missing"]
    elif method == "chat.unfurl":
        problems = _unfurl_problems(args)
    else:
        return
    _fail(f"invalid {method} call", problems)


def _unfurl_problems(args: dict) -> list[str]:
    """chat.unfurl: a message (channel + ts) or a composer's link (unfurl_id + source), and for each
    url a preview of valid message blocks."""
    problems: list[str] = []
    if not (args.get("channel") and args.get("ts")) and not (args.get("unfurl_id") and args.get("source")):
        problems.append("give channel and ts, or unfurl_id and source")
    unfurls = _load(args.get("unfurls"), "unfurls")
    if not isinstance(unfurls, dict) or not unfurls:
        return [*problems, "unfurls: missing or not an object of url -> preview"]
    for url, preview in unfurls.items():
        if not isinstance(preview, dict) or "blocks" not in preview:
            problems.append(f"unfurls[{url}]: no blocks")
            continue
        problems += [f"unfurls[{url}].{p}" for p in _block_problems(preview["blocks"], "message")]
    return problems
