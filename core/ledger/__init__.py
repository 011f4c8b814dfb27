"""The double-entry ledger: chart of accounts, append-only entries and postings, balances, holds, queries."""
