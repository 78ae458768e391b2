"""The demo history: full historical tickets composed from hand-written texts and the demo city."""
