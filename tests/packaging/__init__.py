"""Packaging tests: the wheel in a fresh virtualenv, and the container image."""
