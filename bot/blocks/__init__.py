"""All Block Kit: one small kit (kit.py) and the messages, modals and Home tab built with it from
view objects (views.py). Reads no database; every action_id and callback_id is in ids.py."""
