"""Serving the course on one machine: the launcher, the course's Voila server, its kernel cap."""
