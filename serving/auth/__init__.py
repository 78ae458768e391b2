"""Who is calling: API keys of people and systems, each with one role (and a unit for unit handlers)."""
