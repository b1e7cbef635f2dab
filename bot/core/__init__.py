"""The ground every package stands on: config.toml and the environment, the clock, the errors a
user can cause, every sentence in Chinese and English, money and dates as people type them,
calendar periods, and the runtime a request carries (config, database, clock, date reader, and
the key that makes a request's change happen once)."""
