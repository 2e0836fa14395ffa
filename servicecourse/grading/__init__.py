"""Grading learner hand-ins: the sandbox their code runs in, and the answers read as data."""
