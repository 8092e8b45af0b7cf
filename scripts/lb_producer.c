/* lb_producer.c - feeds JPEG files as an MJPEG stream into a v4l2loopback output node, for the
 * capture tests in the qemu bed (the guest has no Swift toolchain). Adapted from
 * ../shared/v4l2bed/examples/lb_producer.c, with bounds on the file count and size.
 * usage: lb_producer DEVICE WIDTH HEIGHT FPS COUNT file1.jpg [file2.jpg ...]   (COUNT 0 = forever) */
#include <fcntl.h>
#include <linux/videodev2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

enum { MAX_FILES = 64, MAX_BYTES = 4 << 20 };

int main(int argc, char **argv) {
    if (argc < 7) { fprintf(stderr, "usage: %s dev w h fps count jpg...\n", argv[0]); return 2; }
    int nf = argc - 6;
    if (nf > MAX_FILES) { fprintf(stderr, "at most %d files\n", MAX_FILES); return 2; }
    char *buf[MAX_FILES]; size_t len[MAX_FILES], maxlen = 0;
    for (int i = 0; i < nf; i++) {
        FILE *f = fopen(argv[6 + i], "rb");
        if (!f) { perror(argv[6 + i]); return 1; }
        buf[i] = malloc(MAX_BYTES);
        len[i] = fread(buf[i], 1, MAX_BYTES, f);
        fclose(f);
        if (len[i] == 0 || len[i] == MAX_BYTES) { fprintf(stderr, "%s: empty or over %d bytes\n", argv[6 + i], MAX_BYTES); return 1; }
        if (len[i] > maxlen) maxlen = len[i];
    }
    int fd = open(argv[1], O_RDWR);
    if (fd < 0) { perror(argv[1]); return 1; }
    struct v4l2_format fmt = {.type = V4L2_BUF_TYPE_VIDEO_OUTPUT};
    fmt.fmt.pix.width = atoi(argv[2]);
    fmt.fmt.pix.height = atoi(argv[3]);
    fmt.fmt.pix.pixelformat = V4L2_PIX_FMT_MJPEG;
    fmt.fmt.pix.field = V4L2_FIELD_NONE;
    fmt.fmt.pix.sizeimage = maxlen;
    fmt.fmt.pix.colorspace = V4L2_COLORSPACE_SRGB;
    if (ioctl(fd, VIDIOC_S_FMT, &fmt)) { perror("S_FMT(output)"); return 1; }
    fprintf(stderr, "producer: %ux%u MJPG sizeimage=%u, %d files\n", fmt.fmt.pix.width, fmt.fmt.pix.height,
            fmt.fmt.pix.sizeimage, nf);
    int fps = atoi(argv[4]), count = atoi(argv[5]);
    if (fps <= 0) fps = 1;
    for (int n = 0; count <= 0 || n < count; n++) {
        int i = n % nf;
        if (write(fd, buf[i], len[i]) != (ssize_t)len[i]) { perror("write"); return 1; }
        usleep(1000000 / fps);
    }
    return 0;
}
