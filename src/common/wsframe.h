/*
 * wsframe.h: the RFC 6455 codec every client in the tree shares (the
 * CLI's wsc.c, the test client, the benchmark tools).  Pure functions
 * on buffers: no sockets, no allocation, so that each can be fuzzed
 * (fuzz/fuzz_wsframe.c).  The worker's server side is libwebsockets'.
 */
#ifndef CG_WSFRAME_H
#define CG_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

#define WS_GUID		"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* Longest frame header: 2 + 8 (length) + 4 (mask key). */
#define WS_MAX_HEADER	14
/* A control frame's largest payload (§5.5). */
#define WS_MAX_CONTROL	125
/* Base64 of a SHA-1 digest, NUL included. */
#define WS_ACCEPT_LEN	29

/* ws_decode() flags: who sends the frames, and how closely to look. */
#define WS_MASKED	0x01	/* client frames: must be masked */
#define WS_UNMASKED	0x02	/* server frames: must not be */
#define WS_STRICT	0x04	/* minimal lengths, known opcodes only */

enum ws_err {
	WS_E_NONE = 0,
	WS_E_RSV,		/* reserved bits, no extension negotiated */
	WS_E_MASKED,		/* a masked frame where none may be */
	WS_E_UNMASKED,		/* an unmasked frame where it must be */
	WS_E_LEN16,		/* WS_STRICT: 16-bit form for < 126 */
	WS_E_LEN63,		/* WS_STRICT: 64-bit form, top bit set */
	WS_E_LEN64,		/* WS_STRICT: 64-bit form for <= 0xffff */
	WS_E_CONTROL,		/* control frame fragmented or > 125 */
	WS_E_OPCODE,		/* WS_STRICT: a reserved opcode */
	WS_E_TOO_BIG,		/* over the caller's limit */
	WS_E_CONT,		/* continuation with no message under way */
	WS_E_INTERLEAVED,	/* new data message inside a fragmented one */
	WS_E_CLOSE_LEN		/* a close frame with a 1-byte body */
};

struct ws_frame {
	int		 fin;
	int		 op;
	int		 masked;
	uint8_t		 mask[4];	/* when masked */
	size_t		 hlen;		/* header, mask key included */
	size_t		 len;		/* payload, at buf + hlen */
	size_t		 total;		/* hlen + len */
};

/* A message being rebuilt from fragments: zero it to start. */
struct ws_msg {
	int		 op;		/* its opcode; 0: none under way */
	size_t		 len;		/* payload bytes so far */
};

/* Sec-WebSocket-Accept for key[0..keylen) (§4.2.2, step 5.4). */
void		 ws_accept(const char *key, size_t keylen,
		    char out[WS_ACCEPT_LEN]);

/*
 * The header of a final frame of `len' payload bytes into hdr (at least
 * WS_MAX_HEADER bytes), with `mask' (4 bytes) as its key when not NULL.
 * Returns the header's length.
 */
size_t		 ws_header(uint8_t *hdr, int op, size_t len,
		    const uint8_t *mask);
/* XOR p[0..len) with the key, from key byte 0 (§5.3). */
void		 ws_mask(uint8_t *p, size_t len, const uint8_t mask[4]);
/*
 * A whole final frame into out (len + WS_MAX_HEADER bytes): header,
 * then the payload, masked when `mask' is not NULL.  Returns its size.
 */
size_t		 ws_encode(uint8_t *out, int op, const void *payload,
		    size_t len, const uint8_t *mask);

/*
 * One frame at buf[0..len): 1 when it is all there (*f filled; the
 * payload at buf + f->hlen, still masked if f->masked), 0 when more
 * bytes are needed, -1 with *err when it breaks RFC 6455 or `flags', or
 * announces more than `max' payload bytes.  The length is judged as
 * soon as the header is in, so an oversized frame is refused before
 * anyone buffers it.
 */
int		 ws_decode(const uint8_t *buf, size_t len, size_t max,
		    int flags, struct ws_frame *f, enum ws_err *err);

/*
 * Account data frame `f' (CONT, TEXT or BINARY) to message `m', which
 * may grow to `max' bytes: 1 when `f' ends the message (m->op and m->len
 * then describe all of it; zero `m' before the next), 0 when more
 * fragments follow, -1 with *err.  The caller keeps the bytes.
 */
int		 ws_msg_add(struct ws_msg *m, const struct ws_frame *f,
		    size_t max, enum ws_err *err);

/*
 * A close frame's body: 0 with the code (1005 when there is none) and
 * the reason (not NUL-terminated, not checked for UTF-8), or -1 with
 * *err for a 1-byte body.
 */
int		 ws_close_parse(const uint8_t *p, size_t len, int *code,
		    const uint8_t **reason, size_t *reasonlen,
		    enum ws_err *err);
/*
 * A close body into out[WS_MAX_CONTROL]: `code' and up to 123 bytes of
 * `reason' (NULL for none); code 0 gives an empty body.  Its length.
 */
size_t		 ws_close_body(uint8_t *out, int code, const char *reason);

/* What went wrong, for a message ("a masked frame ..."). */
const char	*ws_strerror(enum ws_err);

#endif /* CG_WSFRAME_H */
