// gateway.js: one WebSocket to the gateway, OpenClaw protocol 4:
// connect.challenge -> connect (signed device proof) -> hello-ok, then
// requests and events.  The shared secret is sent in the connect request
// and nowhere else.

export const CLIENT_ID = "openclaw-control-ui";
export const CLIENT_MODE = "webchat";
export const UI_VERSION = "2026.9.6";
export const ROLE = "operator";
export const DEFAULT_SCOPES = [
	"operator.admin", "operator.read", "operator.write",
	"operator.approvals", "operator.questions", "operator.pairing",
];

const CHALLENGE_TIMEOUT_MS = 5000;
const HELLO_TIMEOUT_MS = 15000;
const REQUEST_TIMEOUT_MS = 15000;

// What went wrong with a connect, for the page to explain.
export class ConnectError extends Error {
	constructor(kind, info = {}) {
		super(info.message || kind);
		this.kind = kind;		// "rejected" | "closed" | "unreachable" | "timeout"
		this.error = info.error || null;	// the res error object
		this.closeCode = info.closeCode ?? null;
		this.closeReason = info.closeReason || "";
	}

	get detailCode() {
		return this.error?.details?.code || null;
	}
}

export class RequestError extends Error {
	constructor(error) {
		super(error?.message || "request failed");
		this.error = error;
	}
}

