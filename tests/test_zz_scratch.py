import json
from tests.conftest import payload_text

def test_explore(slack, fake, db):
    r = slack.command("alice", "new Acme ERP rollout 50万 close 下周五 stage proposal")
    print(r.status, r.body[:3000])
    d = db.deal(1)
    print(d.title, d.amount, d.currency, d.expected_close, d.stage)
    r = slack.command("alice", "")
    print(r.text)
    r = slack.command("li", "list")
    print(r.text)
    r = slack.command("alice", "new")
    print(fake.calls())
    r = slack.click("alice", "deal_move", selected="1:negotiation")
    print(r.status, r.body)
    print(slack.responses())
    assert 0
