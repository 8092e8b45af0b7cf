import Foundation
import Imaging
import Testing

/// The detector only agrees with OpenCV if it sees OpenCV's pixels.
@Test func grayPixelsMatchOpenCVDecode() throws {
    let checks = try #require(SharedData.json(SharedData.haar + "/decode_check.json") as? [[String: Any]])
    #expect(checks.count == 89)
    for check in checks.prefix(12) {
        let image = try #require(check["image"] as? String)
        let gray = try SharedData.gray(image)
        #expect(SHA256.hex(gray.pixels) == check["gray_sha256"] as? String, "\(image)")
    }
}

@Test func sha256KnownVectors() {
    #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
    #expect(SHA256.hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
}
