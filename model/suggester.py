"""The trained classifier behind the service's suggester interface (`.version`, `.suggest(text, k)`), and the
dispatch advice (place, units, similar cases) from the same encoder pass (`.advise`)."""
from __future__ import annotations

from model.classifier import Classifier
from model.dispatch import Advice, DispatchAdvisor
from model.keyword import Candidate


class ClassifierSuggester:
    def __init__(self, classifier: Classifier, advisor: DispatchAdvisor):
        self.classifier = classifier
        self.advisor = advisor
        self.version = f"classifier:{classifier.version}"

    def suggest(self, text: str, k: int = 3, title: str = "") -> list[Candidate]:
        """The k best leaves; the evidence says whether the model would abstain at its precision target."""
        return candidates_of(self.classifier.predict([text], [title], k)[0], k)

    def advise(self, text: str, title: str = "", address: str = "", district: str | None = None,
               street: str | None = None) -> Advice:
        """Leaves, place, units and similar cases, from one encoder pass."""
        return self.advisor.advise(text, title=title, address=address, district=district, street=street)


UNTRAINED = "untrained"   # a leaf the model has not learned yet (new or split in the catalogue), scored zero-shot


def candidates_of(prediction, k: int) -> list[Candidate]:
    evidence = ("abstain",) if prediction.abstain else ()
    return [Candidate(p.leaf, p.score, p.score, (evidence if rank == 0 else ()) + (() if p.trained else (UNTRAINED,)))
            for rank, p in enumerate(prediction.paths[:k])]
