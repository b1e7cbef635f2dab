"""Messages that must not be lost, queued in the same transaction as their cause (outbox); the
worker sender (bot.worker.sender) delivers them."""
