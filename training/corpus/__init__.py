"""The training corpus: hand-written complaint texts per leaf, their quality checks and the held-out splits."""
