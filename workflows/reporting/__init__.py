"""What leaders and supervisors read: reminder digests, KPI figures, and the cron jobs that make them."""
