import Foundation
import Logging

/// Production transport: libcurl's multi interface driven by one event-loop thread.
///
/// Placeholder signature; the transport work replaces the body.
final class CurlTransport: HTTPTransport {
    struct Configuration: Sendable {
        /// Per-host connection cap; transfers beyond it queue inside libcurl.
        var maxConnectionsPerHost: Int = 0
        /// Allow plain `http://` (only ever to a loopback host).
        var allowInsecureLoopback: Bool = true
        init() {}
    }

    init(configuration: Configuration = .init(), logger: Logger) {}

    func execute(_ request: HTTPRequest) async throws -> (HTTPResponseHead, Data) {
        throw TransportError(kind: .other, detail: "CurlTransport not implemented yet")
    }

    func stream(_ request: HTTPRequest) async throws -> HTTPStreamingResponse {
        throw TransportError(kind: .other, detail: "CurlTransport not implemented yet")
    }

    func shutdown() {}
}
