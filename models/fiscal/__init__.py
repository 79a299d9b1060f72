"""Fiscal invoices: the NFCom (modelo 62): building, signing, SEFAZ, DANFE-COM."""
