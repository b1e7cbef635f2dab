"""The raw-SQL baseline for bench/commands.py: the bare Bolt app (bench/bare_app.py) plus, for each
/opp command of the mix, the least a deal app must do with the database — who is asking, the
deal or the page of deals, the change and its history row in one transaction — as plain SQL on
the database driver (sqlite3 or psycopg, a connection per thread, no SQLAlchemy), answered with a
small card. Served by the same gunicorn set-up. Against it, what oppbot's own code costs a
request (the ORM, the rules, the checks, the full card) is measured apart from what the
database's work costs.

    python bench/floor_app.py PORT WORKERS THREADS     (DATABASE_URL: the seeded database)

It is not oppbot and keeps nothing of its rules: no permissions, duplicate check, scoring,
replay keys, alerts or Home tabs.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bare_app import bolt_app, serve  # beside this file: the bare app's set-up
from sqlalchemy.engine import make_url

URL = make_url(os.environ["DATABASE_URL"])
POSTGRES = URL.get_backend_name() == "postgresql"
PAGE = 20  # a list's page, as oppbot's
_local = threading.local()


def connection():
    """This thread's connection, in autocommit: transactions are begun and ended by hand."""
    conn = getattr(_local, "conn", None)
    if conn is None:
        if POSTGRES:
            import psycopg

            conn = psycopg.connect(URL.set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True)
        else:
            conn = sqlite3.connect(URL.database, isolation_level=None, check_same_thread=False, timeout=30)
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL"):
                conn.execute(f"PRAGMA {pragma}")
        _local.conn = conn
    return conn


def run(sql: str, params: tuple = ()):
    """``sql`` written with ``?`` placeholders, on this thread's connection; the cursor."""
    if POSTGRES:
        sql = sql.replace("?", "%s")
    return connection().execute(sql, params)


COLUMNS = "o.id, o.number, o.title, o.account, o.amount, o.currency, o.stage, o.status, o.expected_close, o.next_step, o.next_step_due, m.display_name"
DEALS = f"SELECT {COLUMNS} FROM opportunities o JOIN members m ON m.id = o.owner_id"
BEGIN = "BEGIN" if POSTGRES else "BEGIN IMMEDIATE"  # SQLite: the write lock when the transaction begins, as oppbot's
LOCKED = " FOR UPDATE" if POSTGRES else ""


def money(amount) -> str:
    return f"¥{Decimal(amount or 0):,.0f}"


def card(row) -> list[dict]:
    fields = [("Close", row[8]), ("Owner", row[11]), ("Next", f"{row[9]} ({row[10]})")]
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*#{row[1]} {row[2]}*\n{row[3] or ''} · {money(row[4])} · {row[6]} · {row[7]}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{value}"} for name, value in fields]},
        {
            "type": "actions",
            "elements": [
                {"type": "button", "text": {"type": "plain_text", "text": label}, "action_id": f"deal_{label.lower()}", "value": str(row[0])}
                for label in ("Log", "Move", "Edit")
            ],
        },
    ]


def lines(rows) -> list[dict]:
    text = "\n".join(f"*#{r[1]}* {r[2]} · {r[3] or ''} · {money(r[4])} · {r[6]} · {r[8]} · {r[11]}" for r in rows) or "No deals."
    return [{"type": "section", "text": {"type": "mrkdwn", "text": text[:3000]}}]


def page(where: str, params: tuple) -> list[dict]:
    return lines(run(f"{DEALS} WHERE o.workspace_id = ? AND o.status = 'open' AND {where} ORDER BY o.expected_close, o.number LIMIT {PAGE}", params).fetchall())


def listing(text: str, workspace: str, me: int, today: date) -> list[dict]:
    if "stage:" in text:
        return page("o.stage = ?", (workspace, text.split("stage:", 1)[1].split()[0]))
    if "overdue" in text:
        return page("o.owner_id = ? AND (o.next_step_due < ? OR o.expected_close < ?)", (workspace, me, today, today))
    if "closing" in text:
        first = today.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        return page("o.expected_close BETWEEN ? AND ?", (workspace, first, last))
    return page("o.owner_id = ?", (workspace, me))


