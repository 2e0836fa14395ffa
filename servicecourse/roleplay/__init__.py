"""The role-play core (scenarios, engine, path codes, the SERVE model) and its views."""
