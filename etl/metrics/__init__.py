"""Figures defined once: factors, energy, anomalies, KPIs."""
