// identity.js: this browser's device identity (an Ed25519 key pair) and
// the device token the gateway issues to it, kept in IndexedDB.
//
// Preferred: a WebCrypto Ed25519 key made non-extractable, so not even
// this page can read the private key out.  Where the browser offers no
// WebCrypto Ed25519 (crypto.subtle exists only in secure contexts: HTTPS,
// localhost, 127.0.0.0/8; a plain-HTTP LAN address is not one) the page
// signs with ed25519.js and keeps the seed in IndexedDB instead, and says
// so on the page.

import * as ed from "./ed25519.js";

const DB_NAME = "clawgate-control-ui";
const STORE = "kv";
const IDENTITY_KEY = "device-identity-v1";

// ------------------------------------------------------------- encodings

export function hex(bytes) {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function base64url(bytes) {
	let s = "";
	for (const b of bytes)
		s += String.fromCharCode(b);
	return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export const utf8 = (s) => new TextEncoder().encode(s);

export function randomUUID() {
	const b = crypto.getRandomValues(new Uint8Array(16));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	const h = hex(b);
	return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-` +
	    `${h.slice(16, 20)}-${h.slice(20)}`;
}

// ------------------------------------------------------------- IndexedDB

let dbPromise = null;

function openDb() {
	if (dbPromise)
		return dbPromise;
	dbPromise = new Promise((resolve, reject) => {
		if (!("indexedDB" in globalThis) || !globalThis.indexedDB) {
			reject(new IdentityError("no-indexeddb",
			    "This browser offers no IndexedDB here (a private " +
			    "window may disable it), so it cannot keep a device " +
			    "identity."));
			return;
		}
		const req = indexedDB.open(DB_NAME, 1);
		req.onupgradeneeded = () => req.result.createObjectStore(STORE);
		req.onsuccess = () => resolve(req.result);
		req.onerror = () => reject(new IdentityError("no-indexeddb",
		    "This browser refused to open its IndexedDB storage (" +
		    (req.error?.message || "unknown error") + ")."));
		req.onblocked = () => reject(new IdentityError("no-indexeddb",
		    "IndexedDB is blocked by another tab of this page; close it " +
		    "and reload."));
	});
	dbPromise.catch(() => { dbPromise = null; });
	return dbPromise;
}

async function dbOp(mode, fn) {
	const db = await openDb();
	return new Promise((resolve, reject) => {
		const tx = db.transaction(STORE, mode);
		const req = fn(tx.objectStore(STORE));
		tx.oncomplete = () => resolve(req.result);
		tx.onerror = () => reject(tx.error);
		tx.onabort = () => reject(tx.error);
	});
}

const dbGet = (key) => dbOp("readonly", (s) => s.get(key));
const dbPut = (key, value) => dbOp("readwrite", (s) => s.put(value, key));
const dbDelete = (key) => dbOp("readwrite", (s) => s.delete(key));

// ---------------------------------------------------------------- errors

export class IdentityError extends Error {
	constructor(code, message) {
		super(message);
		this.code = code;
	}
}

// Why WebCrypto Ed25519 is not available here, or null if it is.
async function webCryptoProblem() {
	if (!globalThis.isSecureContext || !globalThis.crypto?.subtle)
		return "insecure-context";
	try {
		const kp = await crypto.subtle.generateKey({ name: "Ed25519" },
		    false, ["sign", "verify"]);
		return kp?.privateKey ? null : "no-ed25519";
	} catch (e) {
		return "no-ed25519";
	}
}

// --------------------------------------------------------------- identity

class Identity {
	constructor(rec) {
		this.kind = rec.kind;		// "webcrypto" | "js"
		this.deviceId = rec.deviceId;
		this.publicKey = base64url(rec.publicKeyRaw);
		this.createdAtMs = rec.createdAtMs;
		this.fallbackReason = rec.fallbackReason || null;
		this.rec = rec;
	}

	// The first characters of the device id: what `clawgate devices list'
	// shows, so an approver can match this browser to its request.
	get shortCode() {
		return this.deviceId.slice(0, 8);
	}

	async sign(text) {
		const msg = utf8(text);
		if (this.kind === "webcrypto") {
			const sig = await crypto.subtle.sign({ name: "Ed25519" },
			    this.rec.privateKey, msg);
			return base64url(new Uint8Array(sig));
		}
		return base64url(ed.sign(this.rec.seed, msg));
	}
}

async function create() {
	const problem = await webCryptoProblem();
	let rec;
	if (problem === null) {
		const kp = await crypto.subtle.generateKey({ name: "Ed25519" },
		    false, ["sign", "verify"]);
		const raw = new Uint8Array(await crypto.subtle.exportKey("raw",
		    kp.publicKey));
		rec = { kind: "webcrypto", privateKey: kp.privateKey,
		    publicKeyRaw: raw };
	} else {
		if (typeof BigInt !== "function")
			throw new IdentityError("no-ed25519", "This browser has " +
			    "neither WebCrypto Ed25519 nor the BigInt arithmetic " +
			    "the page's own signer needs. Use a current Chrome, " +
			    "Edge, Firefox or Safari.");
		const seed = crypto.getRandomValues(new Uint8Array(32));
		rec = { kind: "js", seed, publicKeyRaw: ed.publicKey(seed),
		    fallbackReason: problem };
	}
	rec.deviceId = hex(ed.sha256(rec.publicKeyRaw));
	rec.createdAtMs = Date.now();
	await dbPut(IDENTITY_KEY, rec);
	return rec;
}

// This browser's identity, made on first use.
export async function loadIdentity() {
	if (!globalThis.crypto?.getRandomValues)
		throw new IdentityError("no-random", "This browser offers no " +
		    "secure random numbers (crypto.getRandomValues), so it " +
		    "cannot make a device key.");
	let rec = await dbGet(IDENTITY_KEY);
	const valid = rec && typeof rec.deviceId === "string" &&
	    rec.publicKeyRaw instanceof Uint8Array &&
	    ((rec.kind === "webcrypto" && rec.privateKey) ||
	    (rec.kind === "js" && rec.seed instanceof Uint8Array));
	if (!valid)
		rec = await create();
	else if (rec.kind === "js" && !rec.fallbackReason)
		rec.fallbackReason = await webCryptoProblem() || "stored";
	return new Identity(rec);
}

// Forget the key: the next load makes a new device (a new pairing).
export async function resetIdentity() {
	await dbDelete(IDENTITY_KEY);
}

// ----------------------------------------------------------- device token

const tokenKey = (gatewayUrl) => "device-token-v1:" + gatewayUrl;

export async function loadDeviceToken(gatewayUrl, deviceId) {
	try {
		const t = await dbGet(tokenKey(gatewayUrl));
		if (t && t.deviceId === deviceId && typeof t.token === "string")
			return t;
	} catch (e) {
		// no storage: behave as if there were no token
	}
	return null;
}

export async function saveDeviceToken(gatewayUrl, deviceId, auth) {
	await dbPut(tokenKey(gatewayUrl), {
		deviceId,
		token: auth.deviceToken,
		role: auth.role || "operator",
		scopes: Array.isArray(auth.scopes) ? auth.scopes : [],
		issuedAtMs: auth.issuedAtMs || Date.now(),
	});
}

export async function forgetDeviceToken(gatewayUrl) {
	try {
		await dbDelete(tokenKey(gatewayUrl));
	} catch (e) {
		// nothing stored
	}
}
