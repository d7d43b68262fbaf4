// app.js: the Control UI.  It connects to the gateway that served it,
// explains every failure with the one thing to do, and lets operators
// with operator.pairing approve and manage devices.

import { $, ago, clock, command, confirmButton, duration, h, replace }
    from "./dom.js";
import { ConnectError, DEFAULT_SCOPES, Gateway } from "./gateway.js";
import { forgetDeviceToken, loadDeviceToken, loadIdentity, randomUUID,
    resetIdentity, saveDeviceToken } from "./identity.js";

// ------------------------------------------------------------ the address
//
// First, before anything else: take the secret out of the address bar.

const BASE = document.documentElement.dataset.basePath || "";
// A pairing request id, as the gateway echoes them (protocol.md §7.4).
const RID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const landing = takeSecretFromUrl();

const WS_URL = `${location.protocol === "https:" ? "wss:" : "ws:"}//` +
    `${location.host}${BASE}/`;
const SECRET_KEY = "clawgate.secret.v1:" + WS_URL;

function takeSecretFromUrl() {
	const url = new URL(location.href);
	const hash = new URLSearchParams(url.hash.replace(/^#/, ""));
	const query = url.searchParams;
	const out = { token: null, from: null, passwordDropped: false,
	    legacyPath: null, approve: null };

	// The fragment wins: it never reaches a server's logs.
	if (hash.get("token")) {
		out.token = hash.get("token").trim();
		out.from = "fragment";
	} else if (query.get("token")) {
		out.token = query.get("token").trim();
		out.from = "query";
		console.warn("[clawgate] Auth token passed as query parameter " +
		    "(?token=). Use URL fragment instead: #token=<token>. Query " +
		    "parameters may appear in server logs.");
	}
	// Rebuild only what held a credential: other fragments stay as they are.
	const strip = (p) => {
		const had = p.has("token") || p.has("password");
		if (p.has("password"))
			out.passwordDropped = true;
		p.delete("token");
		p.delete("password");
		return had;
	};
	// #approve=<requestId>: an operator's one-click approval link (it
	// holds no secret; taken out too, so a reload does not ask again).
	let approveSeen = false;
	if (hash.has("approve")) {
		const rid = hash.get("approve").trim();
		out.approve = RID_RE.test(rid) ? rid : "";
		hash.delete("approve");
		approveSeen = true;
	}
	const f = strip(hash) || approveSeen ? hash.toString() :
	    url.hash.replace(/^#/, "");
	let queryChanged = strip(query);
	// Old guides link to /chat?session=main: this UI is one page.
	let path = url.pathname;
	const rel = path.startsWith(BASE) ? path.slice(BASE.length) : path;
	if (rel !== "" && rel !== "/" && rel !== "/index.html") {
		out.legacyPath = rel + (query.has("session") ?
		    `?session=${query.get("session")}` : "");
		query.delete("session");
		queryChanged = true;
		path = BASE + "/";
	}
	const q = queryChanged ? query.toString() : url.search.replace(/^\?/, "");
	const clean = path + (q ? "?" + q : "") + (f ? "#" + f : "");
	if (clean !== url.pathname + url.search + url.hash)
		history.replaceState(null, "", clean);
	if (!out.token)
		out.token = null;
	return out;
}

// ------------------------------------------------------------------ state

const state = {
	identity: null,
	secret: null,
	instanceId: null,
	gw: null,
	hello: null,
	phase: "starting",
	attempt: 0,		// failed attempts in a row (backoff)
	retryTimer: null,
	tickTimer: null,
	statusTimer: null,
	lastFrameAt: 0,
	triedDeviceToken: false,
	mismatch: null,		// the wrong-token error, during the fallback
	problemKey: null,
	pairingWaitSince: 0,
	pairingRid: null,	// the request this page is waiting on
	refreshTimer: null,
	pairingKey: null,	// the last device list shown
	canPair: false,		// this connection has operator.pairing
	approveRid: null,	// #approve=: the request to show (""=bad link)
	approveDone: null,	// {decision, name} once acted on here
	approveError: null,
	approveList: null,	// the last device list, for the panel
};

function sessionGet(k) {
	try {
		return sessionStorage.getItem(k);
	} catch (e) {
		return null;
	}
}

function sessionSet(k, v) {
	try {
		if (v == null)
			sessionStorage.removeItem(k);
		else
			sessionStorage.setItem(k, v);
	} catch (e) {
		// storage disabled: the secret lives in memory for this page
	}
}

function browserName() {
	const ua = navigator.userAgent;
	if (/Edg\//.test(ua))
		return "Edge";
	if (/Firefox\//.test(ua))
		return "Firefox";
	if (/Chrom(e|ium)\//.test(ua))
		return "Chrome";
	if (/Safari\//.test(ua))
		return "Safari";
	return "Browser";
}

// -------------------------------------------------------- connection pill

const PILL = {
	starting: "Starting…",
	connecting: "Connecting…",
	reconnecting: "Reconnecting…",
	connected: "Connected",
	"pairing-required": "Waiting for approval",
};

function setPhase(phase, text) {
	state.phase = phase;
	const pill = $("#conn");
	pill.dataset.state = phase;
	pill.textContent = text || PILL[phase] || "Not connected";
	document.body.dataset.state = phase;
}

// ---------------------------------------------------------------- notices

// A message above the panels; one with the same key replaces the last.
function notice(kind, key, ...content) {
	const n = h(`div.notice.${kind}`, { role: kind === "warn" ? "alert" :
	    null, dataset: { key } }, h("div.body", ...content),
	    h("button.dismiss", { type: "button",
		"aria-label": "Dismiss this message",
		on: { click: () => n.remove() } }, "×"));
	const old = $(`#notices [data-key="${key}"]`);
	if (old)
		old.replaceWith(n);
	else
		$("#notices").append(n);
	return n;
}

function landingNotices() {
	if (landing.legacyPath)
		notice("info", "legacy", h("p", "You followed a link to ",
		    h("code", landing.legacyPath), " from an older OpenClaw " +
		    "guide. clawgate's Control UI is this single page: " +
		    "connection, device pairing and gateway status. It has no " +
		    "chat view, so the link opened here; the token in it, if " +
		    "any, was used."));
	if (landing.from === "query")
		notice("warn", "query-token", h("p", "The token came in the address's query " +
		    "(", h("code", "?token=…"), "), which ends up in server and " +
		    "proxy logs. It was removed from the address bar. Prefer " +
		    "links with ", h("code", "#token=…"), ", as ",
		    h("code", "clawgate dashboard"), " prints them."));
	if (landing.passwordDropped)
		notice("info", "password", h("p", "Passwords are never taken from links. " +
		    "Type it under Settings instead."));
}

// ---------------------------------------------------------------- problem

// One panel at a time: what happened, the one thing to do, and details.
// Panels with the same key are updated in place (no flicker, focus kept).
function showProblem(p) {
	const el = $("#problem");
	if (p.phase)
		setPhase(p.phase, p.pill);
	if (state.problemKey === p.key && !el.hidden) {
		const live = $(".live", el);
		if (live && p.live !== undefined)
			replace(live, p.live);
		return;
	}
	state.problemKey = p.key;
	replace(el,
	    h("h2#problem-title", p.title),
	    h("div.what", p.what),
	    h("div.todo", h("h3", "What to do"), p.todo),
	    p.live !== undefined ? h("p.live", { role: "status" }, p.live) : null,
	    p.actions ? h("div.actions", p.actions) : null,
	    p.raw ? h("details.raw", h("summary", "Technical details"),
		h("pre", JSON.stringify(p.raw, null, 2))) : null);
	el.dataset.kind = p.phase;
	el.hidden = false;
}

function hideProblem() {
	$("#problem").hidden = true;
	state.problemKey = null;
}

const retryButton = (label = "Try again") => h("button.primary", {
	type: "button", on: { click: () => connect() } }, label);

const focusSettings = () => h("button", { type: "button", on: { click:
    () => $("#secret").focus() } }, "Paste a token");

function host() {
	return location.host;
}

function rawOf(e) {
	return { error: e.error || undefined, close: e.closeCode != null ?
	    { code: e.closeCode, reason: e.closeReason } : undefined,
	    message: e.error ? undefined : e.message };
}

// ------------------------------------------------------------ connecting

function clearTimers() {
	clearTimeout(state.retryTimer);
	clearInterval(state.tickTimer);
	clearInterval(state.statusTimer);
	state.retryTimer = state.tickTimer = state.statusTimer = null;
}

function retryIn(ms, fn = connect) {
	clearTimeout(state.retryTimer);
	state.retryTimer = setTimeout(fn, ms);
}

async function connect(opts = {}) {
	clearTimers();
	if (state.gw) {
		state.gw.close();
		state.gw = null;
	}
	if (!state.identity)
		return;
	if (state.phase !== "pairing-required")
		setPhase(state.hello || state.attempt ? "reconnecting" :
		    "connecting");
	const dt = await loadDeviceToken(WS_URL, state.identity.deviceId);
	let auth = {}, scopes = DEFAULT_SCOPES, using = "none";
	if (state.secret && !opts.useDeviceToken) {
		auth = { token: state.secret };
		using = "secret";
	} else if (dt) {
		auth = { deviceToken: dt.token };
		scopes = dt.scopes.length ? dt.scopes : DEFAULT_SCOPES;
		using = "device-token";
	}
	const gw = new Gateway({
		url: WS_URL,
		identity: state.identity,
		auth,
		scopes,
		instanceId: state.instanceId,
		displayName: `Control UI (${browserName()}, ` +
		    `${navigator.platform || "web"})`,
		onEvent: (ev) => onEvent(gw, ev),
		onClose: (code, reason) => onClosed(gw, code, reason),
	});
	state.gw = gw;
	let hello;
	try {
		hello = await gw.connect();
	} catch (e) {
		if (state.gw !== gw)
			return;		// superseded by a newer attempt
		state.gw = null;
		state.hello = null;
		state.attempt++;
		await onConnectError(e, using, dt);
		return;
	}
	if (state.gw !== gw) {
		gw.close();		// superseded while it connected
		return;
	}
	await onConnected(gw, hello, using);
}

async function onConnected(gw, hello, using) {
	state.hello = hello;
	state.attempt = 0;
	state.triedDeviceToken = false;
	state.mismatch = null;
	state.pairingWaitSince = 0;
	state.pairingRid = null;
	state.lastFrameAt = Date.now();
	const auth = hello.auth || {};
	if (auth.deviceToken) {
		try {
			await saveDeviceToken(WS_URL, state.identity.deviceId, auth);
		} catch (e) {
			notice("warn", "store", h("p", "This browser could not store its " +
			    "device token (" + e.message + "); it will need the " +
			    "gateway token again next time."));
		}
	}
	hideProblem();
	$('#notices [data-key="closed"]')?.remove();
	setPhase("connected");
	renderSecretState();
	renderDevice(auth);
	// Silence for two tick intervals means a dead link: reconnect.
	const tick = hello.policy?.tickIntervalMs || 30000;
	state.tickTimer = setInterval(() => {
		if (Date.now() - state.lastFrameAt > 2 * tick) {
			gw.close();
			onClosed(gw, 4000, "tick timeout");
		}
	}, Math.min(tick, 5000));
	$("#status").hidden = false;
	refreshStatus();
	state.statusTimer = setInterval(refreshStatus, 15000);
	const scopes = auth.scopes || [];
	const canPair = scopes.includes("operator.pairing") ||
	    scopes.includes("operator.admin");
	$("#pairing").hidden = !canPair;
	$("#no-pairing").hidden = canPair;
	state.canPair = canPair;
	state.pairingKey = null;
	state.approveList = null;
	renderApprove(null);
	if (canPair)
		refreshPairing();
	if (using === "device-token" && state.secret)
		notice("warn", "fallback", h("p", "The token in this tab was rejected, so " +
		    "the page connected with this browser's device token. Fix " +
		    "or clear the token under Settings."));
}

function onEvent(gw, ev) {
	if (state.gw !== gw)
		return;
	state.lastFrameAt = Date.now();
	if (ev.event === "device.pair.requested") {
		const p = ev.payload || {};
		notice("info", "pair-request", h("p", "New pairing request from ",
		    h("strong", p.displayName || p.clientId || "a device"),
		    " (code ", h("code", String(p.deviceId || "").slice(0, 8)),
		    ")."));
		schedulePairingRefresh();
	} else if (ev.event === "device.pair.resolved" ||
	    ev.event === "device.pair.changed") {
		schedulePairingRefresh();
	}
}

function onClosed(gw, code, reason) {
	if (state.gw !== gw)
		return;
	state.gw = null;
	state.hello = null;
	clearTimers();
	$("#status").hidden = true;
	$("#pairing").hidden = true;
	$("#no-pairing").hidden = true;
	if (code === 4001 || /device removed|invalidated/.test(reason || ""))
		forgetDeviceToken(WS_URL);
	setPhase("reconnecting");
	notice("info", "closed", h("p", `The connection closed (${code}` +
	    (reason ? `: ${reason}` : "") + `) at ${clock(Date.now())}; ` +
	    "reconnecting."));
	retryIn(code === 1012 || code === 1013 ? 1500 : 800);
}

function backoff() {
	return Math.min(15000, 1000 * 2 ** Math.min(state.attempt - 1, 4));
}

// Every failure: what happened, and the one thing to do.
async function onConnectError(e, using, dt) {
	const err = e.error || {};
	const d = err.details || {};
	const code = d.code || null;

	if (e.kind !== "rejected") {
		showUnreachable(e);
		return;
	}
	switch (code) {
	case "PAIRING_REQUIRED":
		showPairingRequired(e);
		return;
	case "AUTH_TOKEN_MISSING":
	case "AUTH_PASSWORD_MISSING":
		showTokenMissing(e, code === "AUTH_PASSWORD_MISSING");
		return;
	case "AUTH_TOKEN_MISMATCH":
	case "AUTH_PASSWORD_MISMATCH":
		// One quiet retry with this browser's own device token.
		if (using === "secret" && dt && !state.triedDeviceToken) {
			state.triedDeviceToken = true;
			state.mismatch = e;
			connect({ useDeviceToken: true });
			return;
		}
		showTokenMismatch(e, code === "AUTH_PASSWORD_MISMATCH");
		return;
	case "AUTH_DEVICE_TOKEN_MISMATCH":
	case "AUTH_SCOPE_MISMATCH":
		await forgetDeviceToken(WS_URL);
		if (state.triedDeviceToken && state.mismatch) {
			// The fallback after a wrong token failed too.
			showTokenMismatch(state.mismatch, false);
			return;
		}
		if (state.secret && using === "device-token") {
			connect();
			return;
		}
		showDeviceTokenInvalid(e);
		return;
	case "AUTH_RATE_LIMITED":
		showRateLimited(e);
		return;
	case "CONTROL_UI_ORIGIN_NOT_ALLOWED":
		showOriginNotAllowed(e);
		return;
	default:
		break;
	}
	if (err.code === "UNAVAILABLE" || e.closeCode === 1013) {
		const wait = Math.max(500, Math.min(err.retryAfterMs || 1000, 5000));
		showProblem({ key: "unavailable", phase: "reconnecting",
		    title: "The gateway is starting or restarting",
		    what: h("p", `The gateway at ${host()} answered, but is not ` +
		    "taking connections this moment."),
		    todo: h("p", "Nothing: the page tries again by itself."),
		    live: `Next try at ${clock(Date.now() + wait)}.`, raw: rawOf(e) });
		retryIn(wait);
		return;
	}
	if (code && code.startsWith("DEVICE_AUTH_")) {
		showDeviceProofRefused(e);
		return;
	}
	if (code === "PROTOCOL_MISMATCH") {
		showProblem({ key: "protocol", phase: "error",
		    pill: "Needs a reload", title: "This page is out of date",
		    what: h("p", "The gateway speaks a different protocol " +
		    "version than this copy of the page."),
		    todo: h("p", "Reload the page."),
		    actions: h("button.primary", { type: "button",
		    on: { click: () => location.reload() } }, "Reload"),
		    raw: rawOf(e) });
		return;
	}
	showProblem({ key: "other:" + (code || err.code), phase: "error",
	    pill: "Not connected", title: "The gateway refused the connection",
	    what: h("p", err.message || e.message),
	    todo: h("p", "Check the gateway's log on the gateway host (",
	    h("code", "clawgate logs"), "), then try again."),
	    actions: retryButton(), raw: rawOf(e) });
}

function showUnreachable(e) {
	const wait = backoff();
	showProblem({ key: "unreachable", phase: "unreachable",
	    pill: "Gateway unreachable", title: "Cannot reach the gateway",
	    what: h("p", `The page could not open a WebSocket to ${WS_URL}` +
	    (e.closeCode ? ` (closed with ${e.closeCode}` +
	    (e.closeReason ? `: ${e.closeReason}` : "") + ")" : "") + "."),
	    todo: h("div", h("p", "Check on the gateway host that clawgated " +
	    "is running:"), command("clawgate gateway status"),
	    h("p", "The page keeps trying by itself.")),
	    live: `Attempt ${state.attempt} failed; next try at ` +
	    `${clock(Date.now() + wait)}.`,
	    actions: retryButton("Try now"), raw: rawOf(e) });
	retryIn(wait);
}

function showPairingRequired(e) {
	const d = e.error.details || {};
	const rid = d.requestId || (/\(requestId: ([^)]+)\)/.exec(
	    e.closeReason || "") || [])[1] || null;
	const titles = {
		"scope-upgrade": "Approve the new access level",
		"role-upgrade": "Approve the new role",
		"metadata-upgrade": "Re-approve this browser",
	};
	if (!state.pairingWaitSince)
		state.pairingWaitSince = Date.now();
	// A new id while waiting: the last request was rejected or expired.
	const renewed = state.pairingRid && rid && rid !== state.pairingRid ?
	    state.pairingRid : null;
	if (rid)
		state.pairingRid = rid;
	const waited = Date.now() - state.pairingWaitSince;
	// Retry until approved: often at first, then calmer; the request
	// lives 5 minutes and each retry refreshes it.
	const wait = waited < 60000 ? 2000 : waited < 600000 ? 5000 : null;
	const cmd = rid ? `clawgate devices approve ${rid}` :
	    "clawgate devices list";
	// The same page, with the request: an operator who opens it in a
	// Control UI already signed in to this gateway approves in one click.
	const link = rid ? `${location.origin}${BASE}/#approve=` +
	    encodeURIComponent(rid) : null;
	showProblem({
		key: "pairing:" + rid,
		phase: "pairing-required",
		title: titles[d.reason] || "Approve this browser",
		what: h("div",
		    h("p", `This browser reached the gateway at ${host()}, but ` +
		    "the gateway does not know it yet. A one-time approval " +
		    "finishes pairing."),
		    h("dl.facts.pairing-facts",
			h("dt", "Request"), h("dd", h("code.rid",
			    { dataset: { requestId: rid || "" } }, rid || "(none)")),
			h("dt", "Device code"), h("dd", h("code.shortcode",
			    state.identity.shortCode)),
			d.requestedScopes ? [h("dt", "Asks for"),
			    h("dd", d.requestedScopes.join(", "))] : null),
		    renewed ? h("p.hint", "The earlier request (" +
			renewed.slice(0, 8) + "…) was rejected or expired; " +
			"this is a new one.") : null),
		todo: h("div",
		    h("p", "On the gateway host, run:"), command(cmd),
		    link ? h("div.approve-link", h("p", "or send this link to " +
			"someone signed in to this gateway's Control UI as an " +
			"operator: it opens this request with Approve and " +
			"Reject buttons."), command(link, "Copy approval link")) :
			null,
		    h("p", "An operator can also approve it under Devices → " +
		    "Waiting for approval (the device code is the start of its " +
		    "device id). This page connects by itself once approved.")),
		live: wait ? `Waiting for approval… last checked ` +
		    `${clock(Date.now())}.` : "Still not approved. Check again " +
		    "once it is.",
		actions: h("button", { type: "button", on: { click: () =>
		    connect() } }, "Check now"),
		raw: rawOf(e),
	});
	if (wait)
		retryIn(wait);
}

function showTokenMissing(e, password) {
	const what = password ? "password" : "token";
	showProblem({ key: "token-missing", phase: "token-missing",
	    pill: `Needs the ${what}`,
	    title: `This gateway expects its ${what}`,
	    what: h("p", `The gateway at ${host()} is reachable, but this ` +
	    `page has no ${what} to show it.`),
	    todo: h("div", password ?
		h("p", "Type the gateway password under Settings below.") :
		[h("p", "On the gateway host, run this and open the link it " +
		"prints (the token travels after #, never to a server):"),
		command("clawgate dashboard"),
		h("p", "or paste the token under Settings below.")]),
	    actions: focusSettings(), raw: rawOf(e) });
}

function showTokenMismatch(e, password) {
	// Only the gateway can fingerprint a secret (it keys them with a
	// key it never gives out); it sends both to local pages only.
	const d = e.error.details || {};
	const fp = (v) => typeof v === "string" && /^[0-9a-f]{16}$/.test(v) ?
	    v : null;
	const mine = fp(d.providedFingerprint);
	const theirs = fp(d.expectedFingerprint);
	const what = password ? "password" : "token";
	showProblem({ key: "token-mismatch", phase: "token-mismatch",
	    pill: `Wrong ${what}`,
	    title: `The gateway rejected this ${what}`,
	    what: h("div", h("p", `The gateway at ${host()} does not accept ` +
	    `the ${what} this page sent.` + (mine || theirs ? " Compare the " +
	    "fingerprints (short names the gateway gives secrets; the " +
	    "secrets themselves are never shown):" : "")),
		mine || theirs ? h("dl.facts.fingerprints",
		    h("dt", "This page's"), h("dd", mine ?
			h("code.fp-mine", mine) : "(not shown)"),
		    h("dt", "The gateway's"), h("dd", theirs ?
			h("code.fp-gateway", theirs) : "(not shown)")) :
		h("p", "The gateway shows fingerprints to pages on its own " +
		    "host only. On the gateway host, ",
		    h("code", "clawgate token fingerprint"),
		    " tells whether a token is the gateway's.")),
	    todo: h("div", password ?
		h("p", "Type the right password under Settings below.") :
		[h("p", "On the gateway host, run this and open the link it " +
		"prints:"), command("clawgate dashboard"),
		h("p", "or paste the right token under Settings below.")]),
	    actions: focusSettings(), raw: rawOf(e) });
}

function showDeviceTokenInvalid(e) {
	showProblem({ key: "device-token", phase: "device-token-invalid",
	    pill: "Pairing no longer valid",
	    title: "This browser's pairing is no longer valid",
	    what: h("p", "The gateway no longer accepts this browser's device " +
	    "token: the device was removed, or its token was revoked or " +
	    "rotated."),
	    todo: h("div", h("p", "Open the link that this prints on the " +
	    "gateway host, to pair again with the gateway token:"),
	    command("clawgate dashboard")),
	    actions: focusSettings(), raw: rawOf(e) });
}

function showRateLimited(e) {
	const until = Date.now() + (e.error.retryAfterMs || 60000);
	const tick = () => {
		const left = until - Date.now();
		if (state.problemKey !== "rate-limited")
			return;
		showProblem({ key: "rate-limited", live: left > 0 ?
		    `You can try again at ${clock(until)} (in ` +
		    `${duration(left + 999)}).` : "You can try again now." });
		if (left > 0)
			state.retryTimer = setTimeout(tick, 1000);
	};
	showProblem({ key: "rate-limited", phase: "rate-limited",
	    pill: "Too many attempts", title: "Too many failed attempts",
	    what: h("p", `The gateway at ${host()} saw too many wrong tokens ` +
	    "from this browser and refuses every attempt, even a right one, " +
	    "until the lock ends."),
	    todo: h("div", h("p", `Wait until ${clock(until)}. Meanwhile get ` +
	    "the right token: on the gateway host, run"),
	    command("clawgate dashboard")),
	    live: `You can try again at ${clock(until)}.`,
	    actions: retryButton(), raw: rawOf(e) });
	clearTimeout(state.retryTimer);
	state.retryTimer = setTimeout(tick, 1000);
}

function showOriginNotAllowed(e) {
	const origin = location.origin;
	const snippet = `gateway: { controlUi: { allowedOrigins: [` +
	    `"${origin}"] } }`;
	showProblem({ key: "origin", phase: "origin-not-allowed",
	    pill: "Address not allowed",
	    title: "This address may not control the gateway",
	    what: h("p", "The gateway only accepts its Control UI from " +
	    "addresses it trusts, and ", h("code.origin", origin),
	    " is not one of them."),
	    todo: h("div", h("p", "Add it to ",
	    h("code", "gateway.controlUi.allowedOrigins"), " in the gateway's " +
	    "configuration, then reload the gateway:"),
	    command(`clawgate config set gateway.controlUi.allowedOrigins ` +
	    `'["${origin}"]'`),
	    h("p", "(this sets the whole list: add any origins already in " +
	    "it; in the file: ", h("code", snippet), "), then run ",
	    h("code", "clawgate gateway reload"), ". Or open the Control UI " +
	    "on the gateway host itself.")),
	    actions: retryButton(), raw: rawOf(e) });
}

function showDeviceProofRefused(e) {
	showProblem({ key: "device-proof", phase: "error",
	    pill: "Not connected", title: "The gateway refused this browser's " +
	    "device proof",
	    what: h("p", e.error.message + "."),
	    todo: h("p", e.error.details?.code ===
	    "DEVICE_AUTH_SIGNATURE_EXPIRED" ? "Check the clocks of this " +
	    "computer and the gateway host." : "Make a new device identity " +
	    "for this browser (Settings → Forget this browser), then pair it " +
	    "again."),
	    actions: retryButton(), raw: rawOf(e) });
}

// ---------------------------------------------------------------- status

async function refreshStatus() {
	const gw = state.gw;
	if (!gw)
		return;
	const errEl = $("#status-error");
	try {
		const [health, status] = await Promise.all([
		    gw.request("health"),
		    gw.request("status", {}).catch((e) => ({ error: e })),
		]);
		renderStatus(health, status);
		errEl.hidden = true;
	} catch (e) {
		if (state.gw !== gw)
			return;
		errEl.textContent = "Could not read the status: " + e.message;
		errEl.hidden = false;
	}
}

function listeners(s) {
	const l = s.listeners?.actual || s.listeners;
	if (!Array.isArray(l))
		return null;
	return l.map((x) => typeof x === "string" ? x :
	    x.address || x.url || JSON.stringify(x)).join(", ");
}

function renderStatus(health, s) {
	const hello = state.hello || {};
	const rows = [];
	const row = (k, v) => v != null && v !== "" &&
	    rows.push(h("dt", k), h("dd", v));
	row("Health", health?.ok ? h("span.ok", "OK") : h("span.bad",
	    "Not OK"));
	row("Gateway", s.runtimeVersion || hello.server?.version);
	row("Protocol", String(hello.protocol || 4));
	if (Number.isFinite(s.uptimeMs))
		row("Uptime", duration(s.uptimeMs));
	row("Listeners", listeners(s));
	if (Array.isArray(s.workers))
		row("Workers", `${s.workers.length} (` + s.workers.map((w) =>
		    `#${w.slot}: ${w.connections ?? "?"} connections`)
		    .join(", ") + ")");
	else if (s.workers != null)
		row("Workers", String(s.workers));
	if (s.worker != null)
		row("This connection's worker", `#${s.worker}`);
	if (s.connections)
		row("Connections", `${s.connections.open ?? "?"} open, ` +
		    `${s.connections.authenticated ?? "?"} authenticated, ` +
		    `${s.connections.acceptedTotal ?? "?"} since start`);
	const a = hello.auth || {};
	row("Signed in as", `${a.role || "operator"} with ` +
	    `${a.method || "?"}` + (a.scopes?.length ? ` (${a.scopes.length} ` +
	    "scopes)" : " (no scopes)"));
	if (s.error)
		row("Details", "status: " + s.error.message);
	replace($("#status-list"), rows);
}

// --------------------------------------------------------------- pairing

function schedulePairingRefresh() {
	clearTimeout(state.refreshTimer);
	state.refreshTimer = setTimeout(refreshPairing, 150);
}

function pairingError(msg) {
	const el = $("#pairing-error");
	el.textContent = msg || "";
	el.hidden = !msg;
}

async function refreshPairing() {
	const gw = state.gw;
	if (!gw || $("#pairing").hidden)
		return;
	try {
		const list = await gw.request("device.pair.list", {});
		if (state.gw !== gw)
			return;
		pairingError(null);
		renderApprove(list);
		// Unchanged: keep the DOM (and a half-confirmed button) as is.
		const key = JSON.stringify(list);
		if (key === state.pairingKey)
			return;
		state.pairingKey = key;
		renderPending(list.pending || []);
		renderPaired(list.paired || []);
	} catch (e) {
		if (state.gw === gw)
			pairingError("Could not read the device list: " + e.message);
	}
}

async function act(method, params, what) {
	if (!state.gw) {
		pairingError(`${what} failed: not connected to the gateway.`);
		return;
	}
	try {
		await state.gw.request(method, params);
		pairingError(null);
	} catch (e) {
		pairingError(`${what} failed: ${e.message}`);
		state.pairingKey = null;	// redraw: re-enable the buttons
	}
	schedulePairingRefresh();
}

function deviceName(d) {
	return d.operatorLabel || d.displayName || d.clientId ||
	    d.deviceId.slice(0, 12);
}

function renderPending(pending) {
	const items = pending.sort((a, b) => (b.ts || 0) - (a.ts || 0))
	    .map((p) => h("li.item.pending", { dataset: {
		requestId: p.requestId, deviceId: p.deviceId } },
		h("div.item-head",
		    h("strong", deviceName(p)),
		    h("span.badge", p.isRepair ? "re-approval" : "new")),
		h("dl.facts",
		    h("dt", "Device code"), h("dd", h("code.shortcode",
			p.deviceId.slice(0, 8))),
		    h("dt", "Request"), h("dd", h("code", p.requestId)),
		    p.remoteIp ? [h("dt", "From"), h("dd", p.remoteIp)] : null,
		    h("dt", "Asks for"), h("dd", (p.roles || [p.role])
			.join(", ") + (p.scopes?.length ? ": " +
			p.scopes.join(", ") : "")),
		    p.ts ? [h("dt", "Asked"), h("dd", ago(p.ts))] : null),
		h("div.actions",
		    h("button.primary.approve", { type: "button",
			"aria-label": `Approve ${deviceName(p)} ` +
			`(${p.deviceId.slice(0, 8)})`,
			on: { click: (ev) => {
				ev.currentTarget.disabled = true;
				act("device.pair.approve", { requestId:
				    p.requestId }, "Approving");
			} } }, "Approve"),
		    confirmButton("Reject", "Really reject?", () =>
			act("device.pair.reject", { requestId: p.requestId },
			"Rejecting"), ".reject"))));
	replace($("#pending-list"), items.length ? items :
	    h("li.empty", "No device is waiting."));
	$("#pending-title").textContent = `Waiting for approval (${items.length})`;
}

// ------------------------------------------------- #approve=<requestId>
//
// The link a waiting browser shows: here, one request with what it asks
// for, and Approve / Reject over this page's own connection.

let approveKey = null;	// what the panel shows (kept while unchanged)

function renderApprove(list) {
	const el = $("#approve");
	const rid = state.approveRid;
	if (list)
		state.approveList = list;
	else
		list = state.approveList;
	if (rid === null) {
		el.hidden = true;
		return;
	}
	const p = list ? (list.pending || []).find((x) => x.requestId === rid) :
	    null;
	const view = rid === "" ? "bad" : state.approveDone ? "done" :
	    !state.hello ? "signin" : !state.canPair ? "cannot" :
	    !list ? "loading" : p ? "pending" : "gone";
	const key = JSON.stringify([view, p || null, state.approveError]);
	if (key === approveKey && !el.hidden)
		return;		// keep a half-confirmed Reject as it is
	approveKey = key;
	const close = h("button.approve-close", { type: "button", on: {
	    click: () => {
		state.approveRid = null;
		el.hidden = true;
	    } } }, "Close");
	const ridCode = h("code.rid", rid);
	let title, body;
	switch (view) {
	case "bad":
		title = "This approval link is not valid";
		body = h("p", "Its request id is not one the gateway gives out. " +
		    "Ask for the link again, or run ", h("code",
		    "clawgate devices list"), " on the gateway host.");
		break;
	case "done":
		title = state.approveDone.decision === "approved" ?
		    `Approved ${state.approveDone.name}` :
		    `Rejected ${state.approveDone.name}`;
		body = h("p", state.approveDone.decision === "approved" ?
		    "The device connects by itself on its next try (a waiting " +
		    "browser checks every few seconds)." : "The device is " +
		    "told so on its next try; if it asks again, it gets a new " +
		    "request.");
		break;
	case "signin":
		title = "Approve a device";
		body = h("p", "This link asks you to approve request ", ridCode,
		    ". Once this page is connected to the gateway as an " +
		    "operator, the request shows here with Approve and Reject. " +
		    "If it asks for the gateway token, open the link that ",
		    h("code", "clawgate dashboard"), " prints on the gateway " +
		    "host, then this link again.");
		break;
	case "cannot": {
		const a = state.hello?.auth || {};
		title = "This page cannot approve devices";
		body = h("div", h("p.why", "Approving a device needs the ",
		    h("code", "operator.pairing"), " scope, and this connection " +
		    `(${a.role || "operator"}, signed in with ` +
		    `${a.method || "?"}) was granted ` + (a.scopes?.length ?
		    a.scopes.join(", ") : "no scopes") + ". Open the link in a " +
		    "browser signed in with the gateway token, or on the " +
		    "gateway host run:"), command(`clawgate devices approve ${rid}`));
		break;
	}
	case "loading":
		title = "Approve a device";
		body = h("p", "Looking up request ", ridCode, "…");
		break;
	case "gone":
		title = "This request is no longer waiting";
		body = h("p", "Request ", ridCode, " was approved, rejected or " +
		    "expired (a request lasts 5 minutes after the device's " +
		    "last try; a browser that still waits shows a new link). " +
		    "The device lists below are current.");
		break;
	default: {
		const name = deviceName(p);
		title = `Approve ${name}?`;
		const client = [p.clientId, p.clientMode].filter(Boolean)
		    .join(" / ");
		body = h("div",
		    h("p", "A device asks to be paired with this gateway. " +
		    "Approve it only if you know it: it gets the access below."),
		    h("dl.facts.approve-facts",
			h("dt", "Device"), h("dd", h("strong.approve-name", name),
			    " (code ", h("code.shortcode", p.deviceId.slice(0, 8)),
			    ")"),
			client ? [h("dt", "Client"), h("dd.approve-client",
			    client + (p.platform ? `, ${p.platform}` : ""))] :
			    null,
			h("dt", "Asks for"), h("dd.approve-scopes",
			    (p.roles || [p.role]).filter(Boolean).join(", ") +
			    (p.scopes?.length ? ": " + p.scopes.join(", ") :
			    " (no scopes)")),
			h("dt", "From"), h("dd.approve-from", p.remoteIp ||
			    "this host or a local peer"),
			p.browserOrigin ? [h("dt", "Page"),
			    h("dd", p.browserOrigin)] : null,
			h("dt", "Request"), h("dd", ridCode),
			p.ts ? [h("dt", "Asked"), h("dd", ago(p.ts))] : null),
		    state.approveError ? h("p.error", { role: "alert" },
			state.approveError) : null,
		    h("div.actions",
			h("button.primary.approve-yes", { type: "button",
			    on: { click: (ev) => {
				ev.currentTarget.disabled = true;
				decide("device.pair.approve", p, "approved");
			    } } }, "Approve"),
			confirmButton("Reject", "Really reject?", () =>
			    decide("device.pair.reject", p, "rejected"),
			    ".approve-no")));
		break;
	}
	}
	replace(el, h("div.card-head", h("h2#approve-title", title), close),
	    body);
	el.dataset.view = view;
	el.hidden = false;
}

async function decide(method, p, decision) {
	const gw = state.gw;
	if (!gw)
		return;
	try {
		await gw.request(method, { requestId: p.requestId });
		state.approveDone = { decision, name: deviceName(p) };
		state.approveError = null;
	} catch (e) {
		state.approveError = `${decision === "approved" ? "Approving" :
		    "Rejecting"} failed: ${e.message}`;
	}
	approveKey = null;
	renderApprove(null);
	schedulePairingRefresh();
}

function renderPaired(paired) {
	const me = state.identity?.deviceId;
	const items = paired.map((d) => {
		const tokens = (d.tokens || []).map((t) => h("li",
		    h("span", `${t.role}` + (t.revokedAtMs ? " (revoked)" : "")),
		    t.revokedAtMs ? null : confirmButton("Revoke",
			"Really revoke?", () => act("device.token.revoke",
			{ deviceId: d.deviceId, role: t.role },
			"Revoking"), ".revoke")));
		return h("li.item.paired", { dataset: { deviceId: d.deviceId } },
		    h("div.item-head",
			h("strong", deviceName(d)),
			d.deviceId === me ? h("span.badge.me", "this browser") :
			    null,
			d.connected ? h("span.badge.on", "connected") : null),
		    h("dl.facts",
			h("dt", "Device code"), h("dd", h("code.shortcode",
			    d.deviceId.slice(0, 8))),
			h("dt", "Roles"), h("dd", (d.roles || [d.role])
			    .filter(Boolean).join(", ") || "–"),
			h("dt", "Scopes"), h("dd", (d.scopes || []).join(", ") ||
			    "–"),
			d.remoteIp ? [h("dt", "Last address"),
			    h("dd", d.remoteIp)] : null,
			d.approvedVia ? [h("dt", "Approved"), h("dd",
			    d.approvedVia === "silent" ? "automatically (local)" :
			    d.approvedVia)] : null,
			d.lastSeenAtMs ? [h("dt", "Last seen"),
			    h("dd", ago(d.lastSeenAtMs))] : null),
		    tokens.length ? h("div.tokens", h("span", "Tokens:"),
			h("ul.tokenlist", tokens)) : null,
		    h("div.actions", confirmButton("Remove", d.deviceId === me ?
			"Really remove this browser?" : "Really remove?", () =>
			act("device.pair.remove", { deviceId: d.deviceId },
			"Removing"), ".remove")));
	});
	replace($("#paired-list"), items.length ? items :
	    h("li.empty", "No paired devices."));
	$("#paired-title").textContent = `Paired (${items.length})`;
}

// --------------------------------------------------------------- settings

function renderSecretState() {
	const el = $("#secret-state");
	if (state.secret)
		replace(el, "A token is set for this tab only. It is sent to " +
		    "the gateway when connecting, and nowhere else.");
	else
		replace(el, "No token in this tab. Paste the token that ",
		    h("code", "clawgate dashboard"), " shows on the gateway host.");
}

function identityNote(id) {
	if (id.kind === "webcrypto")
		return "Its key was made by the browser (WebCrypto Ed25519) and " +
		    "cannot be read out, not even by this page.";
	const why = id.fallbackReason === "insecure-context" ?
	    "this page is plain HTTP on an address that is not this " +
	    "computer, which browsers do not treat as a secure context" :
	    "this browser's WebCrypto has no Ed25519";
	return `This browser offers no WebCrypto Ed25519 here (${why}), so ` +
	    "the page signs with its own Ed25519 code and keeps the key in " +
	    "this browser's storage for this site. It works the same; for a " +
	    "key that cannot be read out, open the Control UI over HTTPS or " +
	    "on http://127.0.0.1 (for example through an SSH tunnel).";
}

function renderDevice(auth) {
	const id = state.identity;
	if (!id)
		return;
	const rows = [h("dt", "Device code"), h("dd", h("code.shortcode#my-code",
	    id.shortCode)), h("dt", "Device id"), h("dd", h("code.long",
	    id.deviceId)), h("dt", "Key"), h("dd", { id: "key-kind", dataset: {
	    kind: id.kind } }, id.kind === "webcrypto" ?
	    "WebCrypto Ed25519 (non-extractable)" : "Built-in Ed25519 " +
	    "(fallback)")];
	if (auth?.deviceToken)
		rows.push(h("dt", "Paired"), h("dd", "yes; device token issued " +
		    (auth.issuedAtMs ? ago(auth.issuedAtMs) : "")));
	replace($("#device-info"), rows);
	$("#device-note").textContent = identityNote(id);
}

function wireSettings() {
	const input = $("#secret");
	$("#secret-show").addEventListener("click", (ev) => {
		const show = input.type === "password";
		input.type = show ? "text" : "password";
		ev.currentTarget.textContent = show ? "Hide" : "Show";
		ev.currentTarget.setAttribute("aria-pressed", String(show));
	});
	$("#secret-form").addEventListener("submit", (ev) => {
		ev.preventDefault();
		const v = input.value.trim();
		input.value = "";
		input.type = "password";
		state.secret = v || null;
		sessionSet(SECRET_KEY, state.secret);
		state.triedDeviceToken = false;
		state.mismatch = null;
		state.attempt = 0;
		renderSecretState();
		hideProblem();
		connect();
	});
	$("#secret-clear").addEventListener("click", () => {
		input.value = "";
		state.secret = null;
		sessionSet(SECRET_KEY, null);
		renderSecretState();
		connect();
	});
	replace($("#device-actions"), confirmButton("Forget this browser",
	    "Really forget? It will need pairing again", async () => {
		await forgetDeviceToken(WS_URL);
		await resetIdentity();
		state.identity = await loadIdentity();
		renderDevice(null);
		connect();
	}, ".forget"));
}

// ------------------------------------------------------------------ start

async function start() {
	$("#gateway-url").textContent = WS_URL;
	landingNotices();
	state.secret = landing.token || sessionGet(SECRET_KEY);
	if (landing.token)
		sessionSet(SECRET_KEY, landing.token);
	state.instanceId = sessionGet("clawgate.instance.v1") || randomUUID();
	sessionSet("clawgate.instance.v1", state.instanceId);
	wireSettings();
	renderSecretState();
	state.approveRid = landing.approve;
	renderApprove(null);
	$("#status-refresh").addEventListener("click", refreshStatus);
	$("#pairing-refresh").addEventListener("click", refreshPairing);
	try {
		state.identity = await loadIdentity();
	} catch (e) {
		showProblem({ key: "identity", phase: "identity-error",
		    pill: "No device identity",
		    title: "This browser cannot make a device identity",
		    what: h("p", e.message),
		    todo: h("p", "Use a current browser with site storage " +
		    "allowed for this address (not a private window that blocks " +
		    "it), then reload."),
		    raw: { code: e.code || "error", message: e.message } });
		return;
	}
	renderDevice(null);
	if (state.identity.kind !== "webcrypto")
		notice("info", "signer", h("p", "This browser offers no WebCrypto " +
		    "Ed25519 on this page, so the page signs with its own " +
		    "Ed25519 code. Pairing works the same; Settings → This " +
		    "browser says why and how to get a key that cannot be read " +
		    "out."));
	connect();
}

document.addEventListener("visibilitychange", () => {
	// Back on a tab that gave up waiting: check at once.
	if (document.visibilityState === "visible" && !state.gw &&
	    state.phase === "pairing-required" && !state.retryTimer)
		connect();
});

start();
