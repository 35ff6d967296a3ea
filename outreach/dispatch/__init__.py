"""The sweeper: the periodic pass that hands due check-ins to messaging, runs follow-ups,
escalations and rep reminders, and reconciles what a crash left behind."""
