import pytest

from bot.console.slack_api import Call
from tests.slackcheck import assert_valid_blocks, assert_valid_call, assert_valid_message, assert_valid_view


def plain(text):
    return {"type": "plain_text", "text": text}


def button(**extra):
    return {"type": "button", "text": plain("Claim"), "action_id": "claim", **extra}


VALID_BLOCKS = [
    {"type": "header", "text": plain("Opportunities")},
    {
        "type": "section",
        "block_id": "opp-42",
        "text": {"type": "mrkdwn", "text": "*ACME* — 120k"},
        "accessory": button(value="42", style="primary"),
    },
    {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Owner*"}, plain("Alice")]},
    {"type": "divider"},
    {"type": "context", "elements": [{"type": "mrkdwn", "text": "Updated today"}]},
    {
        "type": "actions",
        "elements": [
            button(
                confirm={
                    "title": plain("Sure?"),
                    "text": {"type": "mrkdwn", "text": "Claim it?"},
                    "confirm": plain("Yes"),
                    "deny": plain("No"),
                }
            ),
            {
                "type": "static_select",
                "action_id": "stage",
                "placeholder": plain("Stage"),
                "options": [{"text": plain("Lead"), "value": "lead"}],
            },
            {"type": "users_select", "action_id": "owner", "placeholder": plain("Owner")},
        ],
    },
    {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "text", "text": "Hot ", "style": {"bold": True}}, {"type": "user", "user_id": "U1"}],
            }
        ],
    },
]

INPUT = {
    "type": "input",
    "block_id": "name",
    "label": plain("Name"),
    "element": {"type": "plain_text_input", "action_id": "value"},
}

VALID_MODAL = {
    "type": "modal",
    "callback_id": "new_opp",
    "title": plain("New opportunity"),
    "submit": plain("Save"),
    "close": plain("Cancel"),
    "private_metadata": "C1",
    "blocks": [INPUT, VALID_BLOCKS[1]],
}


def assert_rejected(check, *args, expect, **kwargs):
    with pytest.raises(AssertionError) as excinfo:
        check(*args, **kwargs)
    message = str(excinfo.value)
    for fragment in expect:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    return message


def test_valid_payloads_pass():
    assert_valid_blocks(VALID_BLOCKS)
    assert_valid_blocks([INPUT], surface="modal")
    assert_valid_view(VALID_MODAL)
    assert_valid_view({"type": "home", "blocks": VALID_BLOCKS})
    assert_valid_message({"text": "3 opportunities", "blocks": VALID_BLOCKS})
    assert_valid_message({"text": "Saved", "response_type": "ephemeral", "replace_original": False})
    assert_valid_message({"delete_original": True})


def test_json_string_blocks_are_accepted():
    import json

    assert_valid_message({"text": "x", "blocks": json.dumps(VALID_BLOCKS)})


def test_button_without_action_id_is_valid():
    # Slack fills in an action_id; neither slack_sdk nor the schema object.
    assert_valid_blocks([{"type": "actions", "elements": [{"type": "button", "text": plain("Go")}]}])


def test_too_many_blocks_in_a_message():
    assert_rejected(assert_valid_blocks, [{"type": "divider"}] * 51, expect=["51 blocks", "a message allows at most 50"])
    assert_valid_blocks([{"type": "divider"}] * 51, surface="modal")


def test_too_many_blocks_in_a_modal():
    view = {**VALID_MODAL, "blocks": [INPUT] + [{"type": "divider"}] * 100}
    assert_rejected(assert_valid_view, view, expect=["101 blocks", "at most 100"])


def test_section_text_over_3000_chars():
    blocks = [{"type": "divider"}, {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}]
    message = assert_rejected(
        assert_valid_blocks,
        blocks,
        expect=[
            "blocks[1] (section): slack_sdk: text attribute cannot exceed 3000 characters",
            "blocks[1].text.text: schema: 3001 chars, must be at most 3000",
        ],
    )
    assert "x" * 400 not in message  # the offending value is not dumped into the message


def test_button_text_must_be_plain_text():
    blocks = [{"type": "actions", "elements": [button(text={"type": "mrkdwn", "text": "*Claim*"})]}]
    assert_rejected(assert_valid_blocks, blocks, expect=["blocks[0].elements[0].text.type: schema: 'plain_text' was expected"])


