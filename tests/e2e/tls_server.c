/* A TLS server for the tests, for what Python's ssl module cannot do:
 * renegotiate, update keys, or fail a renegotiation with a fatal alert, in
 * the middle of a body. One connection at a time, blocking, loopback only.
 *
 *   tls_server PORT CERT KEY MODE SIZE
 *
 * Each connection: the handshake, one request read, "200 OK" with a
 * Content-Length of SIZE, half the body, then what MODE says, then the
 * other half, close_notify and close:
 *   reneg        TLS 1.2; the server renegotiates mid-body (HelloRequest)
 *   reneg-alert  TLS 1.2; it renegotiates demanding a client certificate,
 *                which the client has not: a fatal alert instead of the rest
 *   keyupdate    TLS 1.3; a KeyUpdate asking the client to update too
 * The body is byte i = (i * 7 + i / 251) & 0xff (rftls.body_bytes). */
#include <arpa/inet.h>
#include <errno.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

static int accept_any(int ok, X509_STORE_CTX *ctx)
{
    (void)ok;
    (void)ctx;
    return 1;
}

static int write_all(SSL *ssl, const unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t w = 0;
        if (SSL_write_ex(ssl, p, n, &w) != 1)
            return -1;
        p += w;
        n -= w;
    }
    return 0;
}

static void serve(SSL_CTX *ctx, int fd, const char *mode, size_t size, const unsigned char *body)
{
    SSL *ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    char req[4096];
    size_t got = 0, n = 0;
    if (SSL_accept(ssl) != 1)
        goto out;
    while (got < sizeof req - 1 && SSL_read_ex(ssl, req + got, sizeof req - 1 - got, &n) == 1) {
        got += n;
        req[got] = '\0';
        if (strstr(req, "\r\n\r\n"))
            break;
    }
    char head[128];
    int hl = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
                      size);
    size_t half = size / 2;
    if (write_all(ssl, (const unsigned char *)head, (size_t)hl) < 0 || write_all(ssl, body, half) < 0)
        goto out;
    if (strcmp(mode, "keyupdate") == 0) {
        if (SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1)
            goto out;
    } else {
        if (strcmp(mode, "reneg-alert") == 0)
            SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
        if (SSL_renegotiate(ssl) != 1 || SSL_do_handshake(ssl) != 1)
            goto out;
        /* The HelloRequest is out; the client's ClientHello is read by SSL_read,
         * which runs the new handshake (or fails it with an alert). The client
         * sends no data, so each read ends at the receive timeout. */
        struct timeval tv = {.tv_sec = 0, .tv_usec = 200000};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        for (int tries = 0; SSL_renegotiate_pending(ssl); tries++) {
            char c;
            size_t r = 0;
            if (tries > 50 || (SSL_read_ex(ssl, &c, 1, &r) != 1 &&
                               SSL_get_error(ssl, 0) != SSL_ERROR_WANT_READ && errno != EAGAIN))
                goto out;
        }
    }
    if (write_all(ssl, body + half, size - half) < 0)
        goto out;
    SSL_shutdown(ssl);
out:
    ERR_print_errors_fp(stderr);
    SSL_free(ssl);
    close(fd);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: tls_server PORT CERT KEY MODE SIZE\n");
        return 2;
    }
    const char *mode = argv[4];
    size_t size = strtoul(argv[5], NULL, 10);
    unsigned char *body = malloc(size + 1);
    for (size_t i = 0; i < size; i++)
        body[i] = (unsigned char)((i * 7 + i / 251) & 0xff);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, argv[2]) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, argv[3], SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (strcmp(mode, "keyupdate") != 0)
        SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
    else
        SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(ls, 16) < 0) {
        perror("tls_server: bind");
        return 1;
    }
    for (;;) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        serve(ctx, fd, mode, size, body);
    }
}
