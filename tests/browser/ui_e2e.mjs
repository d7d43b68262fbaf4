// ui_e2e.mjs: the Control UI end to end, in headless Chromium driven by
// playwright-core (Debian's /usr/bin/chromium; Playwright downloads
// nothing).  Run by tests/t_ui.sh, which starts the gateway.
//
// usage: node ui_e2e.mjs --count [MODE]   how many checks MODE makes
//        node ui_e2e.mjs [MODE]           run them (MODE: main | base)
//
// Output, one per line: "RESULT ok|fail<TAB>description" and
// "DIAG text"; t_ui.sh turns them into TAP.
//
// Environment: CG_PORT, CG_TOKEN, CG_HOP (a port on 127.0.0.2 whose
// origin the gateway allows), CG_HOP2 (one it does not), CG_RATE_MAX
// (gateway.auth.rateLimit.maxAttempts), CG_CLI (the clawgate CLI, or
// empty), CG_CONF (the gateway's config), CG_SOCKET (its control socket),
// CG_SHOTS (where screenshots go), CG_BROWSER_DIR (where playwright-core
// is installed), CG_BASE (basePath, mode base).
//
// Remote browsers: the kernel gives a connection to 127.0.0.2 the source
// address 127.0.0.1, so the page cannot be made remote by its URL alone.
// A small TCP relay listens on 127.0.0.2:CG_HOP and connects to the
// gateway *from* 127.0.0.2; with gateway.localPeers ["127.0.0.1/32"] the
// gateway sees a remote peer.

import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";

const env = process.env;
const MODE = process.argv.find((a, i) => i > 1 && !a.startsWith("--")) ||
    "main";
const PORT = Number(env.CG_PORT);
const TOKEN = env.CG_TOKEN || "";
const HOP = Number(env.CG_HOP);
const HOP2 = Number(env.CG_HOP2);
const RATE_MAX = Number(env.CG_RATE_MAX || 3);
const BASE = env.CG_BASE || "";
const SHOTS = env.CG_SHOTS || "";
const WAIT = 20000;

// Scenario name -> number of checks: the plan is known before running.
const PLANS = {
	main: [
		["tokenized URL", 9], ["device token", 2], ["old guide link", 4],
		["token missing", 2], ["wrong token", 5], ["remote, approved in " +
		"the UI", 7], ["remote, approved by link", 7],
		["remote, approved from the CLI", 3],
		["operator actions", 4], ["origin refused", 3],
		["plain HTTP on a LAN name", 3], ["rate limited", 3],
		["phone, dark", 3], ["keepalive", 1],
	],
	base: [["basePath", 4]],
};

if (process.argv.includes("--count")) {
	console.log((PLANS[MODE] || []).reduce((n, [, c]) => n + c, 0));
	process.exit(0);
}

// ------------------------------------------------------------------ TAP

let emitted = 0;

function result(ok, desc) {
	emitted++;
	console.log(`RESULT ${ok ? "ok" : "fail"}\t${desc}`);
	return ok;
}

function diag(msg) {
	for (const line of String(msg).split("\n"))
		console.log(`DIAG ${line}`);
}

let scenarioName = "", scenarioLeft = 0;

function check(desc, cond) {
	scenarioLeft--;
	return result(!!cond, `${scenarioName}: ${desc}`);
}

async function scenario(name, fn) {
	const plan = PLANS[MODE].find(([n]) => n === name);
	scenarioName = name;
	scenarioLeft = plan[1];
	try {
		await fn();
	} catch (e) {
		diag(`${name}: ${e.stack || e}`);
	}
	if (scenarioLeft < 0)
		diag(`${name}: ${-scenarioLeft} more checks than planned`);
	while (scenarioLeft > 0)
		check("not reached (the scenario stopped early)", false);
}

// A shared watchdog: whatever hangs, the run ends and says so.
const watchdog = setTimeout(() => {
	diag("watchdog: the browser tests took more than 300 s");
	process.exit(2);
}, 300000);

// ------------------------------------------------------------- helpers

// The daemon's fingerprint of a secret, over its control socket: only
// the daemon holds the key, so neither this test nor the page can
// compute one.
function fingerprint(secret) {
	return new Promise((resolve) => {
		const s = net.connect(env.CG_SOCKET);
		let buf = "";
		s.on("connect", () => s.write(JSON.stringify({
		    cmd: "fingerprint", secret }) + "\n"));
		s.on("data", (d) => { buf += d; });
		s.on("error", (e) => {
			diag("control socket: " + e.message);
			resolve(null);
		});
		s.on("close", () => {
			try {
				resolve(JSON.parse(buf).fingerprint || null);
			} catch (e) {
				diag("control socket answered: " + buf);
				resolve(null);
			}
		});
	});
}

