"""The training corpus (hand-written texts, splits, import of a city's export), the demo history generator,
and — with the classifier issue — config-driven training."""
