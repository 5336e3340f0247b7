"""The ledger's record types, typed: one module per type holds its fields, its schema, what it
refers to and its rules, and `registry` lists them all (see docs/ARCHITECTURE.md)."""
