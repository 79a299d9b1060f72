"""CNAB files exchanged with the banks: remessas written (remittance.py) and retornos read
(returns.py), each bank's records declared as tables of fields (layout.py).

A bank's layouts are modules of their own, found by discovery:
`remittance_writers/<bank>_<240|400>.py` registers a writer, `return_readers/<bank>_<layout>.py`
a reader.
"""
