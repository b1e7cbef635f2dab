"""What a deal's fields (and its review's) may hold: the longest text each keeps and the kinds of
activity. The services refuse what does not fit; the forms set the same limits on their inputs."""

# Longest text each field keeps; longer input is refused with a message, never cut silently.
LIMITS = {
    "title": 200,
    "account": 200,
    "contact": 200,
    "next_step": 500,
    "source": 100,
    "industry": 100,
    "region": 100,
    "budget": 500,
    "authority": 500,
    "need": 500,
    "timing": 500,
    "reason": 500,
    "override": 500,
    "activity": 3000,
    # a won deal's handover to delivery
    "scope": 2000,
    "key_dates": 500,
    "notes": 2000,
    # a review (复盘) of a won or lost deal
    "competitor": 100,
    "worked": 1000,
    "didnt": 1000,
    "lesson": 1000,
}
ACTIVITY_KINDS = ("note", "call", "meeting", "email", "visit")
MAX_TAGS = 10
MAX_TAG_LENGTH = 30
