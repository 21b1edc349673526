"""The domain's pure rules: calendar, deadlines, organisation codes, identity normalisation, text
similarity, masking. No database, no network, no reading of the clock: callers pass what is needed."""
