"""Data layer of the energy dashboard: schema, readers, loading, metrics, demo data."""
