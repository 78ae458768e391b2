"""Similar past cases: dense (encoder) and lexical (BM25) retrieval over closed tickets, and their fusion."""
