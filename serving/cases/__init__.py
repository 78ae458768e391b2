"""Similar past cases: the closed tickets in the retrieval index, built and kept up to date from the database."""
