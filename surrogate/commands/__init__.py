"""One module per ``surrogate`` subcommand (see :mod:`surrogate.cli`)."""
