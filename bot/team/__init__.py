"""The people: members and the acting Actor, who may change whom and the record of it (changes),
the team config.toml seeds and how each start reconciles it (roster), assignment by open rules
(rules), offers that can be accepted, declined or expire (offers, assignment), and many deals at
once (batch)."""
