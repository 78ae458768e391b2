"""Per-leaf auto-dispatch: leaves whose threshold the model's confidence meets are dispatched without waiting."""
