"""Scheduling: the pure timing engine, policies, planning, check-in transitions, the sweeper."""
