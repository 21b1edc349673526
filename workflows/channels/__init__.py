"""Channels other than a registrar's form: systems calling the REST API with their tokens, Open311 clients,
and file imports from other platforms."""
