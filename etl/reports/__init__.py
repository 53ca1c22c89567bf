"""What leaves the app: downloads and the KPI reports."""