def test_button_with_empty_action_id():
    blocks = [{"type": "actions", "elements": [button(action_id="")]}]
    assert_rejected(
        assert_valid_blocks,
        blocks,
        expect=[
            "blocks[0] (actions): slack_sdk drops field(s) it does not accept: elements[0].action_id",
            "blocks[0].elements[0].action_id: schema: 0 chars, must be at least 1",
        ],
    )


def test_button_text_over_75_chars():
    blocks = [{"type": "actions", "elements": [button(text=plain("b" * 76))]}]
    assert_rejected(
        assert_valid_blocks,
        blocks,
        expect=[
            "blocks[0] (actions): slack_sdk: text attribute cannot exceed 75 characters",
            "blocks[0].elements[0].text.text: schema: 76 chars, must be at most 75",
        ],
    )


def test_unknown_block_type():
    assert_rejected(
        assert_valid_blocks,
        [{"type": "divider"}, {"type": "sektion", "text": {"type": "mrkdwn", "text": "hi"}}],
        expect=[
            "blocks[1] (sektion): slack_sdk: unknown block type 'sektion'",
            "blocks[1]: schema: unknown type 'sektion'; allowed here: actions,",
        ],
    )


def test_unknown_element_type():
    blocks = [{"type": "actions", "elements": [{"type": "buton", "text": plain("x"), "action_id": "a"}]}]
    assert_rejected(assert_valid_blocks, blocks, expect=["blocks[0].elements[0]: schema: unknown type 'buton'"])


def test_unknown_field_is_reported():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "hi"}, "colour": "red"}]
    assert_rejected(
        assert_valid_blocks,
        blocks,
        expect=["slack_sdk drops field(s) it does not accept: colour", "unexpected field(s) ['colour']"],
    )


def test_section_without_text_or_fields():
    assert_rejected(assert_valid_blocks, [{"type": "section"}], expect=["blocks[0]: schema: needs 'text' or 'fields'"])


def test_modal_title_over_24_chars():
    view = {**VALID_MODAL, "title": plain("A very long opportunity title")}
    assert_rejected(
        assert_valid_view,
        view,
        expect=["view: slack_sdk: title must be between 1 and 24 characters", "view.title.text: schema: 29 chars"],
    )


def test_modal_with_inputs_needs_submit():
    view = {key: value for key, value in VALID_MODAL.items() if key != "submit"}
    assert_rejected(assert_valid_view, view, expect=["view: schema: 'submit' is a required property"])


def test_input_block_in_view_reports_view_path():
    view = {**VALID_MODAL, "blocks": [{**INPUT, "label": plain("L" * 2001)}]}
    assert_rejected(assert_valid_view, view, expect=["view.blocks[0] (input): slack_sdk:", "view.blocks[0].label.text"])


def test_view_type_must_be_modal_or_home():
    assert_rejected(assert_valid_view, {"type": "dialog", "blocks": []}, expect=["view.type"])


def test_message_text_required_even_with_blocks():
    assert_rejected(assert_valid_message, {"blocks": VALID_BLOCKS}, expect=["text: missing or empty", "fallback"])
    assert_rejected(assert_valid_message, {"text": ""}, expect=["text: missing or empty"])
    assert_rejected(assert_valid_message, {"text": "x" * 40_001}, expect=["text: 40001 chars"])
    assert_valid_message({"text": "x" * 40_000})


def test_message_blocks_are_checked():
    assert_rejected(assert_valid_message, {"text": "hi", "blocks": [{"type": "nope"}]}, expect=["blocks[0] (nope)"])


def test_assert_valid_call_dispatch():
    assert_valid_call(Call("chat.delete", {"channel": "C1", "ts": "1.2"}, 0.0))
    assert_valid_call(Call("users.info", {"user": "U1"}, 0.0))
    assert_valid_call(Call("views.open", {"trigger_id": "t", "view": VALID_MODAL}, 0.0))
    assert_rejected(
        assert_valid_call,
        Call("chat.postMessage", {"channel": "C1", "blocks": VALID_BLOCKS}, 0.0),
        expect=["invalid chat.postMessage call", "text: missing"],
    )
    assert_rejected(
        assert_valid_call,
        Call("response_url", {"text": "x", "blocks": [{"type": "divider"}] * 51, "_key": "r"}, 0.0),
        expect=["invalid response_url call", "51 blocks"],
    )
    assert_rejected(
        assert_valid_call,
        Call("views.publish", {"user_id": "U1", "view": {"type": "home", "blocks": [{"type": "bogus"}]}}, 0.0),
        expect=["invalid views.publish call", "view.blocks[0] (bogus)"],
    )