// v3|deviceId|clientId|clientMode|role|scopes|signedAt|token|nonce|platform|deviceFamily
function lowerAscii(s) {
	return String(s || "").trim().replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export function signaturePayloadV3(p) {
	return ["v3", p.deviceId, CLIENT_ID, CLIENT_MODE, ROLE,
	    p.scopes.join(","), String(p.signedAt), p.token ?? "", p.nonce,
	    lowerAscii(p.platform), lowerAscii(p.deviceFamily)].join("|");
}

export class Gateway {
	// opts: { url, identity, auth: {token}|{deviceToken}|{}, scopes,
	//         instanceId, displayName, onEvent(ev), onClose(code, reason) }
	constructor(opts) {
		this.opts = opts;
		this.ws = null;
		this.pending = new Map();
		this.nextId = 1;
		this.hello = null;
		this.lastSeq = 0;
		this.closedByUs = false;
	}

	connect() {
		return new Promise((resolve, reject) => {
			let settled = false, challengeTimer, helloTimer;
			const fail = (err) => {
				if (settled)
					return;
				settled = true;
				clearTimeout(challengeTimer);
				clearTimeout(helloTimer);
				this.closedByUs = true;
				try {
					this.ws?.close();
				} catch (e) { /* already closed */ }
				reject(err);
			};
			let ws;
			try {
				ws = new WebSocket(this.opts.url);
			} catch (e) {
				reject(new ConnectError("unreachable", {
				    message: e.message }));
				return;
			}
			this.ws = ws;
			let rejection = null;
			challengeTimer = setTimeout(() => fail(new ConnectError(
			    "timeout", { message: "no connect.challenge from the " +
			    "gateway" })), CHALLENGE_TIMEOUT_MS);
			ws.onmessage = async (m) => {
				let f;
				try {
					f = JSON.parse(m.data);
				} catch (e) {
					return;
				}
				if (!settled && f.type === "event" &&
				    f.event === "connect.challenge") {
					clearTimeout(challengeTimer);
					helloTimer = setTimeout(() => fail(new ConnectError(
					    "timeout", { message: "no answer to connect" })),
					    HELLO_TIMEOUT_MS);
					try {
						ws.send(JSON.stringify(
						    await this.connectFrame(f.payload || {})));
					} catch (e) {
						fail(new ConnectError("closed", {
						    message: e.message }));
					}
					return;
				}
				if (!settled && f.type === "res" && f.id === "connect") {
					if (f.ok) {
						settled = true;
						clearTimeout(helloTimer);
						this.hello = f.payload;
						resolve(f.payload);
					} else {
						// The close frame follows; wait for it so
						// its reason is known too.
						rejection = f.error || {};
						setTimeout(() => fail(new ConnectError(
						    "rejected", { error: rejection })), 1500);
					}
					return;
				}
				if (settled)
					this.dispatch(f);
			};
			ws.onclose = (ev) => {
				if (!settled) {
					if (rejection)
						fail(new ConnectError("rejected", {
						    error: rejection, closeCode: ev.code,
						    closeReason: ev.reason }));
					else
						fail(new ConnectError(ev.code === 1006 ?
						    "unreachable" : "closed", {
						    closeCode: ev.code,
						    closeReason: ev.reason,
						    message: ev.reason ||
						    `closed (${ev.code})` }));
					return;
				}
				this.failPending();
				if (!this.closedByUs)
					this.opts.onClose?.(ev.code, ev.reason);
			};
			ws.onerror = () => { /* onclose follows with the code */ };
		});
	}

	async connectFrame(challenge) {
		const { identity, auth, scopes } = this.opts;
		const nonce = String(challenge.nonce || "").trim();
		const signedAt = Number.isSafeInteger(challenge.ts) ?
		    challenge.ts : Date.now();
		const platform = navigator.platform || "web";
		const token = auth.token ?? auth.deviceToken ?? "";
		const signature = await identity.sign(signaturePayloadV3({
			deviceId: identity.deviceId, scopes, signedAt, token,
			nonce, platform, deviceFamily: "",
		}));
		const params = {
			minProtocol: 4,
			maxProtocol: 4,
			client: {
				id: CLIENT_ID,
				displayName: this.opts.displayName,
				version: UI_VERSION,
				platform,
				mode: CLIENT_MODE,
				instanceId: this.opts.instanceId,
			},
			role: ROLE,
			scopes,
			caps: [],
			device: {
				id: identity.deviceId,
				publicKey: identity.publicKey,
				signature,
				signedAt,
				nonce,
			},
			userAgent: navigator.userAgent.slice(0, 256),
			locale: navigator.language || "en",
		};
		try {
			const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
			if (tz && tz.length <= 64)
				params.client.timeZone = tz;
		} catch (e) { /* no time zone */ }
		// The UI has one secret field; the gateway reads either name.
		if (auth.token)
			params.auth = { token: auth.token, password: auth.token };
		else if (auth.deviceToken)
			params.auth = { deviceToken: auth.deviceToken };
		return { type: "req", id: "connect", method: "connect", params };
	}

	dispatch(f) {
		if (f.type === "res") {
			const p = this.pending.get(f.id);
			if (!p)
				return;
			this.pending.delete(f.id);
			clearTimeout(p.timer);
			if (f.ok)
				p.resolve(f.payload);
			else
				p.reject(new RequestError(f.error));
			return;
		}
		if (f.type !== "event")
			return;
		// Per-connection, gap-free numbering: a gap means lost events.
		if (Number.isInteger(f.seq)) {
			if (this.lastSeq && f.seq > this.lastSeq + 1) {
				this.close();
				this.opts.onClose?.(4000, `event gap (expected seq ` +
				    `${this.lastSeq + 1}, got ${f.seq})`);
				return;
			}
			this.lastSeq = f.seq;
		}
		this.opts.onEvent?.(f);
	}

	request(method, params) {
		return new Promise((resolve, reject) => {
			if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
				reject(new RequestError({ code: "UNAVAILABLE",
				    message: "not connected" }));
				return;
			}
			const id = `r${this.nextId++}`;
			const timer = setTimeout(() => {
				this.pending.delete(id);
				reject(new RequestError({ code: "TIMEOUT",
				    message: `${method}: no answer in ` +
				    `${REQUEST_TIMEOUT_MS / 1000} s` }));
			}, REQUEST_TIMEOUT_MS);
			this.pending.set(id, { resolve, reject, timer });
			const frame = { type: "req", id, method };
			if (params !== undefined)
				frame.params = params;
			this.ws.send(JSON.stringify(frame));
		});
	}

	failPending() {
		for (const [, p] of this.pending) {
			clearTimeout(p.timer);
			p.reject(new RequestError({ code: "UNAVAILABLE",
			    message: "connection closed" }));
		}
		this.pending.clear();
	}

	close() {
		this.closedByUs = true;
		this.failPending();
		try {
			this.ws?.close(1000);
		} catch (e) { /* already closed */ }
	}
}
