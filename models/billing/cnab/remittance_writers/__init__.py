"""Each bank's remessa writers, one module per bank and layout (found by discovery)."""
