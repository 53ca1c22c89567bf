"""The demo county: registries and generated files."""
