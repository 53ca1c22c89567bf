"""The rooftop PV project: the pvlib model and the project's performance from data."""
