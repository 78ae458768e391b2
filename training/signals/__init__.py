"""Training and evaluating the learned urgency and risk flags and the multi-issue boundary model
(`jiesu signals train|eval`); what serves them is model/signals."""
