// ed25519_vectors.mjs: the Control UI's fallback signer (ui/ed25519.js)
// against protocol.md §6.4's worked example and against Node's own
// crypto on random inputs.  Output as ui_e2e.mjs: "RESULT ok|fail<TAB>..".
//
// usage: node ed25519_vectors.mjs UI_DIR

import crypto from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";

const dir = process.argv[2];
const ed = await import(pathToFileURL(path.join(dir, "ed25519.js")).href);

const hex = (b) => Buffer.from(b).toString("hex");
const b64u = (b) => Buffer.from(b).toString("base64url");
const bytes = (h) => Uint8Array.from(Buffer.from(h, "hex"));
const utf8 = (s) => new TextEncoder().encode(s);

function result(ok, desc) {
	console.log(`RESULT ${ok ? "ok" : "fail"}\tfallback signer: ${desc}`);
}

// protocol.md §6.4
const seed = bytes("000102030405060708090a0b0c0d0e0f" +
    "101112131415161718191a1b1c1d1e1f");
const id = "56475aa75463474c0285df5dbf2bcab73da651358839e9b77481b2eab107708c";
const pub = ed.publicKey(seed);
result(hex(pub) === "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1d" +
    "dc8664125531b8", "public key of the §6.4 seed");
result(hex(ed.sha256(pub)) === id, "device id = SHA-256 of the public key");
const v3 = `v3|${id}|cli|cli|operator|operator.read,operator.pairing|` +
    "1737264000000|test-token-0123456789abcdef0123456789|" +
    "3cabda82-4782-4df7-a1fe-1b4d291960da|linux|linux";
result(b64u(ed.sign(seed, utf8(v3))) === "mvijIY_GIsuhwLByk8zxefipGgcMXS" +
    "SJh6hJYUakD6pu44GuMe8HTgDvWcLq9p9k5iILHXYe1BVEeg1gxEyeCQ",
    "§6.4 v3 signature");
const edge = `v3|${id}|cli|cli|operator||1737264000000||` +
    "3cabda82-4782-4df7-a1fe-1b4d291960da|macos|";
result(b64u(ed.sign(seed, utf8(edge))) === "6Xyz2ZtpmI9bIGIj756PZkbD97c-YM" +
    "iteuR72B1BFNrLDo__3su-Uw403SCZoN2i5JEyf0zwN5VCv2AFIpbYAg",
    "§6.4 edge-case signature");

// Padding boundaries of both hashes, then random keys and messages.
let bad = [];
for (const n of [0, 1, 55, 56, 63, 64, 65, 111, 112, 127, 128, 129, 1000]) {
	const m = crypto.randomBytes(n);
	if (hex(ed.sha256(m)) !== crypto.createHash("sha256").update(m)
	    .digest("hex"))
		bad.push(`sha256/${n}`);
	if (hex(ed.sha512(m)) !== crypto.createHash("sha512").update(m)
	    .digest("hex"))
		bad.push(`sha512/${n}`);
}
result(bad.length === 0, "SHA-256 and SHA-512 agree with Node at the " +
    "padding boundaries" + (bad.length ? ` (differ: ${bad})` : ""));

bad = [];
const pkcs8 = Buffer.from("302e020100300506032b657004220420", "hex");
for (let i = 0; i < 20; i++) {
	const s = crypto.randomBytes(32);
	const m = crypto.randomBytes(i * 17);
	const key = crypto.createPrivateKey({ key: Buffer.concat([pkcs8, s]),
	    format: "der", type: "pkcs8" });
	const want = crypto.sign(null, m, key);
	const got = ed.sign(Uint8Array.from(s), Uint8Array.from(m));
	const pubDer = crypto.createPublicKey(key).export({ format: "der",
	    type: "spki" }).subarray(-32);
	if (hex(got) !== hex(want) || hex(ed.publicKey(Uint8Array.from(s))) !==
	    hex(pubDer))
		bad.push(i);
}
result(bad.length === 0, "20 random keys and messages sign exactly as " +
    "Node's Ed25519" + (bad.length ? ` (differ: ${bad})` : ""));
