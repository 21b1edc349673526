"""What auditors read: a case's history and replayed states, dossiers, the case list and its exports,
the reveal log, and how cases went through each process version."""
