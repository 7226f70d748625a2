"""Browse, filter and fetch Rucio data from a notebook."""

__version__ = "0.1.0"
