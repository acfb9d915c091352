"""Alert followers: alerts derived from the log and source health, delivered to targets."""
