"""The beat schedule, in one place, by dotted task name."""
