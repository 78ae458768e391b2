"""Text normalisation for the corpus checks: the classifier's own (model.text), re-exported here."""
from model.text import comparable, normalise, to_simplified

__all__ = ["comparable", "normalise", "to_simplified"]