// What the page could compute itself before fingerprints were keyed.
function unkeyed(secret) {
	return createHash("sha256").update("clawgate-fingerprint-v1:" + secret)
	    .digest("hex").slice(0, 16);
}

// The TCP relay that makes a browser remote (see the top of this file).
function relay(listenPort) {
	const server = net.createServer((client) => {
		const up = net.connect({ host: "127.0.0.1", port: PORT,
		    localAddress: "127.0.0.2" });
		client.pipe(up);
		up.pipe(client);
		const end = () => {
			client.destroy();
			up.destroy();
		};
		client.on("error", end);
		up.on("error", end);
		client.on("close", end);
		up.on("close", end);
	});
	return new Promise((resolve, reject) => {
		server.once("error", reject);
		server.listen(listenPort, "127.0.0.2", () => resolve(server));
	});
}

let browser;
const contexts = [];

async function newPage(opts = {}) {
	const ctx = await browser.newContext({
		viewport: opts.viewport || { width: 1100, height: 900 },
		colorScheme: opts.colorScheme || "light",
		isMobile: !!opts.isMobile,
		hasTouch: !!opts.isMobile,
		deviceScaleFactor: 1,
		reducedMotion: "reduce",
	});
	contexts.push(ctx);
	const page = await ctx.newPage();
	page.problems = [];
	page.requests = [];
	page.wsSent = [];
	page.on("console", (m) => {
		if (m.type() === "error")
			page.problems.push("console: " + m.text());
	});
	page.on("pageerror", (e) => page.problems.push("pageerror: " +
	    e.message));
	page.on("request", (r) => page.requests.push({ url: r.url(),
	    headers: r.headers() }));
	page.wsCount = 0;
	page.on("websocket", (ws) => {
		page.wsCount++;
		page.wsUrl = ws.url();
		ws.on("framesent", (f) => page.wsSent.push(String(f.payload)));
	});
	return page;
}

async function waitState(page, state, timeout = WAIT) {
	try {
		await page.waitForSelector(`#conn[data-state="${state}"]`,
		    { timeout });
		return true;
	} catch (e) {
		const now = await page.getAttribute("#conn", "data-state")
		    .catch(() => "?");
		diag(`waited ${timeout} ms for state ${state}; it is ${now}`);
		const text = await page.textContent("#problem").catch(() => "");
		if (text)
			diag(`problem panel: ${text.replace(/\s+/g, " ").trim()}`);
		return false;
	}
}

async function shot(page, name, fullPage = true) {
	if (!SHOTS)
		return;
	mkdirSync(SHOTS, { recursive: true });
	await page.waitForTimeout(300);	// let the last paint settle
	await page.screenshot({ path: path.join(SHOTS, name + ".png"),
	    fullPage });
}

const text = async (page, sel) => (await page.textContent(sel) || "")
    .replace(/\s+/g, " ").trim();

const origin = (host, port) => `http://${host}:${port}`;
const local = (p = "/") => origin("127.0.0.1", PORT) + p;

// The one approval that is not done in a browser.
function approveFromCli(rid) {
	if (env.CG_CLI) {
		const r = spawnSync(env.CG_CLI, ["-f", env.CG_CONF, "devices",
		    "approve", rid], { encoding: "utf8", timeout: 20000 });
		if (r.status !== 0)
			diag(`clawgate devices approve: status ${r.status}\n` +
			    `${r.stdout}${r.stderr}`);
		return { how: "clawgate devices approve", ok: r.status === 0 };
	}
	// No CLI in this build: the same request over the control socket.
	return new Promise((resolve) => {
		const s = net.connect(env.CG_SOCKET);
		let buf = "";
		s.on("connect", () => s.write(JSON.stringify({ cmd: "rpc",
		    method: "device.pair.approve", params: { requestId: rid } }) +
		    "\n"));
		s.on("data", (d) => { buf += d; });
		s.on("error", (e) => {
			diag("control socket: " + e.message);
			resolve({ how: "control socket", ok: false });
		});
		s.on("close", () => {
			let ok = false;
			try {
				ok = JSON.parse(buf).ok === true;
			} catch (e) { /* not JSON */ }
			if (!ok)
				diag("control socket answered: " + buf);
			resolve({ how: "control socket (no clawgate CLI built)", ok });
		});
	});
}

