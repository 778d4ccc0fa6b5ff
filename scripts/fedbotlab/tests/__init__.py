"""Fast checks of the lab package that need no Synapse running: `scripts/check-py` runs them
(`python -m unittest discover -s scripts/fedbotlab/tests -t scripts`)."""
