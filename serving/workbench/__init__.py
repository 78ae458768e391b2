"""What the people's pages need beyond the tickets API: repeat checks and dispatch previews for the agent's draft,
the supervisor's lists and the maintainer's list of corrections."""