// The inline two-step confirmation: click, wait until armed, click.
async function confirmClick(page, sel) {
	await page.click(sel);
	await page.waitForSelector(`${sel}.armed`, { timeout: 3000 });
	await page.click(`${sel}.armed`);
}

async function requestIdOf(page) {
	return (await page.getAttribute("code.rid", "data-request-id")
	    .catch(() => "")) || "";
}

// ----------------------------------------------------------- scenarios

async function mainScenarios() {
	let operator;		// page A: local, paired, operator.pairing
	let remote;		// page R: approved in the UI
	let remote2;		// page R2: approved from the CLI
	const relays = [await relay(HOP), await relay(HOP2)];

	await scenario("tokenized URL", async () => {
		const page = operator = await newPage();
		await page.goto(local(`/#token=${encodeURIComponent(TOKEN)}`));
		check("reaches Connected", await waitState(page, "connected"));
		operator.connectedAt = Date.now();
		check("the token is gone from the address bar",
		    !page.url().includes("token") && !page.url().includes(TOKEN));
		const stored = await page.evaluate(() => ({
			session: Object.keys(sessionStorage).map((k) =>
			    sessionStorage.getItem(k)),
			local: localStorage.length,
		}));
		check("the token is kept in sessionStorage, nothing in " +
		    "localStorage", stored.session.includes(TOKEN) &&
		    stored.local === 0);
		check("the device key is a non-extractable WebCrypto key",
		    await page.getAttribute("#key-kind", "data-kind") ===
		    "webcrypto");
		await page.waitForSelector("#status-list .ok", { timeout: WAIT });
		check("the status view shows the gateway healthy",
		    (await text(page, "#status-list")).includes("HealthOK"));
		await page.waitForSelector("#paired-list .badge.me",
		    { timeout: WAIT });
		check("the device list shows this browser, paired",
		    (await page.$$("#paired-list li.paired")).length >= 1);
		const foreign = page.requests.filter((r) =>
		    !r.url.startsWith(origin("127.0.0.1", PORT)));
		check("no request leaves the gateway's origin",
		    foreign.length === 0) || diag(JSON.stringify(foreign));
		const leaks = page.requests.filter((r) =>
		    JSON.stringify(r).includes(TOKEN)).concat(page.wsSent.filter(
		    (f) => f.includes(TOKEN) && !f.includes('"method":"connect"')));
		check("the token is sent only in the WebSocket connect",
		    leaks.length === 0 && page.wsSent.some((f) =>
		    f.includes(TOKEN))) || diag(JSON.stringify(leaks));
		const unnamed = await page.$$eval("button, input", (els) =>
		    els.filter((e) => {
			if (e.tagName === "INPUT")
				return !document.querySelector(
				    `label[for="${e.id}"]`);
			return !e.textContent.trim() &&
			    !e.getAttribute("aria-label");
		    }).length);
		check("no CSP violation or script error, every control named",
		    page.problems.length === 0 && unnamed === 0) ||
		    diag(page.problems.join("\n") + ` unnamed=${unnamed}`);
		await shot(page, "connected");
	});

	await scenario("device token", async () => {
		// Same browser, new tab, no token: sessionStorage is per tab,
		// so only the device token can get it in.
		const page = await operator.context().newPage();
		await page.goto(local("/"));
		check("a new tab without the token reaches Connected",
		    await waitState(page, "connected"));
		await page.waitForSelector("#status-list dd", { timeout: WAIT });
		check("it signed in with the stored device token",
		    (await text(page, "#status-list")).includes("device-token"));
		await page.close();
	});

	await scenario("old guide link", async () => {
		const page = await newPage();
		await page.goto(local(`/chat?session=main&token=` +
		    encodeURIComponent(TOKEN)));
		check("reaches Connected", await waitState(page, "connected"));
		check("the address becomes the UI's own, without token or session",
		    page.url() === local("/")) || diag(page.url());
		const notes = await text(page, "#notices");
		check("the page explains the old /chat link",
		    notes.includes("/chat?session=main"));
		check("the page warns about ?token= in the query",
		    notes.includes("?token=") && notes.includes("#token="));
		await shot(page, "legacy-link");
	});

	await scenario("token missing", async () => {
		const page = await newPage();
		await page.goto(local("/"));
		check("shows token missing", await waitState(page,
		    "token-missing"));
		check("tells where to find it: clawgate dashboard",
		    (await text(page, "#problem")).includes("clawgate dashboard"));
		await shot(page, "token-missing");
	});

	await scenario("wrong token", async () => {
		const page = await newPage();
		const wrong = "not-the-token-123";
		await page.goto(local(`/#token=${wrong}`));
		check("shows token mismatch", await waitState(page,
		    "token-mismatch"));
		const mine = await text(page, "code.fp-mine");
		check("shows the fingerprint the gateway gave this page's token",
		    mine === await fingerprint(wrong));
		check("shows the gateway's fingerprint to compare",
		    await text(page, "code.fp-gateway") ===
		    await fingerprint(TOKEN));
		check("the fingerprint is keyed: not the page-computable SHA-256",
		    mine !== null && mine !== unkeyed(wrong));
		check("the token is gone from the address bar",
		    !page.url().includes(wrong));
		await shot(page, "token-mismatch");
	});

	await scenario("remote, approved in the UI", async () => {
		const page = remote = await newPage();
		await page.goto(origin("127.0.0.2", HOP) + "/#token=" +
		    encodeURIComponent(TOKEN));
		check("a remote browser sees pairing required",
		    await waitState(page, "pairing-required"));
		const rid = await requestIdOf(page);
		const panel = await text(page, "#problem");
		check("it shows the requestId and the exact command",
		    rid.length > 0 && panel.includes(
		    `clawgate devices approve ${rid}`)) || diag(panel);
		const code = await text(page, "#my-code");
		check("it shows its short device code",
		    code.length === 8 && panel.includes(code));
		await shot(page, "pairing-required");
		const item = `#pending-list li[data-request-id="${rid}"]`;
		let seen = true;
		try {
			await operator.waitForSelector(item, { timeout: WAIT });
		} catch (e) {
			seen = false;
		}
		check("the operator's page lists the request live", seen);
		await shot(operator, "operator-pending");
		await operator.click(`${item} button.approve`);
		check("approved from the operator's page, the remote browser " +
		    "connects by itself", await waitState(page, "connected"));
		check("the token is gone from the remote address bar",
		    !page.url().includes("token"));
		await operator.waitForSelector(`#paired-list li[data-device-id=` +
		    `"${(await page.textContent("code.long")).trim()}"]`,
		    { timeout: WAIT });
		check("the operator's lists move it from pending to paired",
		    (await operator.$(item)) === null);
	});

	// Struggle #5: the waiting browser's link, opened in a Control UI
	// that is already an operator (here the remote page approved above,
	// in a new tab of its browser: same origin, its device token), shows
	// the request and approves it in one click.
	await scenario("remote, approved by link", async () => {
		const page = await newPage();
		const o = origin("127.0.0.2", HOP);
		await page.goto(o + "/#token=" + encodeURIComponent(TOKEN));
		const waiting = await waitState(page, "pairing-required");
		const rid = await requestIdOf(page);
		const link = waiting ? await text(page, ".approve-link code.cmd") :
		    "";
		check("the waiting page shows the approval link, with a copy " +
		    "button", rid && link === `${o}/#approve=${rid}` &&
		    (await page.$(".approve-link button.copy")) !== null) ||
		    diag(`link: ${link}`);
		const code = await text(page, "#my-code");
		const op = await remote.context().newPage();
		const problems = [];
		op.on("pageerror", (e) => problems.push(e.message));
		op.on("console", (m) => m.type() === "error" &&
		    problems.push(m.text()));
		await op.goto(link);
		let shown = true;
		try {
			await op.waitForSelector('#approve[data-view="pending"]',
			    { timeout: WAIT });
		} catch (e) {
			shown = false;
			diag("approve panel: " + await text(op, "#approve")
			    .catch(() => "?"));
		}
		const panel = shown ? await text(op, "#approve") : "";
		check("the operator's page opened from the link shows the " +
		    "request: device code, client, scopes, address", shown &&
		    panel.includes(code) && panel.includes(rid) &&
		    panel.includes("openclaw-control-ui") &&
		    panel.includes("operator.pairing") &&
		    panel.includes("127.0.0.2")) || diag(panel);
		check("the link is taken out of the operator's address bar",
		    !op.url().includes("approve=")) || diag(op.url());
		await shot(op, "approve-link");
		await op.click("#approve button.approve-yes").catch((e) =>
		    diag(String(e)));
		let done = true;
		try {
			await op.waitForSelector('#approve[data-view="done"]',
			    { timeout: WAIT });
		} catch (e) {
			done = false;
			diag("approve panel: " + await text(op, "#approve")
			    .catch(() => "?"));
		}
		check("one click on Approve approves it (over the operator's " +
		    "own connection)", done);
		check("the waiting browser connects by itself",
		    await waitState(page, "connected"));
		check("no script or CSP error on the operator's page",
		    problems.length === 0) || diag(problems.join("\n"));
		// A page not signed in: it says what it needs first.
		const anon = await newPage();
		await anon.goto(local(`/#approve=${rid}`));
		let signin = true;
		try {
			await anon.waitForSelector('#approve[data-view="signin"]',
			    { timeout: WAIT });
		} catch (e) {
			signin = false;
		}
		check("a page that is not signed in says to sign in first",
		    signin && (await text(anon, "#approve")).includes(
		    "clawgate dashboard"));
		await anon.context().close();
		await op.close();
		await page.context().close();
	});

	await scenario("remote, approved from the CLI", async () => {
		const page = remote2 = await newPage();
		await page.goto(origin("127.0.0.2", HOP) + "/#token=" +
		    encodeURIComponent(TOKEN));
		const waiting = await waitState(page, "pairing-required");
		const rid = await requestIdOf(page);
		check("pairing required, with a requestId", waiting && rid);
		const r = await approveFromCli(rid);
		check(`approved with ${r.how}`, r.ok);
		check("the browser connects by itself",
		    await waitState(page, "connected"));
	});

	await scenario("operator actions", async () => {
		const id2 = (await remote2.textContent("code.long")).trim();
		if (await remote2.getAttribute("#conn", "data-state") !==
		    "connected") {
			// The CLI approval failed: approve it here instead.
			const rid = await requestIdOf(remote2);
			await operator.click(`#pending-list li[data-request-id=` +
			    `"${rid}"] button.approve`);
			await waitState(remote2, "connected");
		}
		const dev2 = `#paired-list li[data-device-id="${id2}"]`;
		await operator.waitForSelector(`${dev2} button.revoke`,
		    { timeout: WAIT });
		await confirmClick(operator, `${dev2} button.revoke`);
		let back = await waitState(remote2, "pairing-required", 8000);
		check("revoking its token disconnects that browser", back);
		if (!back) {
			// Go on with the rest: a reload reconnects it.
			await remote2.reload();
			back = await waitState(remote2, "pairing-required");
		}
		const rid = await requestIdOf(remote2);
		const item = `#pending-list li[data-request-id="${rid}"]`;
		await operator.waitForSelector(`${item} button.reject`,
		    { timeout: WAIT });
		await confirmClick(operator, `${item} button.reject`);
		await operator.waitForSelector(item, { state: "detached",
		    timeout: WAIT }).catch(() => {});
		check("it asks again, and rejecting removes its request", back &&
		    (await operator.$(item)) === null);
		const id1 = (await remote.textContent("code.long")).trim();
		const dev1 = `#paired-list li[data-device-id="${id1}"]`;
		await confirmClick(operator, `${dev1} button.remove`);
		check("removing a device disconnects it (it asks again)",
		    await waitState(remote, "pairing-required"));
		await operator.waitForSelector(dev1, { state: "detached",
		    timeout: WAIT }).catch(() => {});
		check("the removed device leaves the paired list",
		    (await operator.$(dev1)) === null);
		await remote.close();
		await remote2.close();
	});

	await scenario("origin refused", async () => {
		const page = await newPage();
		const o = origin("127.0.0.2", HOP2);
		await page.goto(o + "/#token=" + encodeURIComponent(TOKEN));
		check("shows origin not allowed",
		    await waitState(page, "origin-not-allowed"));
		check("names the exact origin", await text(page, "code.origin") ===
		    o);
		check("says where to allow it",
		    (await text(page, "#problem")).includes(
		    "gateway.controlUi.allowedOrigins"));
		await shot(page, "origin-not-allowed");
	});

	await scenario("plain HTTP on a LAN name", async () => {
		const page = await newPage();
		await page.goto(origin("lan.test", PORT) + "/#token=" +
		    encodeURIComponent(TOKEN));
		check("the page is not a secure context (no crypto.subtle)",
		    await page.evaluate(() => !isSecureContext &&
		    !globalThis.crypto.subtle));
		check("it still pairs and connects", await waitState(page,
		    "connected"));
		check("it uses the built-in signer and says why",
		    await page.getAttribute("#key-kind", "data-kind") === "js" &&
		    (await text(page, "#device-note")).includes("secure context"));
		await shot(page, "plain-http-lan", false);
	});

	await scenario("rate limited", async () => {
		// Its own origin: the browser limiter counts per origin.
		const o = origin("ratelimit.test", PORT);
		let mismatches = 0;
		for (let i = 0; i < RATE_MAX; i++) {
			const p = await newPage();
			await p.goto(o + "/#token=wrong-" + i);
			mismatches += await waitState(p, "token-mismatch") ? 1 : 0;
			await p.context().close();
		}
		check(`${RATE_MAX} wrong tokens are each a mismatch`,
		    mismatches === RATE_MAX);
		const page = await newPage();
		await page.goto(o + "/#token=" + encodeURIComponent(TOKEN));
		check("then even the right token is rate limited",
		    await waitState(page, "rate-limited"));
		check("the page says when to retry",
		    /try again at \d/.test(await text(page, "#problem")));
		await shot(page, "rate-limited");
	});

	await scenario("phone, dark", async () => {
		const page = await newPage({ viewport: { width: 390, height: 844 },
		    colorScheme: "dark", isMobile: true });
		await page.goto(local(`/#token=${encodeURIComponent(TOKEN)}`));
		check("reaches Connected on a phone-sized screen",
		    await waitState(page, "connected"));
		await page.waitForSelector("#paired-list li", { timeout: WAIT });
		check("nothing is wider than the screen", await page.evaluate(() =>
		    document.documentElement.scrollWidth <= innerWidth));
		check("dark colours follow the system", await page.evaluate(() => {
			const c = getComputedStyle(document.body).backgroundColor;
			const [r, g, b] = c.match(/\d+/g).map(Number);
			return r + g + b < 120;
		}));
		await shot(page, "phone-dark", false);
	});

	await scenario("keepalive", async () => {
		// Two ping intervals (25 s) and a tick (30 s) with the gateway:
		// a link that answers its pings is never dropped.
		const left = operator.connectedAt + 56000 - Date.now();
		if (left > 0)
			await operator.waitForTimeout(left);
		const n = operator.wsCount;
		check("the operator's page kept its one connection for " +
		    `${Math.round((Date.now() - operator.connectedAt) / 1000)} s`,
		    n === 1 && await operator.getAttribute("#conn",
		    "data-state") === "connected") ||
		    diag(`it opened ${n} WebSockets (a keepalive drop reconnects)`);
	});

	for (const r of relays)
		r.close();
}

