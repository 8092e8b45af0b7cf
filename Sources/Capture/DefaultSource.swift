import Glibc
import Logging

/// Picks what `ferd` captures from when run without a configured source.
public enum FrameSources {
    /// The camera at `camera.path` when that node exists, else the JPEG frames in `fallbackFolder`
    /// played at `fps` (looping): the README's run command works with and without a camera.
    public static func cameraOrFolder(_ camera: CameraConfig, fallbackFolder: String, fps: Double,
                                      logger: Logger = Logger(label: "edgefer.capture")) throws(CaptureError) -> any FrameSource {
        if access(camera.path, F_OK) == 0 {
            return try V4L2Camera(config: camera, logger: logger)
        }
        logger.notice("no camera at \(camera.path): playing \(fallbackFolder) at \(fps) fps instead")
        return try JPEGFileSource(folder: fallbackFolder, fps: fps, scaleDenominator: camera.mjpegScaleDenominator, logger: logger)
    }
}
