"""The people: members and the acting Actor, the team config.toml seeds, assignment by open rules
(rules), offers that can be accepted, declined or expire (offers, assignment), and many deals at
once (batch)."""