async function baseScenarios() {
	await scenario("basePath", async () => {
		const page = await newPage();
		await page.goto(local(`${BASE}/#token=${encodeURIComponent(TOKEN)}`));
		check("reaches Connected under the base path",
		    await waitState(page, "connected"));
		check("assets are loaded from under the base path",
		    page.requests.filter((r) => /\.(js|css|svg)$/.test(r.url))
		    .every((r) => new URL(r.url).pathname.startsWith(BASE + "/")));
		check("the WebSocket goes to the base path",
		    page.wsUrl === `ws://127.0.0.1:${PORT}${BASE}/`) ||
		    diag(page.wsUrl);
		check("the address keeps the base path, without the token",
		    page.url() === local(`${BASE}/`)) || diag(page.url());
	});
}

// ----------------------------------------------------------------- main

async function main() {
	const require = createRequire(path.join(env.CG_BROWSER_DIR || ".",
	    "node_modules") + "/");
	const { chromium } = require("playwright-core");
	browser = await chromium.launch({
		executablePath: "/usr/bin/chromium",
		// As root Chromium needs --no-sandbox; the rest keeps it off
		// the (closed) network.  The two names resolve to loopback.
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync",
		    "--disable-dev-shm-usage",
		    "--host-resolver-rules=MAP lan.test 127.0.0.1, " +
		    "MAP ratelimit.test 127.0.0.1"],
	});
	try {
		if (MODE === "base")
			await baseScenarios();
		else
			await mainScenarios();
	} finally {
		for (const c of contexts)
			await c.close().catch(() => {});
		await browser.close();
	}
}

main().then(() => {
	clearTimeout(watchdog);
	process.exit(0);
}, (e) => {
	diag("fatal: " + (e.stack || e));
	clearTimeout(watchdog);
	process.exit(1);
});
