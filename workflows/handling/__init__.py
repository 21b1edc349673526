"""Working a case: the operators' task actions, their queues, and the case row kept in step with the workflow."""
