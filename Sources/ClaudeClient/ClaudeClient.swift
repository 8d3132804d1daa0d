// Placeholder: the Messages API client lands here (issue 2).
