import TestSupport
import Foundation
import Glibc
import Testing

/// The `ferd` executable end to end: a real broker, a real subscriber, a scripted face source.
@Suite(.serialized) struct FerdProcessTests {
    static let script = ConfigTests.repoRoot.appendingPathComponent("config/scripted-faces.jsonl").path

    static func config(_ dir: URL, port: Int, mqtt: String = "", extra: String = "") throws -> String {
        let path = dir.appendingPathComponent("ferd.toml").path
        try """
            [camera]
            source = "script:\(script)"
            fps = 30
            [mqtt]
            port = \(port)
            reconnect_max_seconds = 1
            \(mqtt)
            [stats]
            interval = 1
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func checkConfigExitsZeroOrSeventyEightWithTheReason() throws {
        let dir = try makeTempDir("check")
        defer { try? FileManager.default.removeItem(at: dir) }
        let good = try Self.config(dir, port: 1883)
        let ok = try FerdProcess(arguments: ["--config", good, "--check-config"], directory: dir)
        #expect(ok.wait(10) == 0)
        #expect(ok.log.contains("configuration OK"))
        let bad = dir.appendingPathComponent("bad.toml").path
        try "[mqtt]\nport = 1883\nqos = 3\n".write(toFile: bad, atomically: true, encoding: .utf8)
        let ko = try FerdProcess(arguments: ["--config", bad, "--check-config"], directory: dir)
        #expect(ko.wait(10) == 78)
        #expect(ko.log.contains("bad.toml:3: mqtt.qos: expected an integer in 0...2, got 3"))
        let override = try FerdProcess(arguments: ["--config", good, "--check-config", "--set", "tracker.min_hits=0"], directory: dir)
        #expect(override.wait(10) == 78)
        #expect(override.log.contains("--set: tracker.min_hits: expected an integer in 1...1000, got 0"))
        // a bad config at start (not only with --check-config) also exits 78, so systemd does not restart-loop
        let run = try FerdProcess(arguments: ["--config", bad], directory: dir)
        #expect(run.wait(10) == 78)
    }

    @Test func lastWillIsSeenAfterSigkill() throws {
        let dir = try makeTempDir("will")
        defer { try? FileManager.default.removeItem(at: dir) }
        let broker = try TestBroker()
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/testhost/available"])
        let ferd = try FerdProcess(arguments: ["--config", try Self.config(dir, port: broker.port, mqtt: "keepalive = 5")], directory: dir)
        #expect(waitFor(10) { sub.last(on: "edgefer/testhost/available")?.payload == "online" }, "\(ferd.log)")
        // ferd keeps to FoundationEssentials: full Foundation and ICU would add ~7 MB resident
        let bytes = try #require(try FileHandle(forReadingFrom: URL(fileURLWithPath: "/proc/\(ferd.process.processIdentifier)/maps")).readToEnd())
        let maps = String(decoding: bytes, as: UTF8.self)
        #expect(maps.contains("libFoundationEssentials.so"))
        #expect(!maps.contains("libFoundation.so") && !maps.contains("FoundationICU"), "ferd maps full Foundation")
        ferd.signal(SIGKILL)
        #expect(ferd.wait(5) == SIGKILL)
        // the broker notices the dropped TCP connection at once and publishes the will
        #expect(waitFor(10) { sub.last(on: "edgefer/testhost/available")?.payload == "offline" })
    }

    @Test func notifyProtocolEventsAndCleanStop() throws {
        let dir = try makeTempDir("notify")
        defer { try? FileManager.default.removeItem(at: dir) }
        let broker = try TestBroker()
        let sub = try TestSubscriber(port: broker.port, topics: ["edgefer/#", "renamed/#"])
        let notify = try NotifySocket(directory: dir)
        let configPath = try Self.config(dir, port: broker.port)
        let ferd = try FerdProcess(arguments: ["--config", configPath],
                                   environment: ["NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"], journal: true, directory: dir)
        #expect(waitFor(10) { notify.messages().contains { $0.hasPrefix("READY=1") } }, "\(ferd.log)")
        #expect(waitFor(5) { notify.messages().filter { $0 == "WATCHDOG=1" }.count >= 3 })
        #expect(notify.messages().contains { $0.contains("STATUS=streaming cam0") })
        // the scripted face (30 frames happy at 30 fps, min_hits 3) is announced
        #expect(waitFor(5) { sub.messages(on: "edgefer/testhost/cam0/events").contains { $0.json?["type"] as? String == "new" } })
        #expect(waitFor(3) { sub.last(on: "edgefer/testhost/stats")?.json?["fps"] != nil })

        // SIGHUP with a broken file: RELOADING=1, READY=1, the old config keeps running, the log says why
        try "[mqtt]\nport = \"x\"\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        let before = notify.messages().count
        ferd.signal(SIGHUP)
        #expect(waitFor(5) { notify.messages().dropFirst(before).contains { $0.hasPrefix("READY=1") } })
        // watchdog pings may interleave; RELOADING=1 must come before the READY=1 that ends the reload
        let after = Array(notify.messages().dropFirst(before))
        let reloading = after.firstIndex { $0.hasPrefix("RELOADING=1\nMONOTONIC_USEC=") }
        let readyAgain = after.firstIndex { $0.hasPrefix("READY=1") }
        #expect(reloading != nil && readyAgain != nil && reloading! < readyAgain!, "\(after)")
        #expect(ferd.log.contains("reload: \(configPath):2: mqtt.port: expected an integer in 1...65535, got a string \"x\"; keeping the running configuration"))
        let eventsBefore = sub.messages(on: "edgefer/testhost/cam0/events").count
        #expect(waitFor(5) { sub.messages(on: "edgefer/testhost/cam0/events").count > eventsBefore })

        // SIGHUP with a good file that moves the topics: the old session says offline, the new one online
        _ = try Self.config(dir, port: broker.port, mqtt: "topic_prefix = \"renamed\"")
        ferd.signal(SIGHUP)
        #expect(waitFor(5) { sub.last(on: "renamed/testhost/available")?.payload == "online" }, "\(ferd.log)")
        #expect(sub.last(on: "edgefer/testhost/available")?.payload == "offline")
        #expect(ferd.log.contains("<5>reload: new configuration applied"))

        ferd.signal(SIGTERM)
        #expect(ferd.wait(10) == 0)
        #expect(notify.messages().contains { $0.hasPrefix("STOPPING=1") })
        #expect(waitFor(3) { sub.last(on: "renamed/testhost/available")?.payload == "offline" })
        let events = (sub.messages(on: "edgefer/testhost/cam0/events") + sub.messages(on: "renamed/testhost/cam0/events")).compactMap(\.json)
        let ids = Set(events.compactMap { $0["id"] as? String })
        let ended = Set(events.filter { $0["type"] as? String == "end" }.compactMap { $0["id"] as? String })
        #expect(ids == ended, "every announced face ends, at the latest on SIGTERM")
        // journal priorities: notice <5>, error <3>
        #expect(ferd.log.contains("<5>SIGTERM: stopping"))
        #expect(ferd.log.contains("<3>reload: "))
    }
}
