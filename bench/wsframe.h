/*
 * wsframe.h: the little RFC 6455 the benchmark tools need.
 *
 * The load generator writes masked client frames and reads unmasked
 * server frames; the null gateway does the opposite.  Nothing here
 * allocates: frames are parsed in place from the caller's buffer.
 */
#ifndef CGB_WSFRAME_H
#define CGB_WSFRAME_H

#include <stddef.h>
#include <stdint.h>

#define WS_OP_CONT	0x0
#define WS_OP_TEXT	0x1
#define WS_OP_BINARY	0x2
#define WS_OP_CLOSE	0x8
#define WS_OP_PING	0x9
#define WS_OP_PONG	0xa

/* Longest frame header: 2 + 8 (length) + 4 (mask). */
#define WS_MAX_HEADER	14
/* Base64 of a SHA-1 digest, NUL included. */
#define WS_ACCEPT_LEN	29

struct ws_frame {
	int		 fin;
	int		 op;
	int		 masked;
	const uint8_t	*payload;	/* unmasked in place when masked */
	size_t		 len;
	size_t		 total;		/* header + payload */
};

void	sha1(const void *data, size_t len, uint8_t out[20]);
/* Sec-WebSocket-Accept for `key' (NUL-terminated), into out[29]. */
void	ws_accept(const char *key, size_t keylen, char out[WS_ACCEPT_LEN]);

/*
 * Parse one frame at buf[0..len).  Returns 1 with *f filled (a masked
 * payload is unmasked in place), 0 when more bytes are needed, -1 when
 * the frame is malformed or longer than `max'.
 */
int	ws_parse(uint8_t *buf, size_t len, size_t max, struct ws_frame *f);

/*
 * Write a frame header for `len' payload bytes into hdr (at least
 * WS_MAX_HEADER bytes); with `mask' non-NULL the 4-byte key follows the
 * length and the caller masks the payload with ws_mask().  Returns the
 * header length.
 */
size_t	ws_header(uint8_t *hdr, int op, size_t len, const uint8_t *mask);
void	ws_mask(uint8_t *p, size_t len, const uint8_t mask[4]);

#endif /* CGB_WSFRAME_H */
