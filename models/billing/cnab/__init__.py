"""CNAB files exchanged with the banks: remessas written (remittance.py) and retornos read
(returns.py), each bank's records declared as tables of fields (layout.py).

A bank's layouts are modules of their own, found by discovery: `remittances/<bank>_<240|400>.py`
registers a writer, `returns/<bank>_<240|400>.py` a reader.
"""
