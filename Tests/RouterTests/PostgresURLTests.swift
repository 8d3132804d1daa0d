import Foundation
import RouterPostgres
import Testing

/// `PostgresURL` parsing: what a `postgres://` ledger argument may say, and what it may not.
@Suite("PostgreSQL URL")
struct PostgresURLTests {
    @Test("every known parameter is read; the password never appears in the description")
    func parses() throws {
        let url = try PostgresURL("postgresql://router:p%40ss@db.internal:6543/ledgers?sslmode=require&pool_size=7"
            + "&connect_timeout=2.5&schema=fleet_a&batch_records=50&batch_delay_ms=20&on_unavailable=queue&timeout=3")
        #expect(url.user == "router" && url.password == "p@ss" && url.host == "db.internal" && url.port == 6543)
        #expect(url.database == "ledgers" && url.sslMode == "require" && url.poolSize == 7 && url.schema == "fleet_a")
        #expect(url.connectTimeout == .milliseconds(2500) && url.operationTimeout == .seconds(3))
        #expect(url.queueWhenUnavailable && url.durability == .batched(maxRecords: 50, maxDelay: .milliseconds(20)))
        #expect("\(url)" == "postgres://router:***@db.internal:6543/ledgers?schema=fleet_a")
        let defaults = try PostgresURL("postgres://router@localhost/db")
        #expect(defaults.sslMode == "prefer" && defaults.poolSize == 20 && defaults.operationTimeout == .seconds(10))
    }

    @Test("a misspelt or unsupported parameter is an error naming it, not silently dropped")
    func unknownParameters() {
        for (query, named) in [("ssl_mode=require", "'ssl_mode'"), ("sslrootcert=ca.crt", "system's trust store"),
                               ("foo=1", "'foo'"), ("sslmode=require&Timeout=5", "'Timeout'")] {
            let error = #expect(throws: PostgresURLError.self, "\(query)") {
                try PostgresURL("postgres://router:secret@127.0.0.1:5432/db?\(query)")
            }
            #expect(error?.message.contains(named) == true, "\(query): \(String(describing: error))")
            #expect(error?.message.contains("known: batch_delay_ms") == true)
            #expect(!"\(String(describing: error))".contains("secret"))
        }
    }

    @Test("values out of range are errors naming the parameter")
    func badValues() {
        for (query, named) in [("sslmode=verify-full", "sslmode"), ("pool_size=0", "pool_size"), ("pool_size=abc", "pool_size"),
                               ("timeout=0", "timeout"), ("batch_records=5", "go together"), ("schema=1x", "schema"),
                               ("on_unavailable=wait", "on_unavailable")] {
            let error = #expect(throws: PostgresURLError.self, "\(query)") { try PostgresURL("postgres://r@h/db?\(query)") }
            #expect(error?.message.contains(named) == true, "\(query): \(String(describing: error))")
        }
    }
}
