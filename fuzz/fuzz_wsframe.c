/*
 * fuzz_wsframe.c: the RFC 6455 codec (src/common/wsframe.c) on any
 * bytes a peer can send.  Byte 0 picks the decode flags (low 3 bits)
 * and the size limit (high bits); the rest is the stream.
 *
 * Properties: ws_decode's frame lies inside the buffer and within the
 * limit, a strict final frame re-encodes to the same header, a prefix
 * of a whole frame asks for more bytes rather than failing; the
 * reassembled message never exceeds its limit; a close body's reason
 * is what follows the code; encode -> decode -> unmask gives the
 * payload back; the accept key is 28 base64 characters.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "wsframe.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	return 0;
}

static void
check_frame(const uint8_t *b, size_t n, size_t max, int flags,
    const struct ws_frame *f)
{
	struct ws_frame	g;
	enum ws_err	e;
	uint8_t		h[WS_MAX_HEADER];
	size_t		base;

	FUZZ_ASSERT(f->total <= n && f->hlen + f->len == f->total);
	FUZZ_ASSERT(f->len <= max);
	base = f->hlen - (f->masked ? 4 : 0);
	FUZZ_ASSERT(base == 2 || base == 4 || base == 10);
	FUZZ_ASSERT(f->op < WS_OP_CLOSE || (f->fin && f->len <= 125));
	if ((flags & WS_STRICT) && f->fin) {
		FUZZ_ASSERT(ws_header(h, f->op, f->len, f->masked ? f->mask :
		    NULL) == f->hlen);
		FUZZ_ASSERT(memcmp(h, b, f->hlen) == 0);
	}
	FUZZ_ASSERT(ws_decode(b, f->total - 1, max, flags, &g, &e) == 0);
}

static void
check_close(const uint8_t *p, size_t len)
{
	const uint8_t	*reason;
	enum ws_err	 e;
	size_t		 rl;
	int		 code;

	if (ws_close_parse(p, len, &code, &reason, &rl, &e) == -1) {
		FUZZ_ASSERT(len == 1 && e == WS_E_CLOSE_LEN);
		return;
	}
	FUZZ_ASSERT(code >= 0 && code <= 0xffff);
	FUZZ_ASSERT(len < 2 ? code == 1005 && rl == 0 :
	    reason == p + 2 && rl == len - 2);
}

/* Decode the stream frame by frame, rebuilding messages. */
static void
walk(const uint8_t *b, size_t n, size_t max, int flags)
{
	struct ws_frame	f;
	struct ws_msg	m;
	enum ws_err	e;
	size_t		off = 0;
	int		r;

	memset(&m, 0, sizeof(m));
	while ((r = ws_decode(b + off, n - off, max, flags, &f, &e)) == 1) {
		check_frame(b + off, n - off, max, flags, &f);
		if (f.op == WS_OP_CLOSE)
			check_close(b + off + f.hlen, f.len);
		else if (f.op <= WS_OP_BINARY) {
			r = ws_msg_add(&m, &f, max, &e);
			FUZZ_ASSERT(r >= -1 && r <= 1);
			FUZZ_ASSERT(m.len <= max);
			if (r != 0)
				memset(&m, 0, sizeof(m));
		}
		off += f.total;
	}
	FUZZ_ASSERT(r == 0 || (r == -1 && e != WS_E_NONE &&
	    ws_strerror(e) != NULL));
}

static void
round_trip(const uint8_t *p, size_t n)
{
	static uint8_t	out[4096 + WS_MAX_HEADER];
	struct ws_frame	f;
	enum ws_err	e;
	uint8_t		mask[4] = { 0 };
	size_t		len;

	if (n > 4096)
		n = 4096;
	memcpy(mask, p, n < 4 ? n : 4);
	len = ws_encode(out, WS_OP_BINARY, p, n, mask);
	FUZZ_ASSERT(ws_decode(out, len, n, WS_MASKED | WS_STRICT, &f,
	    &e) == 1);
	FUZZ_ASSERT(f.total == len && f.len == n && f.fin &&
	    f.op == WS_OP_BINARY);
	ws_mask(out + f.hlen, f.len, f.mask);
	FUZZ_ASSERT(n == 0 || memcmp(out + f.hlen, p, n) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t	limits[] = { 0, 125, 126, 65535, 65536,
				    1 << 20, SIZE_MAX / 2 };
	char			acc[WS_ACCEPT_LEN];
	size_t			max;
	int			flags;

	if (size < 1)
		return 0;
	flags = data[0] & 7;
	max = limits[(data[0] >> 3) % (sizeof(limits) / sizeof(limits[0]))];
	walk(data + 1, size - 1, max, flags);
	round_trip(data + 1, size - 1);
	ws_accept((const char *)data + 1, size - 1, acc);
	FUZZ_ASSERT(strlen(acc) == WS_ACCEPT_LEN - 1 && acc[27] == '=');
	return 0;
}
