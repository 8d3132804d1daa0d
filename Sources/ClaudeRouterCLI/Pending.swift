/// Commands whose engine has not been merged into this build yet fail with this clear error
/// (exit 70) instead of pretending to work.
func notYetAvailable(_ what: String, needs module: String) -> CLIError {
    CLIError("error: \(what) needs \(module), which is not in this build yet", status: .failure)
}
