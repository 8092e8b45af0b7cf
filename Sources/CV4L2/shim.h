#pragma once
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/videodev2.h>
#include <libv4l2.h>

/* v4l2_open and v4l2_ioctl are variadic and the VIDIOC_* requests are function-like macros:
   neither imports into Swift, so each gets a static inline twin here. */
static inline int cv4l2_open(const char *path, int flags) { return v4l2_open(path, flags); }
static inline int cv4l2_close(int fd) { return v4l2_close(fd); }
static inline int cv4l2_ioctl(int fd, unsigned long request, void *arg) { return v4l2_ioctl(fd, request, arg); }
static inline void *cv4l2_mmap(void *start, size_t length, int prot, int flags, int fd, int64_t offset) {
    return v4l2_mmap(start, length, prot, flags, fd, offset);
}
static inline int cv4l2_munmap(void *start, size_t length) { return v4l2_munmap(start, length); }

static inline unsigned long cv4l2_VIDIOC_QUERYCAP(void) { return VIDIOC_QUERYCAP; }
static inline unsigned long cv4l2_VIDIOC_ENUM_FMT(void) { return VIDIOC_ENUM_FMT; }
static inline unsigned long cv4l2_VIDIOC_G_FMT(void) { return VIDIOC_G_FMT; }
static inline unsigned long cv4l2_VIDIOC_S_FMT(void) { return VIDIOC_S_FMT; }
static inline unsigned long cv4l2_VIDIOC_G_PARM(void) { return VIDIOC_G_PARM; }
static inline unsigned long cv4l2_VIDIOC_S_PARM(void) { return VIDIOC_S_PARM; }
static inline unsigned long cv4l2_VIDIOC_REQBUFS(void) { return VIDIOC_REQBUFS; }
static inline unsigned long cv4l2_VIDIOC_QUERYBUF(void) { return VIDIOC_QUERYBUF; }
static inline unsigned long cv4l2_VIDIOC_QBUF(void) { return VIDIOC_QBUF; }
static inline unsigned long cv4l2_VIDIOC_DQBUF(void) { return VIDIOC_DQBUF; }
static inline unsigned long cv4l2_VIDIOC_STREAMON(void) { return VIDIOC_STREAMON; }
static inline unsigned long cv4l2_VIDIOC_STREAMOFF(void) { return VIDIOC_STREAMOFF; }
static inline unsigned long cv4l2_VIDIOC_S_CTRL(void) { return VIDIOC_S_CTRL; }
static inline unsigned long cv4l2_VIDIOC_G_CTRL(void) { return VIDIOC_G_CTRL; }
static inline unsigned long cv4l2_VIDIOC_QUERYCTRL(void) { return VIDIOC_QUERYCTRL; }

static inline __u32 cv4l2_PIX_FMT_YUYV(void) { return V4L2_PIX_FMT_YUYV; }
static inline __u32 cv4l2_PIX_FMT_GREY(void) { return V4L2_PIX_FMT_GREY; }
static inline __u32 cv4l2_PIX_FMT_MJPEG(void) { return V4L2_PIX_FMT_MJPEG; }
static inline __u32 cv4l2_PIX_FMT_JPEG(void) { return V4L2_PIX_FMT_JPEG; }
