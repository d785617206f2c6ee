/* The HTTP layer's limits, units in the names. */
#ifndef RF_HTTP_TUNABLES_H
#define RF_HTTP_TUNABLES_H

/* Response limits: a header section larger than this is an error, not a reason
 * to grow memory without bound. */
#define RF_MAX_HEADER_BYTES          65536

/* Proxies (proxy.h). A proxy URL without a port means port 1080, as curl
 * reads it (wget has no default: its users always write one). */
#define RF_PROXY_DEFAULT_PORT        1080
/* base64 of a proxy's "user:password", NUL included: 512 bytes hold 381
 * bytes of credentials, far more than any proxy account needs, and keep
 * struct proxy small (one per proxy, not per connection). */
#define RF_PROXY_AUTH_MAX_BYTES      512
/* The answer to a CONNECT (tp_tunnel.c): its header section is read a byte
 * at a time into nothing but the status line, so this only bounds how long
 * a proxy may talk before the tunnel opens. Real ones send under 200 bytes. */
#define RF_CONNECT_REPLY_MAX_BYTES   16384
/* The status line of that answer kept for the message ("403 Forbidden"). */
#define RF_CONNECT_STATUS_LINE_BYTES 128

#endif
