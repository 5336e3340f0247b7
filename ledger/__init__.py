"""Sou's ledger core: money, accounts, signed records, the verifiable log and its rules."""
