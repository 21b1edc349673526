"""Demo data: the bureaus of a province, an account for every role, and about 200 cases driven through the
real lifecycle over the last four months, so that every stage of SPEC.md has cases to look at.

`seed.run_demo` is the entry point; `scenarios` says what paths cases take, `planner` when and where,
`simulation` drives them through the engine on a back-dated manual clock, `texts` holds the words."""
