"""Matplotlib figures (Agg backend, files only): flights, and later tracks and archives."""
