"""tinker-cookbook beside the official SDK and beside this one (nox -s cookbook): the environments, the runner that
compares its unit tests and runs two of its recipes against the local server, and the report it writes."""
