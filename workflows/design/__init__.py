"""The process designers' use cases: drafts of the process bundle stored in the database (`drafts`), their
validation (`validation`), the deadlines preview and the dry run of a draft (`preview`, `dry_run`), deploying a
draft as a new version and the list and diff of versions (`versions`). Only the `designer` role may use them."""
