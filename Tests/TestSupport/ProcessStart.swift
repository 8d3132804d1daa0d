import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starts `process` while holding a lock that every test target in this test process takes (a
/// `flock` on one path): swift-corelibs-foundation's
/// `Process.run()` crashed with a bad-pointer `memmove` inside it when several test threads
/// started children at the same moment (seen in a fresh-clone CI run). Only the start is
/// serialised; the children run, and are waited for, in parallel. Shared by GatewayTests,
/// CLITests and RouterTests through this support target. Throws what `Process.run()` throws.
package func startSerialized(_ process: Process) throws {
    let lock = open("/tmp/claude-router-tests-process-start.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o666)
    if lock >= 0 { flock(lock, LOCK_EX) }
    defer {
        if lock >= 0 {
            flock(lock, LOCK_UN)
            close(lock)
        }
    }
    try process.run()
}