def find(words: str, workspace: str) -> list[dict]:
    if POSTGRES:
        like = f"%{words}%"
        where, params = "(o.title ILIKE ? OR o.account ILIKE ? OR o.contact ILIKE ?)", (like, like, like)
    else:
        where, params = "o.id IN (SELECT rowid FROM opportunities_search WHERE opportunities_search MATCH ?)", ('"' + words.replace('"', '""') + '"',)
    sql = f"{DEALS} WHERE o.workspace_id = ? AND o.status = 'open' AND {where} ORDER BY o.number DESC LIMIT {PAGE}"
    return lines(run(sql, (workspace, *params)).fetchall())


def change(kind: str, words: list[str], workspace: str, me: int, now: datetime) -> int:
    """new, log or move, with its history row, in one transaction; the deal's id."""
    run(BEGIN)
    try:
        if kind == "new":
            number = run("UPDATE workspaces SET next_number = next_number + 1 WHERE id = ? RETURNING next_number - 1", (workspace,)).fetchone()[0]
            deal = run(
                "INSERT INTO opportunities (workspace_id, number, title, amount, currency, stage, status, expected_close, owner_id, creator_id, "
                "tags, created_at, updated_at, last_activity_at, stage_entered_at, version, qualification, score, grade, grade_pinned, strategic, "
                "auto_tags, playbook) VALUES (?, ?, ?, 500000, 'CNY', 'proposal', 'open', ?, ?, ?, '[]', ?, ?, ?, ?, 1, '{}', 0, 'C', ?, ?, '[]', '{}') "
                "RETURNING id",
                (workspace, number, " ".join(words[:3]), now.date() + timedelta(days=7), me, me, now, now, now, now, False, False),
            ).fetchone()[0]
            run("INSERT INTO events (opportunity_id, actor_id, at, kind) VALUES (?, ?, ?, 'created')", (deal, me, now))
        else:
            deal, stage = run(f"SELECT id, stage FROM opportunities WHERE workspace_id = ? AND number = ?{LOCKED}", (workspace, int(words[0]))).fetchone()
            if kind == "log":
                text = " ".join(words[1:])
                run("INSERT INTO activities (opportunity_id, member_id, kind, text, created_at) VALUES (?, ?, 'note', ?, ?)", (deal, me, text, now))
                run(
                    "UPDATE opportunities SET next_step = ?, last_activity_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
                    (text[-40:], now, now, deal),
                )
                run("INSERT INTO events (opportunity_id, actor_id, at, kind, field, new) VALUES (?, ?, ?, 'activity', 'note', ?)", (deal, me, now, text))
            else:
                run("UPDATE opportunities SET stage = ?, stage_entered_at = ?, updated_at = ?, version = version + 1 WHERE id = ?", (words[1], now, now, deal))
                run(
                    "INSERT INTO events (opportunity_id, actor_id, at, kind, field, old, new) VALUES (?, ?, ?, 'updated', 'stage', ?, ?)",
                    (deal, me, now, stage, words[1]),
                )
        run("COMMIT")
    except BaseException:
        run("ROLLBACK")
        raise
    return deal


app = bolt_app()


@app.command("/opp")
def opp(ack, command) -> None:
    now = datetime.now(UTC)
    workspace, (kind, *words) = command["team_id"], command["text"].split()
    me = run("SELECT id FROM members WHERE workspace_id = ? AND slack_user_id = ?", (workspace, command["user_id"])).fetchone()[0]
    if kind == "show":
        blocks = card(run(f"{DEALS} WHERE o.workspace_id = ? AND o.number = ?", (workspace, int(words[0]))).fetchone())
    elif kind == "list":
        blocks = listing(command["text"], workspace, me, now.date())
    elif kind == "find":
        blocks = find(" ".join(words), workspace)
    else:
        blocks = card(run(f"{DEALS} WHERE o.id = ?", (change(kind, words, workspace, me, now),)).fetchone())
    ack(response_type="ephemeral", text="ok", blocks=blocks)


if __name__ == "__main__":
    serve(app)
