@testable import Detect
import Foundation
import Testing

/// Every cascade Debian's opencv-data ships loads, with the shape OpenCV reports for it.
@Test func loadsEverySystemCascade() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: SharedData.cascades).filter { $0.hasSuffix(".xml") }.sorted()
    #expect(files.count >= 17)
    for file in files {
        let cascade = try Cascade(contentsOf: SharedData.cascades + "/" + file)
        #expect(!cascade.stages.isEmpty && !cascade.features.isEmpty, "\(file)")
    }
    let plate = try Cascade(contentsOf: SharedData.cascades + "/haarcascade_licence_plate_rus_16stages.xml")
    #expect(plate.windowWidth == 64 && plate.windowHeight == 16 && plate.stages.count == 16)  // old format
    let alt2 = try Cascade(contentsOf: SharedData.cascades + "/haarcascade_frontalface_alt2.xml")
    #expect(alt2.windowWidth == 20 && !alt2.isStumpBased && alt2.trees.allSatisfy { $0.nodeCount == 2 })
    let def = try Cascade(contentsOf: SharedData.cascades + "/haarcascade_frontalface_default.xml")
    #expect(def.isStumpBased && def.stages.count == 25 && def.stages[0].treeCount == 9 && !def.hasTiltedFeatures)
    // stageThreshold -5.0425500869750977e+00 is stored lowered by OpenCV's THRESHOLD_EPS.
    #expect(def.stages[0].threshold == Float(-5.0425500869750977) - 1e-5)
    #expect(try Cascade(contentsOf: SharedData.cascades + "/haarcascade_eye_tree_eyeglasses.xml").hasTiltedFeatures)
}

/// A minimal current-format cascade with one stump and one feature; `mutate` edits the text.
private func cascadeXML(_ mutate: (String) -> String = { $0 }) -> [UInt8] {
    let xml = """
    <?xml version="1.0"?>
    <opencv_storage>
    <cascade type_id="opencv-cascade-classifier"><stageType>BOOST</stageType>
      <featureType>HAAR</featureType><height>24</height><width>24</width>
      <featureParams><maxCatCount>0</maxCatCount></featureParams>
      <stages><_><maxWeakCount>1</maxWeakCount><stageThreshold>-1.5</stageThreshold>
        <weakClassifiers><_><internalNodes>0 -1 0 1.5e-02</internalNodes><leafValues>-0.5 0.5</leafValues></_></weakClassifiers></_></stages>
      <features><_><rects><_>6 4 12 9 -1.</_><_>6 7 12 3 3.</_></rects></_></features>
    </cascade>
    </opencv_storage>
    """
    return Array(mutate(xml).utf8)
}

@Test func parsesMinimalCascade() throws {
    let c = try Cascade(xml: cascadeXML())
    #expect(c.windowWidth == 24 && c.stages.count == 1 && c.features.count == 1)
    #expect(c.features[0].rects == [.init(x: 6, y: 4, width: 12, height: 9, weight: -1), .init(x: 6, y: 7, width: 12, height: 3, weight: 3)])
    #expect(c.nodes[0] == .init(featureIndex: 0, threshold: 0.015, left: 0, right: -1))
}

/// Bad files get a typed error that names the element and what was expected. Each case replaces
/// `find` by `replace` in a valid file ("*" replaces the whole file, "#cut" keeps 300 bytes).
@Test(arguments: [
    ("#cut", "", "malformed XML at line 6"),
    ("stages>", "stagez>", "missing <cascade/stages>"),
    ("0 -1 0 1.5e-02", "0 -1 7 1.5e-02", "index 7 out of range"),
    ("0 -1 0 1.5e-02", "0 -5 0 1.5e-02", "index -5 out of range"),
    ("0 -1 0 1.5e-02", "0 1 0 1.5e-02", "index 1 out of range"),
    ("1.5e-02", "nan", "expected a finite number"),
    ("-1.5<", "1e999<", "expected a finite number"),
    ("<width>24", "<width>100000", "expected a window of"),
    ("6 4 12 9", "16 4 12 9", "inside the 24x24 window"),
    ("</rects>", "<_>1 1 1 1 1.</_><_>1 1 1 1 1.</_></rects>", "1 to 3 rects"),
    ("<height>24", "<height>twenty", "expected an integer"),
    ("0 -1 0 1.5e-02", "0 -1 0", "multiple of 4"),
    ("-0.5 0.5", "-0.5", "2 leaves"),
    ("<featureType>HAAR", "<featureType>LBP", "unsupported 'LBP'"),
    ("</height>", "</width>", "</height> closing <height>"),
    ("*", "hello", "text outside the root element"),
    ("*", "", "a root element"),
    ("*", "<a><b></a>", "</b> closing <b>"),
    ("*", "<!DOCTYPE x><a/>", "DOCTYPE"),
])
func rejectsBadCascade(_ find: String, _ replace: String, _ message: String) {
    let bytes = cascadeXML { xml in
        switch find {
        case "*": replace
        case "#cut": String(xml.prefix(300))
        default: xml.replacingOccurrences(of: find, with: replace)
        }
    }
    do {
        _ = try Cascade(xml: bytes)
        Issue.record("accepted after replacing \(find) by \(replace)")
    } catch {
        #expect(error.description.contains(message), "\(find) -> \(replace): \(error)")
    }
}

@Test func missingFileIsTypedError() {
    #expect(throws: CascadeError.unreadable(path: "/nonexistent.xml", reason: "no such file or not readable")) {
        try Cascade(contentsOf: "/nonexistent.xml")
    }
}

/// Every prefix of a real cascade either parses or throws; none crashes.
@Test func truncatedRealCascadeNeverCrashes() throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.cascades + "/haarcascade_licence_plate_rus_16stages.xml")))
    var rejected = 0
    for cut in stride(from: 0, to: bytes.count, by: 997) {
        if (try? Cascade(xml: Array(bytes[0..<cut]))) == nil { rejected += 1 }
    }
    #expect(rejected == (bytes.count + 996) / 997)
}
