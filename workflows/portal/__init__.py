"""The petitioner's own use cases, without an account: submit a petition on the portal, follow it by case
number and query code, rate the answer, ask for review or re-review within the statutory window."""
