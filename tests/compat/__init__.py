"""The official tinker SDK against the local server (nox -s compat), and the report it writes."""
