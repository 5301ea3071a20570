"""The client layer: clients, futures and the session machinery, on the one request pipeline."""
