import CV4L2
import Glibc

/// Sets V4L2 controls by the names `v4l2-ctl -l` prints (e.g. `disconnect`,
/// `inject_v4l2_buf_flag_error` on vivid), through a second descriptor so it works mid-stream.
public enum V4L2Controls {
    /// The controls the device offers: name (v4l2-ctl style) to control id.
    public static func list(device path: String) throws(CaptureError) -> [String: UInt32] {
        let fd = try openControlFD(path)
        defer { Sys.close(fd) }
        return enumerate(fd)
    }

    /// Sets control `name` to `value` (buttons ignore the value).
    public static func set(_ name: String, to value: Int32, device path: String) throws(CaptureError) {
        let fd = try openControlFD(path)
        defer { Sys.close(fd) }
        let controls = enumerate(fd)
        guard let id = controls[name] else {
            throw .noSuchControl(path: path, name: name, available: controls.keys.sorted())
        }
        var c = v4l2_control(id: id, value: value)
        if case .failure(let e) = Sys.ioctl(fd, cv4l2_VIDIOC_S_CTRL(), &c) { throw .ioctl(path: path, request: "VIDIOC_S_CTRL \(name)", e) }
    }

    private static func openControlFD(_ path: String) throws(CaptureError) -> Int32 {
        switch Sys.open(path, O_RDWR | O_CLOEXEC) {
        case .success(let fd): return fd
        case .failure(let e): throw .cannotOpen(path: path, e)
        }
    }

    /// VIDIOC_QUERYCTRL with V4L2_CTRL_FLAG_NEXT_CTRL walks every control in id order.
    private static func enumerate(_ fd: Int32) -> [String: UInt32] {
        let nextCtrl: UInt32 = 0x8000_0000  // V4L2_CTRL_FLAG_NEXT_CTRL
        let classType = 6                   // V4L2_CTRL_TYPE_CTRL_CLASS: a heading, not a control
        var out: [String: UInt32] = [:]
        var q = v4l2_queryctrl()
        q.id = nextCtrl
        for _ in 0..<1024 {
            guard case .success = Sys.ioctl(fd, cv4l2_VIDIOC_QUERYCTRL(), &q) else { break }
            if Int(q.type) != classType { out[v4l2CtlName(cString(q.name))] = q.id }
            q.id |= nextCtrl
        }
        return out
    }

    /// v4l2-ctl's name mangling: lowercase, runs of non-alphanumerics become one `_`, trimmed.
    static func v4l2CtlName(_ name: String) -> String {
        var out = ""
        var pendingUnderscore = false
        for ch in name.lowercased() {
            if ch.isASCII && (ch.isLetter || ch.isNumber) {
                if pendingUnderscore && !out.isEmpty { out.append("_") }
                pendingUnderscore = false
                out.append(ch)
            } else {
                pendingUnderscore = true
            }
        }
        return out
    }
}
