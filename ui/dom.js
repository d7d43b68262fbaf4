// dom.js: a few DOM helpers.  Text always goes in as text nodes (device
// names and addresses come from other machines), never as markup.

// h("p.note#x", {attrs, on: {click}}, children...)
export function h(spec, attrs, ...children) {
	const m = /^([a-z0-9]+)((?:[.#][A-Za-z0-9_-]+)*)$/.exec(spec);
	if (!m)
		throw new Error("bad element spec " + spec);
	const el = document.createElement(m[1]);
	for (const part of m[2].match(/[.#][A-Za-z0-9_-]+/g) || []) {
		if (part[0] === ".")
			el.classList.add(part.slice(1));
		else
			el.id = part.slice(1);
	}
	if (attrs && (typeof attrs !== "object" || attrs instanceof Node ||
	    Array.isArray(attrs))) {
		children.unshift(attrs);
		attrs = null;
	}
	for (const [k, v] of Object.entries(attrs || {})) {
		if (k === "on") {
			for (const [ev, fn] of Object.entries(v))
				el.addEventListener(ev, fn);
		} else if (k === "dataset") {
			Object.assign(el.dataset, v);
		} else if (v === true) {
			el.setAttribute(k, "");
		} else if (v !== false && v != null) {
			el.setAttribute(k, String(v));
		}
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat(Infinity)) {
		if (c == null || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

export function clear(el) {
	while (el.firstChild)
		el.removeChild(el.firstChild);
	return el;
}

export function replace(el, ...children) {
	clear(el);
	append(el, children);
	return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);

// A command the user should run, with a button that copies it.
export function command(text, label = "Copy command") {
	const code = h("code.cmd", text);
	const status = h("span.copied", { role: "status" });
	const btn = h("button.copy", {
		type: "button",
		"aria-label": `${label}: ${text}`,
		on: { click: () => copy(text, code, status) },
	}, "Copy");
	return h("div.cmdline", code, btn, status);
}

async function copy(text, code, status) {
	try {
		// Only in secure contexts; elsewhere select the text instead.
		await navigator.clipboard.writeText(text);
		status.textContent = "Copied";
	} catch (e) {
		const range = document.createRange();
		range.selectNodeContents(code);
		const sel = getSelection();
		sel.removeAllRanges();
		sel.addRange(range);
		status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy";
	}
	setTimeout(() => { status.textContent = ""; }, 4000);
}

// A button that asks once more before it acts ("Remove" -> "Really remove?").
export function confirmButton(label, confirmLabel, action, cls = "") {
	let armed = false, timer;
	const btn = h("button" + cls, { type: "button" }, label);
	btn.addEventListener("click", async () => {
		if (!armed) {
			armed = true;
			btn.textContent = confirmLabel;
			btn.classList.add("armed");
			timer = setTimeout(() => {
				armed = false;
				btn.textContent = label;
				btn.classList.remove("armed");
			}, 5000);
			return;
		}
		clearTimeout(timer);
		armed = false;
		btn.disabled = true;
		try {
			await action();
		} finally {
			btn.disabled = false;
			btn.textContent = label;
			btn.classList.remove("armed");
		}
	});
	return btn;
}

export function ago(ms) {
	const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
	if (s < 60)
		return `${s} s ago`;
	if (s < 3600)
		return `${Math.floor(s / 60)} min ago`;
	if (s < 86400)
		return `${Math.floor(s / 3600)} h ago`;
	return `${Math.floor(s / 86400)} d ago`;
}

export function duration(ms) {
	const s = Math.floor(ms / 1000);
	const d = Math.floor(s / 86400), hh = Math.floor(s / 3600) % 24;
	const mm = Math.floor(s / 60) % 60, ss = s % 60;
	if (d)
		return `${d} d ${hh} h`;
	if (hh)
		return `${hh} h ${mm} min`;
	if (mm)
		return `${mm} min ${ss} s`;
	return `${ss} s`;
}

export function clock(ms) {
	return new Date(ms).toLocaleTimeString([], { hour: "2-digit",
	    minute: "2-digit", second: "2-digit" });
}
