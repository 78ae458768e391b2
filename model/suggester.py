"""The trained classifier behind the service's suggester interface (`.version`, `.suggest(text, k)`)."""
from __future__ import annotations

from model.classifier import Classifier
from model.keyword import Candidate


class ClassifierSuggester:
    def __init__(self, classifier: Classifier):
        self.classifier = classifier
        self.version = f"classifier:{classifier.version}"

    def suggest(self, text: str, k: int = 3, title: str = "") -> list[Candidate]:
        """The k best leaves; the evidence says whether the model would abstain at its precision target."""
        prediction = self.classifier.predict([text], [title], k)[0]
        evidence = ("abstain",) if prediction.abstain else ()
        return [Candidate(p.leaf, p.score, p.score, evidence if rank == 0 else ())
                for rank, p in enumerate(prediction.paths)]
