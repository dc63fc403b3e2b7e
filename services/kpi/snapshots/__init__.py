"""Scorecards frozen as reported to a board."""
