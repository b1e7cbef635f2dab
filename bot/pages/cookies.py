"""The pages' cookies, signed (itsdangerous) so a visitor can neither forge nor alter them:

- the session: who signed in (Slack user and team), their language and name; valid for
  ``SESSION_AGE`` after sign-in;
- the sign-in state: the random ``state`` sent to Slack with the page to return to, valid for
  ``STATE_AGE``; the callback accepts Slack's answer only when its state matches it.

Each is HttpOnly and SameSite=Lax, and Secure when the pages are served over https.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

from bot.core.clock import Clock

SESSION = "oppbot_session"
STATE = "oppbot_state"
SESSION_AGE = 12 * 3600  # seconds a sign-in lasts
STATE_AGE = 600  # seconds to come back from Slack's sign-in page


@dataclass(frozen=True)
class Visitor:
    """Who signed in, as Slack's userInfo said."""

    user_id: str
    team_id: str
    lang: str
    name: str = ""


class Cookies:
    """Makes and reads the signed cookies, dated by ``clock``; ``secure``: the pages are served
    over https."""

    def __init__(self, secret: str, *, secure: bool, clock: Clock):
        signer = type("ClockSigner", (TimestampSigner,), {"get_timestamp": lambda _self: int(clock.now().timestamp())})
        self._session = URLSafeTimedSerializer(secret, salt="oppbot-session", signer=signer)
        self._state = URLSafeTimedSerializer(secret, salt="oppbot-sign-in-state", signer=signer)
        self.secure = secure

    def session(self, visitor: Visitor) -> str:
        """The Set-Cookie value of a new session."""
        return self._header(SESSION, self._session.dumps(asdict(visitor)), SESSION_AGE)

    def visitor(self, cookie_header: str | None) -> Visitor | None:
        """The signed-in visitor, or None when there is no session cookie, or it is forged, altered,
        expired or not shaped as ours."""
        data = self._load(self._session, read(cookie_header, SESSION), SESSION_AGE)
        try:
            return Visitor(**data) if isinstance(data, dict) else None
        except TypeError:
            return None

    def state(self, state: str, next_path: str) -> str:
        """The Set-Cookie value keeping a sign-in's state and the page to return to."""
        return self._header(STATE, self._state.dumps([state, next_path]), STATE_AGE)

    def sign_in_state(self, cookie_header: str | None) -> tuple[str, str] | None:
        """(state, page to return to) of the sign-in under way, or None."""
        data = self._load(self._state, read(cookie_header, STATE), STATE_AGE)
        if isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data):
            return data[0], data[1]
        return None

    def clear(self, name: str) -> str:
        return self._header(name, "", 0)

    def _header(self, name: str, value: str, max_age: int) -> str:
        return f"{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Lax" + ("; Secure" if self.secure else "")

    @staticmethod
    def _load(serializer: URLSafeTimedSerializer, value: str | None, max_age: int):
        if not value:
            return None
        try:
            return serializer.loads(value, max_age=max_age)
        except BadData:  # forged, altered or expired
            return None


def read(cookie_header: str | None, name: str) -> str | None:
    """The value of cookie ``name`` in a Cookie header; None when absent or unreadable."""
    # read pair by pair: SimpleCookie stops at the first cookie it cannot parse (another site's
    # JSON value on a shared parent domain), and every cookie after it would be lost
    for pair in (cookie_header or "").split(";"):
        key, sep, value = pair.strip().partition("=")
        if sep and key == name:
            value = value.strip()
            return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value
    return None
