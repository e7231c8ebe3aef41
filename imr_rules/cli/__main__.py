"""python -m imr_rules.cli: the same as the imr-rules command."""

from imr_rules.cli import main

main()
