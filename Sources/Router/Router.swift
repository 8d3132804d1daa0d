// Placeholder: routed calls, cost and the ledger land here (issue 4).
