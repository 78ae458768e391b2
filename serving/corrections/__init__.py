"""Agents' decisions as training data: corrections, the maintainers' review of disputed ones, their export,
and the candidate model's shadow predictions beside the current model's."""
