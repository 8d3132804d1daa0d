// Placeholder: the local mock of the Anthropic API lands here (issue 2).
