"""One module per ``glassnet`` subcommand (see :mod:`glassnet.cli`)."""
