"""Reusable analysis steps that the modules teach and a city runs on its own exports."""
