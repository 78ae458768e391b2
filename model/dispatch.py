"""Dispatch advice for one complaint: likely leaves, the place, similar closed cases and the units to send it to.

One encoder pass gives both the leaf probabilities and the query vector; retrieval and location are optional
(no index yet, no gazetteer match), and the advice says what it was built from."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from catalog import Catalogue
from model.classifier import Classifier, Prediction
from model.location import LocationResolver, Resolution
from model.recommend import Place, Recommendation, UnitRecommender, place_of
from model.retrieval.cases import CaseIndex, Hit, shortlist

LEAVES_FOR_UNITS = 5
SIMILAR = 10


@dataclass(frozen=True)
class Advice:
    prediction: Prediction | None
    location: Resolution
    place: Place
    similar: tuple[Hit, ...]
    recommendation: Recommendation
    embedding: np.ndarray | None = None   # the text's pooled, L2-normalised vector from the same encoder pass

    def to_json(self, similar: int = SIMILAR) -> dict:
        return {"prediction": self.prediction.to_json() if self.prediction else None,
                "location": self.location.to_json(),
                "place": {"district": self.place.district, "street": self.place.street,
                          "community": self.place.community},
                "units": self.recommendation.to_json(),
                "similar": [h.to_json() for h in shortlist(self.similar, similar)]}


class DispatchAdvisor:
    def __init__(self, catalogue: Catalogue, classifier: Classifier | None,
                 cases: Callable[[], CaseIndex | None] = lambda: None, resolver: LocationResolver | None = None,
                 recommender: UnitRecommender | None = None, mode: str = "fusion"):
        """`cases` returns the current case index (or None): a LiveIndex in the service, a constant elsewhere."""
        self.catalogue, self.classifier, self.cases, self.mode = catalogue, classifier, cases, mode
        self.resolver = resolver or LocationResolver(catalogue.city)
        self.recommender = recommender or UnitRecommender(catalogue)

    def advise(self, text: str, title: str = "", address: str = "", district: str | None = None,
               street: str | None = None, k: int = SIMILAR) -> Advice:
        prediction, vector = None, None
        if self.classifier is not None:
            predictions, vectors = self.classifier.analyse([text], [title], LEAVES_FOR_UNITS)
            prediction, vector = predictions[0], (vectors[0] if vectors is not None else None)
        location = self.resolver.resolve(f"{title} {text}", address)
        place = place_of(location, district, street)
        leaves = [(p.leaf, p.score) for p in prediction.paths] if prediction else []
        similar = tuple(self.similar(text, title, vector, k, dict(leaves)))
        # The units' vote reads cases found by the text alone: evidence independent of the leaves it is weighed
        # against, which keeps the recommendation's confidence informative (eval/RESULTS.md, session 24).
        votes = self.similar(text, title, vector, k) if leaves else list(similar)
        return Advice(prediction, location, place, similar, self.recommender.recommend(leaves, place, votes), vector)

    def similar(self, text: str, title: str = "", vector=None, k: int = SIMILAR,
                leaves: dict[str, float] | None = None) -> list[Hit]:
        """The k most similar closed cases; `leaves` (the likely leaves' probabilities) lift cases of those leaves."""
        index = self.cases()
        if index is None or len(index) == 0:
            return []
        mode = self.mode if vector is not None else "lexical"
        return index.search(f"{title} {text}".strip(), vector, k, mode, leaves)
