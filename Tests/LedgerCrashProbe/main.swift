// Placeholder: child process for the ledger crash test (issue 4).
