"""Config-driven training of the dispatch classifier, and the demo corpus generator.

Empty until the corpus and classifier land (issues 3 and 4)."""
