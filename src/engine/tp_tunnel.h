/* Tunnel transport: a byte stream to an origin through an HTTP proxy's
 * CONNECT (RFC 9110 9.3.6), stacked on a plain TCP transport to the proxy
 * and under the TLS transport, as tp_tls stacks on tp_plain:
 *
 *   conn ──> tp_tls ──> tp_tunnel ──> tp_plain ──> the proxy ──> the origin
 *
 *   tp_connect ──> TCP to the proxy ──> ASK: send "CONNECT host:port" and
 *       read the proxy's answer ──> 2xx: on_open, then a byte pipe (OPEN)
 *                               ──> anything else: on_end(RF_E_PROXY), why says it
 *
 * The answer's header section is read by a small parser of its own, a
 * byte at a time, keeping only the status line: a CONNECT answer has no
 * body (a 2xx one switches to the tunnel at the blank line, RFC 9110 says
 * its framing headers are to be ignored), so whatever follows the blank
 * line in the same receive is the origin's first bytes, handed to the
 * owner at once after on_open, never lost. Interim 1xx answers are
 * skipped. A header section over RF_CONNECT_REPLY_MAX_BYTES, or bytes that
 * are not an HTTP status line, end the stream with RF_E_PROXY.
 *
 * The owner's sends wait for the CONNECT request's own send to complete
 * (a fast proxy may answer before its completion is seen); after that the
 * tunnel adds nothing: sends, receives and the end pass straight through.
 * The owner's events may close, even restart, the transport: the tunnel
 * checks its life after each one.
 */
#ifndef RF_ENGINE_TP_TUNNEL_H
#define RF_ENGINE_TP_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/transport.h"
#include "http/http_tunables.h"
#include "http/proxy.h"

enum tun_phase {
    TUN_IDLE,        /* TP_FREE */
    TUN_TCP,         /* connecting to the proxy */
    TUN_ASK,         /* CONNECT sent (or being sent), its answer being read */
    TUN_OPEN,        /* the tunnel is up: bytes pass through */
    TUN_DONE,        /* ended or closing */
};

/* Where the answer's parser is: within the status line, within a header
 * line, or just after a line's end (so an empty line ends the section). */
enum tun_scan { TUN_SCAN_STATUS, TUN_SCAN_LINE, TUN_SCAN_LINE_START, TUN_SCAN_CR_AT_START };

struct tp_tunnel {
    struct tp tp;                 /* the owner's face: state, send_busy, opened, why */
    struct tp *tcp;               /* to the proxy, driven by us */
    const struct proxy *proxy;    /* outlives the connection (the run's) */
    char *req;                    /* the CONNECT request (owned, made at init, kept for the
                                     next init of the same struct) */
    size_t req_len, req_cap;
    int req_err;                  /* it could not be made: the first connect ends with this */
    enum tun_phase phase;
    uint32_t life;                /* bumped when a connection is over */
    bool req_busy;                /* the CONNECT request is being sent */
    const char *pend;             /* the owner's send, waiting for req_busy to clear */
    size_t pend_len;
    /* the answer */
    enum tun_scan scan;
    size_t seen;                  /* bytes of the header section(s) so far */
    char status[RF_CONNECT_STATUS_LINE_BYTES];
    size_t status_len;
    char why[160];                /* tp.why points here */
};

/* Make t a tunnel to host:port (the origin's; IPv6 without brackets)
 * through proxy, over tcp (a plain transport in TP_FREE, whose events t
 * takes over), asking with user_agent (NULL: ringfetch's). t must be
 * TP_FREE (or zeroed). proxy and host must outlive t's use. */
void tp_tunnel_init(struct tp_tunnel *t, struct tp *tcp, const struct proxy *proxy, const char *host,
                    uint16_t port, const char *user_agent, const struct tp_events *ev, void *owner);
/* Release the memory of a TP_FREE tunnel. */
void tp_tunnel_free(struct tp_tunnel *t);

#endif
