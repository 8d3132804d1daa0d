print("claude-router: under construction")
