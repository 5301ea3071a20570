"""nox -s interop: the compat scenario with this SDK and the official ones against other Tinker servers."""
