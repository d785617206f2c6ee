/* version: --version's report (see version.h). */
#include "cli/version.h"

#include <ares.h>
#include <errno.h>
#include <llhttp.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <string.h>
#include <sys/utsname.h>

#include "io/backend.h"
#include "ringfetch/engine.h"

/* liburing 2.3 (Debian 12) has no version macro; the build passes what
 * pkg-config says (mk/version.mk). Later liburing headers say it themselves. */
#if defined(IO_URING_VERSION_MAJOR) && defined(IO_URING_VERSION_MINOR)
#define STR_(x) #x
#define STR(x) STR_(x)
#define LIBURING_BUILT STR(IO_URING_VERSION_MAJOR) "." STR(IO_URING_VERSION_MINOR)
#elif defined(RF_LIBURING_VERSION)
#define LIBURING_BUILT RF_LIBURING_VERSION
#else
#define LIBURING_BUILT "(unknown)"
#endif

/* A ring as small as a run's smallest: the probe only asks what the kernel
 * accepts, and lending a few buffers is what tells buf_ring from
 * provide_buffers. */
#define VERSION_PROBE_INFLIGHT 4
#define VERSION_PROBE_BUFS 4
#define VERSION_PROBE_BUF_BYTES 4096

static void ring_features(char *buf, size_t size)
{
    struct be_config cfg = {
        .inflight = VERSION_PROBE_INFLIGHT,
        .nbufs = VERSION_PROBE_BUFS,
        .buf_bytes = VERSION_PROBE_BUF_BYTES,
    };
    struct be *b;
    int rc = be_uring_create(&b, &cfg);
    if (rc < 0) {
        snprintf(buf, size, "not available (%s)", strerror(-rc));
        return;
    }
    be_describe(b, buf, size);
    be_destroy(b);
}

int version_print(FILE *out, const char *prog)
{
    struct utsname un;
    const char *kernel = uname(&un) == 0 ? un.release : "(unknown)";
    char features[256];
    ring_features(features, sizeof features);

    fprintf(out, "%s %s\n", prog, RF_VERSION);
    fprintf(out, "built with: liburing %s, OpenSSL %s, c-ares %s, llhttp %d.%d.%d\n",
            LIBURING_BUILT, OPENSSL_VERSION_STR, ARES_VERSION_STR,
            LLHTTP_VERSION_MAJOR, LLHTTP_VERSION_MINOR, LLHTTP_VERSION_PATCH);
    fprintf(out, "running on: Linux %s, OpenSSL %s, c-ares %s\n",
            kernel, OpenSSL_version(OPENSSL_VERSION_STRING), ares_version(NULL));
    fprintf(out, "io_uring: %s\n", features);
    return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
