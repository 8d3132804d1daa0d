// Placeholder: the YAML policy engine lands here (issue 3).
