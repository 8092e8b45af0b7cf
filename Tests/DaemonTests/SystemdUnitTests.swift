import TestSupport
import Foundation
import Testing

/// The shipped units pass `systemd-analyze verify` (ExecStart pointed at the built ferd, since
/// verify checks that the binary exists) and keep the settings the issue requires.
@Suite struct SystemdUnitTests {
    static let analyze = "/usr/bin/systemd-analyze"

    @Test(arguments: ["ferd.service", "ferd@.service"])
    func unitVerifies(name: String) throws {
        let text = try String(contentsOf: ConfigTests.repoRoot.appendingPathComponent("systemd/\(name)"), encoding: .utf8)
        for line in ["Type=notify", "NotifyAccess=main", "ExecReload=/bin/kill -HUP $MAINPID", "Restart=on-failure",
                     "RestartPreventExitStatus=78", "WatchdogSec=30", "DynamicUser=yes", "SupplementaryGroups=video",
                     "DevicePolicy=closed", "DeviceAllow=char-video4linux rw", "ProtectSystem=strict", "NoNewPrivileges=yes",
                     "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6",
                     "LoadCredential=mqtt_password:/etc/ferd/mqtt_password"] {
            #expect(text.split(separator: "\n").contains { $0 == line }, "\(name) lacks \(line)")
        }
        guard FileManager.default.isExecutableFile(atPath: Self.analyze) else { return }   // verify is optional where systemd is absent
        let dir = try makeTempDir("units")
        defer { try? FileManager.default.removeItem(at: dir) }
        let unit = dir.appendingPathComponent(name.replacingOccurrences(of: "@.", with: "@cam0."))
        try text.replacingOccurrences(of: "/usr/local/bin/ferd", with: FerdProcess.binary.path).write(to: unit, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.analyze)
        p.arguments = ["verify", unit.path]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        try p.run()
        let report = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && report.isEmpty, "\(report)")
    }
}
