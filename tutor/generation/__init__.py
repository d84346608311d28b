"""Explanations, exercises and feedback: retrieval-grounded, verified, with deterministic fallbacks."""
