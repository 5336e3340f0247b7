"""The association's side of Sou: the reserve fund and its audit (FORMATS.md §8).

Pure domain modules, without database or web: creditor references and EPC QR codes for top-ups
by bank transfer, bank statement parsers and their matching against expected movements, the
Merkle sum tree of holder balances, the signed reserve statement, and the FEC and beancount
exports of the association's accounts.
"""
