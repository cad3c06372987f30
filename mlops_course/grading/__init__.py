"""Grading: the pytest plugin that scores exercises, and the runners around it."""
