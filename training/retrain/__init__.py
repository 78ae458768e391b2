"""Retraining on the agents' decisions: corrections as data, continue from the current model, compare, gate."""
