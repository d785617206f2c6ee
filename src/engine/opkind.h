/* The engine's operation kinds: what each completion is about (bits
 * 63..56 of its user_data, packed by io/ud.h), and so which module's
 * handler it goes to. The one list of them. */
#ifndef RF_ENGINE_OPKIND_H
#define RF_ENGINE_OPKIND_H

enum op_kind {
    OP_NONE = 0,
    /* A connection's transport (slot index: the connection). */
    OP_TP_SOCKET,
    OP_TP_CONNECT,
    OP_TP_SEND,
    OP_TP_RECV,
    OP_TP_CANCEL,
    OP_TP_CLOSE,
    OP_TP_SPLICE,   /* socket -> pipe (a body's direct path) */
    /* A job's file (slot index: the job; writes: the write record). */
    OP_F_OPEN,
    OP_F_WRITE,
    OP_F_LINK,
    OP_F_CLOSE,
    OP_F_RENAME,
    OP_F_UNLINK,
    OP_F_STAT,
    OP_F_XATTR,
    OP_F_TRUNCATE,
    OP_F_SETXATTR,
    OP_F_SPLICE,    /* pipe -> file */
    OP_F_ALLOC,     /* fallocate */
    /* The front end's inputs (slot index: the input). */
    OP_IN_READ,
    OP_IN_CANCEL,
    /* The resolver's sockets (slot index: the socket's entry). */
    OP_DNS_POLL,
    OP_DNS_CANCEL,
    OP_KIND_END,
};

#endif
