// ed25519.js: SHA-256, SHA-512 and Ed25519 signing (RFC 8032) in plain
// JavaScript, for browsers that offer no WebCrypto Ed25519 on this page:
// crypto.subtle exists only in secure contexts, so a gateway opened as
// http://<LAN address>/ has none.  BigInt arithmetic is not constant
// time; identity.js prefers WebCrypto whenever the browser has it.

const MASK64 = (1n << 64n) - 1n;

// ---------------------------------------------------------------- SHA-256

const K256 = new Uint32Array([
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

function pad(bytes, blockLen, lenBytes) {
	const total = Math.ceil((bytes.length + 1 + lenBytes) / blockLen) *
	    blockLen;
	const out = new Uint8Array(total);
	out.set(bytes);
	out[bytes.length] = 0x80;
	// Message length in bits, big-endian, in the last 8 bytes (the upper
	// bytes of SHA-512's 16-byte length stay zero).
	let bits = BigInt(bytes.length) * 8n;
	for (let i = total - 1; i >= total - 8; i--) {
		out[i] = Number(bits & 0xffn);
		bits >>= 8n;
	}
	return out;
}

export function sha256(bytes) {
	const h = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372,
	    0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
	const m = pad(bytes, 64, 8);
	const w = new Uint32Array(64);
	const rotr = (x, n) => (x >>> n) | (x << (32 - n));
	for (let off = 0; off < m.length; off += 64) {
		for (let i = 0; i < 16; i++)
			w[i] = (m[off + 4 * i] << 24) | (m[off + 4 * i + 1] << 16) |
			    (m[off + 4 * i + 2] << 8) | m[off + 4 * i + 3];
		for (let i = 16; i < 64; i++) {
			const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^
			    (w[i - 15] >>> 3);
			const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^
			    (w[i - 2] >>> 10);
			w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
		}
		let [a, b, c, d, e, f, g, hh] = h;
		for (let i = 0; i < 64; i++) {
			const S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
			const ch = (e & f) ^ (~e & g);
			const t1 = (hh + S1 + ch + K256[i] + w[i]) | 0;
			const S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
			const maj = (a & b) ^ (a & c) ^ (b & c);
			const t2 = (S0 + maj) | 0;
			hh = g; g = f; f = e; e = (d + t1) | 0;
			d = c; c = b; b = a; a = (t1 + t2) | 0;
		}
		h[0] += a; h[1] += b; h[2] += c; h[3] += d;
		h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
	}
	const out = new Uint8Array(32);
	for (let i = 0; i < 8; i++) {
		out[4 * i] = h[i] >>> 24;
		out[4 * i + 1] = h[i] >>> 16;
		out[4 * i + 2] = h[i] >>> 8;
		out[4 * i + 3] = h[i];
	}
	return out;
}

// ---------------------------------------------------------------- SHA-512

const K512 = [
	"428a2f98d728ae22", "7137449123ef65cd", "b5c0fbcfec4d3b2f",
	"e9b5dba58189dbbc", "3956c25bf348b538", "59f111f1b605d019",
	"923f82a4af194f9b", "ab1c5ed5da6d8118", "d807aa98a3030242",
	"12835b0145706fbe", "243185be4ee4b28c", "550c7dc3d5ffb4e2",
	"72be5d74f27b896f", "80deb1fe3b1696b1", "9bdc06a725c71235",
	"c19bf174cf692694", "e49b69c19ef14ad2", "efbe4786384f25e3",
	"0fc19dc68b8cd5b5", "240ca1cc77ac9c65", "2de92c6f592b0275",
	"4a7484aa6ea6e483", "5cb0a9dcbd41fbd4", "76f988da831153b5",
	"983e5152ee66dfab", "a831c66d2db43210", "b00327c898fb213f",
	"bf597fc7beef0ee4", "c6e00bf33da88fc2", "d5a79147930aa725",
	"06ca6351e003826f", "142929670a0e6e70", "27b70a8546d22ffc",
	"2e1b21385c26c926", "4d2c6dfc5ac42aed", "53380d139d95b3df",
	"650a73548baf63de", "766a0abb3c77b2a8", "81c2c92e47edaee6",
	"92722c851482353b", "a2bfe8a14cf10364", "a81a664bbc423001",
	"c24b8b70d0f89791", "c76c51a30654be30", "d192e819d6ef5218",
	"d69906245565a910", "f40e35855771202a", "106aa07032bbd1b8",
	"19a4c116b8d2d0c8", "1e376c085141ab53", "2748774cdf8eeb99",
	"34b0bcb5e19b48a8", "391c0cb3c5c95a63", "4ed8aa4ae3418acb",
	"5b9cca4f7763e373", "682e6ff3d6b2b8a3", "748f82ee5defb2fc",
	"78a5636f43172f60", "84c87814a1f0ab72", "8cc702081a6439ec",
	"90befffa23631e28", "a4506cebde82bde9", "bef9a3f7b2c67915",
	"c67178f2e372532b", "ca273eceea26619c", "d186b8c721c0c207",
	"eada7dd6cde0eb1e", "f57d4f7fee6ed178", "06f067aa72176fba",
	"0a637dc5a2c898a6", "113f9804bef90dae", "1b710b35131c471b",
	"28db77f523047d84", "32caab7b40c72493", "3c9ebe0a15c9bebc",
	"431d67c49c100d4c", "4cc5d4becb3e42b6", "597f299cfc657e2a",
	"5fcb6fab3ad6faec", "6c44198c4a475817",
].map((x) => BigInt("0x" + x));

const IV512 = [
	"6a09e667f3bcc908", "bb67ae8584caa73b", "3c6ef372fe94f82b",
	"a54ff53a5f1d36f1", "510e527fade682d1", "9b05688c2b3e6c1f",
	"1f83d9abfb41bd6b", "5be0cd19137e2179",
].map((x) => BigInt("0x" + x));

export function sha512(bytes) {
	const h = IV512.slice();
	const m = pad(bytes, 128, 16);
	const w = new Array(80);
	const rotr = (x, n) => ((x >> n) | (x << (64n - n))) & MASK64;
	for (let off = 0; off < m.length; off += 128) {
		for (let i = 0; i < 16; i++) {
			let v = 0n;
			for (let j = 0; j < 8; j++)
				v = (v << 8n) | BigInt(m[off + 8 * i + j]);
			w[i] = v;
		}
		for (let i = 16; i < 80; i++) {
			const s0 = rotr(w[i - 15], 1n) ^ rotr(w[i - 15], 8n) ^
			    (w[i - 15] >> 7n);
			const s1 = rotr(w[i - 2], 19n) ^ rotr(w[i - 2], 61n) ^
			    (w[i - 2] >> 6n);
			w[i] = (w[i - 16] + s0 + w[i - 7] + s1) & MASK64;
		}
		let [a, b, c, d, e, f, g, hh] = h;
		for (let i = 0; i < 80; i++) {
			const S1 = rotr(e, 14n) ^ rotr(e, 18n) ^ rotr(e, 41n);
			const ch = (e & f) ^ (~e & MASK64 & g);
			const t1 = (hh + S1 + ch + K512[i] + w[i]) & MASK64;
			const S0 = rotr(a, 28n) ^ rotr(a, 34n) ^ rotr(a, 39n);
			const maj = (a & b) ^ (a & c) ^ (b & c);
			const t2 = (S0 + maj) & MASK64;
			hh = g; g = f; f = e; e = (d + t1) & MASK64;
			d = c; c = b; b = a; a = (t1 + t2) & MASK64;
		}
		const add = [a, b, c, d, e, f, g, hh];
		for (let i = 0; i < 8; i++)
			h[i] = (h[i] + add[i]) & MASK64;
	}
	const out = new Uint8Array(64);
	for (let i = 0; i < 8; i++)
		for (let j = 0; j < 8; j++)
			out[8 * i + j] = Number((h[i] >> BigInt(56 - 8 * j)) & 0xffn);
	return out;
}

// ---------------------------------------------------------------- Ed25519

const P = (1n << 255n) - 19n;
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const D = 37095705934669439343138083508754565189542113879843219016388785533085940283555n;
const BX = 15112221349535400772501151409588531511454012693041857206046113283949847762202n;
const BY = 46316835694926478169428394003475163141307993866256225615783033603165251855960n;

const mod = (a, m = P) => {
	const r = a % m;
	return r >= 0n ? r : r + m;
};

function powmod(b, e, m) {
	let r = 1n;
	b = mod(b, m);
	while (e > 0n) {
		if (e & 1n)
			r = (r * b) % m;
		b = (b * b) % m;
		e >>= 1n;
	}
	return r;
}

const inv = (x) => powmod(x, P - 2n, P);

// Points in extended coordinates (X, Y, Z, T), x = X/Z, y = Y/Z, xy = T/Z.
const ZERO = [0n, 1n, 1n, 0n];
const BASE = [BX, BY, 1n, mod(BX * BY)];

function add(p, q) {
	const [x1, y1, z1, t1] = p;
	const [x2, y2, z2, t2] = q;
	const a = mod((y1 - x1) * (y2 - x2));
	const b = mod((y1 + x1) * (y2 + x2));
	const c = mod(2n * t1 * t2 * D);
	const d = mod(2n * z1 * z2);
	const e = b - a, f = d - c, g = d + c, h = b + a;
	return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function mul(s, p) {
	let r = ZERO;
	let q = p;
	while (s > 0n) {
		if (s & 1n)
			r = add(r, q);
		q = add(q, q);
		s >>= 1n;
	}
	return r;
}

function encodePoint(p) {
	const zi = inv(p[2]);
	const x = mod(p[0] * zi);
	let y = mod(p[1] * zi);
	const out = new Uint8Array(32);
	for (let i = 0; i < 32; i++) {
		out[i] = Number(y & 0xffn);
		y >>= 8n;
	}
	if (x & 1n)
		out[31] |= 0x80;
	return out;
}

function leToBig(bytes) {
	let v = 0n;
	for (let i = bytes.length - 1; i >= 0; i--)
		v = (v << 8n) | BigInt(bytes[i]);
	return v;
}

function bigToLe32(v) {
	const out = new Uint8Array(32);
	for (let i = 0; i < 32; i++) {
		out[i] = Number(v & 0xffn);
		v >>= 8n;
	}
	return out;
}

function concat(...parts) {
	const n = parts.reduce((s, p) => s + p.length, 0);
	const out = new Uint8Array(n);
	let o = 0;
	for (const p of parts) {
		out.set(p, o);
		o += p.length;
	}
	return out;
}

function expand(seed) {
	if (!(seed instanceof Uint8Array) || seed.length !== 32)
		throw new Error("an Ed25519 seed is 32 bytes");
	const h = sha512(seed);
	const a = h.slice(0, 32);
	a[0] &= 248;
	a[31] &= 127;
	a[31] |= 64;
	return { scalar: leToBig(a), prefix: h.slice(32) };
}

// The raw 32-byte public key for a 32-byte seed.
export function publicKey(seed) {
	return encodePoint(mul(expand(seed).scalar, BASE));
}

// A 64-byte signature of `msg' (bytes) with the key made from `seed'.
export function sign(seed, msg) {
	const { scalar, prefix } = expand(seed);
	const A = encodePoint(mul(scalar, BASE));
	const r = mod(leToBig(sha512(concat(prefix, msg))), L);
	const R = encodePoint(mul(r, BASE));
	const k = mod(leToBig(sha512(concat(R, A, msg))), L);
	const S = mod(r + k * scalar, L);
	return concat(R, bigToLe32(S));
}
