"""Where data is kept: the database file, the schema, users."""
