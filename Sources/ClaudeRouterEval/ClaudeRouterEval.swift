// Placeholder: eval fixtures, statistics and report rendering (issue 5).
