"""Ledgers (台账): reading, validating and highlighting spreadsheets of households, assistance and project funds."""
