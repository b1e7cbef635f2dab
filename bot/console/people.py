"""Who is in the console's workspace: names and Slack user ids both ways, each person known to the
Web API stand-in too (users.info answers for them), and typed @names turned into Slack mentions."""

from __future__ import annotations

import re

from bot.console.slack_api import FakeSlack
from bot.demo.pipeline import PEOPLE

# name -> (Slack user id, locale, real name): alice and bob (en-US), li and wang (zh-CN)
CAST = {name: (f"U0{name.upper()}", locale, real_name) for name, (locale, real_name) in PEOPLE.items()}

SPECIALS = ("here", "channel", "everyone")


def name_of(text: str) -> str:
    """The name in "@Bob and more" ("bob"); ASCII names in lower case."""
    name = text.strip().lstrip("@").split(" ")[0] if text.strip() else ""
    return name.lower() if name.isascii() else name


def escape(text: str) -> str:
    """&, < and > as Slack escapes them in text a person typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class People:
    """The people of one console session, registered with ``fake`` as they join."""

    def __init__(self, fake: FakeSlack, *, timezone: str):
        self.fake, self.timezone = fake, timezone
        self.users: dict[str, str] = {}  # name -> user id
        self.names: dict[str, str] = {}  # user id -> name
        for name, (user_id, locale, real_name) in CAST.items():
            self.add(name, user_id=user_id, locale=locale, real_name=real_name)

    def add(self, name: str, *, user_id: str | None = None, locale: str | None = None, real_name: str | None = None) -> str:
        """The user id of ``name``, who joins the workspace if new (ASCII names speak English)."""
        name = name.strip().lstrip("@")
        name = name.lower() if name.isascii() else name
        if name in self.users:
            return self.users[name]
        user_id = user_id or self._new_id(name)
        locale = locale or ("en-US" if name.isascii() else "zh-CN")
        self.fake.add_user(user_id, name=name, real_name=real_name or name, tz=self.timezone, locale=locale)
        self.users[name] = user_id
        self.names[user_id] = name
        return user_id

    def _new_id(self, name: str) -> str:
        base = "U0" + "".join(c for c in name.upper() if c.isascii() and c.isalnum())[:9]
        base = base if len(base) > 2 else "U0USER"
        user_id, n = base, 1
        while user_id in self.names:
            n += 1
            user_id = f"{base}{n}"
        return user_id

    def mention_text(self, text: str) -> str:
        """What Slack sends for typed text: @name -> <@U…|name>, and &, <, > escaped elsewhere."""
        known = sorted(self.users, key=len, reverse=True)
        names = "|".join(re.escape(n) for n in [*known, *SPECIALS])
        pattern = re.compile(r"(?<![\w@.])@(" + names + r")(?![A-Za-z0-9_-]|\.[A-Za-z0-9_])", re.IGNORECASE)
        out, pos = [], 0
        for match in pattern.finditer(text):
            out.append(escape(text[pos : match.start()]))
            name = match.group(1)
            key = name.lower() if name.isascii() else name
            out.append(f"<!{key}>" if key in SPECIALS and key not in self.users else f"<@{self.users[key]}|{key}>")
            pos = match.end()
        out.append(escape(text[pos:]))
        return "".join(out)
