"""The commands of ``tinker``, one module per command group, each imported when its command runs."""
