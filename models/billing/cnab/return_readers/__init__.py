"""Each bank's retorno readers, one module per bank and layout (found by discovery)."""
