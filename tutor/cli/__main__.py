"""`python -m tutor.cli` runs the same command as `tutor`."""

from tutor.cli import main

main()
