"""Administration: users and their roles, the organisation tree, importing users from CSV, and the log of
every administrator's action (`admin_event`)."""
