"""The people's pages: login, the agents' workbench, the units' inbox, the supervisors' board and the maintainers'
page. Server-side HTML shells; small vanilla ES modules in static/ call the JSON APIs (no external assets)."""
