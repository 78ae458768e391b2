"""The durable outbox: events written in the same transaction as the change they announce."""
