"""`python -m serving.cli …` (what the maintainer page's retraining jobs run)."""
from serving.cli import main

main()
