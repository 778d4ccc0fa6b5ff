import FedBotLab
import Foundation
import Testing

/// The lab's small internet (`LabOptions(internet: true)`): what the `!fed check` tests stand on.
@Suite
struct LabInternetTests {
    @Test("lab --internet: the case table in LabInfo, every probe from outside passes, B still federates, nothing left")
    func smallInternet() async throws {
        let directory = try await Lab.with(LabOptions(internet: true)) { lab in
            let net = try #require(lab.info.internet)
            #expect(net.zone == "lab.test")
            #expect(net.allowRanges == ["127.0.0.0/8", "::1/128"])
            #expect(net.subnet.hasPrefix("127.") && net.subnet.hasSuffix(".0/24"))
            #expect(net.dnsHostPort?.host == "127.0.0.1")
            #expect(FileManager.default.fileExists(atPath: net.caFile))
            #expect(net.cases.count >= 29)
            for verdict in LabVerdict.allCases {
                #expect(net.cases.contains { $0.verdict == verdict }, "no \(verdict) case")
            }
            #expect(net.cases.allSatisfy { ($0.check == nil) == ($0.verdict == .green) })
            let b = try #require(net.testCase(lab.info.b.serverName))
            #expect(b.verdict == .green)
            #expect(net.testCase("expired.lab.test")?.check == "certificate")

            let check = try await lab.internetCheck()
            #expect(check.ok, "failed probes: \(check.results.filter { !$0.ok })")
            #expect(check.results.count >= 14)
            print("internet-check:", check.results.map { "\($0.check) \($0.elapsed)s" }.joined(separator: ", "))

            // B's certificate from the lab CA changes nothing for A (it does not verify federation certificates).
            try await lab.traffic()
            let healthy = try await lab.waitHealthy(timeout: .seconds(30), nudge: true)
            #expect(!healthy.failing)
            return lab.directory
        }
        #expect(Lab.processes(mentioning: directory).isEmpty)
    }
}
