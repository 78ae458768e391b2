"""The maintainers' model operations: the registry over HTTP (promote, roll back, shadow), retraining jobs with
progress, and reloading the served model when the registry changes."""
