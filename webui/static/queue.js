// The review queue by keyboard or mouse: j/k move, a/r/e decide, x selects, u undoes,
// t thread, o author drawer, f unfold, c compact, ? helps. Single keys can be switched off.
// Decisions go to the server as JSON with the CSRF token; the next comment is ready at once.
// Every few seconds the page asks what other moderators decided, and marks those cards.
"use strict";

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const queue = document.getElementById("queue") || document.querySelector("main");
  const status = document.getElementById("status");
  const note = document.getElementById("note");
  const reason = document.getElementById("reason");
  const help = document.getElementById("help");
  const drawer = document.getElementById("drawer");
  const shortcuts = document.getElementById("shortcuts");
  const compactToggle = document.getElementById("compact-toggle");
  const POLL_MS = Number(queue.dataset.poll || 4000);
  let current = null;
  let latest = Number(queue.dataset.latest || 0);

  const items = () => Array.from(document.querySelectorAll("article.item:not(.gone)"));
  const selected = () => items().filter((el) => el.classList.contains("selected"));
  const remembered = (key) => window.localStorage && localStorage.getItem(`moderation.${key}`);
  const remember = (key, value) => window.localStorage && localStorage.setItem(`moderation.${key}`, value);

  function focus(el) {
    if (current) current.classList.remove("current");
    current = el || null;
    if (current) {
      current.classList.add("current");
      current.focus({ preventScroll: true });
      current.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    const all = items();
    if (!all.length) return focus(null);
    const at = all.indexOf(current);
    focus(all[Math.min(all.length - 1, Math.max(0, at < 0 ? 0 : at + step))]);
  }

  function say(text) {
    if (status) status.textContent = text;
  }

  function updateCounts(counts) {
    for (const [state, n] of Object.entries(counts || {})) {
      const el = document.querySelector(`.counts [data-state="${state}"] b`);
      if (el) el.textContent = n;
    }
  }

  function cardOf(commentId) {
    return document.querySelector(`article.item[data-id="${CSS.escape(commentId)}"]`);
  }

  // A card someone else decided: its label shows the state now and who set it.
  function relabel(el, state, message) {
    el.className = el.className.replace(/\bstate-\S+/, `state-${state}`);
    el.querySelector(".state").textContent = state;
    el.querySelector(".outcome").textContent = message;
  }

  async function send(url, body, method = "POST") {
    const response = await fetch(url, {
      method,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: method === "POST" ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));  // a 400 says what was wrong
      throw new Error(answer.error || answer.message || `the server answered ${response.status}`);
    }
    return response.json();
  }

  async function decide(action, targets) {
    if (!targets.length) return;
    const after = items()[items().indexOf(targets[targets.length - 1]) + 1] || null;
    try {
      const data = await send("/decisions", {
        action,
        note: note ? note.value : "",
        reason: reason && action === "reject" ? reason.value : "",
        items: targets.map((el) => ({ id: el.dataset.id, seen: el.dataset.seen || null })),
      });
      const conflicts = [];
      for (const result of data.results) {
        const el = targets.find((t) => t.dataset.id === result.comment_id);
        if (!el) continue;
        if (result.ok) {
          el.classList.add("gone");
          el.hidden = true;
        } else {
          // Seen as it is now: a second key press on it is a deliberate decision.
          conflicts.push(el);
          el.classList.add("conflict");
          el.dataset.seen = result.review_id ?? "";
          relabel(el, result.state, result.message);
        }
      }
      updateCounts(data.counts);
      if (note) note.value = "";
      if (reason) reason.value = "";
      const done = targets.length - conflicts.length;
      say(`${action}: ${done} done` + (conflicts.length ? `, ${conflicts.length} already decided by someone else` : ""));
      // After a conflict the focus stays on the comment it was about: the next key acts on
      // nothing the moderator has not seen.
      focus(conflicts[0] || (after && !after.hidden ? after : items()[0]));
    } catch (error) {
      say(`Not saved: ${error.message}`);
    }
  }

  async function undo() {
    try {
      const data = await send("/undo", {});
      updateCounts(data.counts);
      let first = null;
      for (const result of data.results.slice().reverse()) {
        if (!result.ok || !result.html) continue;
        const old = cardOf(result.comment_id);
        if (old) old.remove();
        const holder = document.createElement("div");
        holder.innerHTML = result.html;  // rendered by the server with every value escaped
        first = holder.firstElementChild;
        queue.prepend(first);
      }
      if (first) focus(first);
      say(data.message);
    } catch (error) {
      say(`Not undone: ${error.message}`);
    }
  }

  // Live: what others decided since this page was made.
  async function poll() {
    try {
      const data = await send(`/updates?after=${latest}`, null, "GET");
      latest = data.latest;
      updateCounts(data.counts);
      for (const change of data.changes) {
        const el = cardOf(change.comment_id);
        if (!el || el.classList.contains("gone") || el.dataset.seen === String(change.id)) continue;
        el.classList.add("taken");
        relabel(el, change.new_state, `${change.action} by ${change.moderator}: now ${change.new_state}`);
      }
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    } finally {
      window.setTimeout(poll, POLL_MS);
    }
  }

  async function toggleThread(el, open) {
    const details = el && el.querySelector("details.thread-inline");
    if (!details) return;
    if (open !== undefined && details.open !== open) details.open = open;
    if (!details.open || details.dataset.loaded) return;
    details.dataset.loaded = "1";
    const body = details.querySelector(".thread-body");
    body.textContent = "Loading the thread...";
    const response = await fetch(details.dataset.src, { credentials: "same-origin" });
    body.innerHTML = response.ok ? await response.text() : "";  // server-rendered, escaped
    if (!response.ok) body.textContent = `No thread: the server answered ${response.status}`;
  }

  function unfold(el) {
    const button = el && el.querySelector("button.unfold");
    if (!button) return;
    const folded = el.classList.toggle("folded");
    button.setAttribute("aria-expanded", String(!folded));
    button.textContent = folded ? button.dataset.more : "Fold it again";
  }

  function setCompact(on) {
    document.body.classList.toggle("compact", on);
    if (compactToggle) compactToggle.setAttribute("aria-pressed", String(on));
    remember("compact", on ? "on" : "off");
  }

  async function openDrawer(name) {
    if (!drawer || !name) return;
    const body = document.getElementById("drawer-body");
    const response = await fetch(`/author?drawer=1&name=${encodeURIComponent(name)}`, { credentials: "same-origin" });
    body.innerHTML = response.ok ? await response.text() : "";  // server-rendered, escaped
    drawer.hidden = false;
    drawer.focus();
  }

  function closeDrawer() {
    if (!drawer || drawer.hidden) return false;
    drawer.hidden = true;
    focus(current);
    return true;
  }

  async function authorAction(form, submitter) {
    const data = Object.fromEntries(new FormData(form));
    if (submitter && submitter.name) data[submitter.name] = submitter.value;
    const url = form.dataset.kind === "standing" ? "/author/standing" : "/author/reject-pending";
    const outcome = form.closest(".author-card").querySelector(".author-outcome");
    try {
      const answer = await send(url, data);
      for (const id of answer.rejected || []) {
        const el = cardOf(id);
        if (el) { el.classList.add("gone"); el.hidden = true; }
      }
      updateCounts(answer.counts);
      await openDrawer(data.name);
      document.querySelector("#drawer .author-outcome").textContent = answer.message;
      say(answer.message);
    } catch (error) {
      outcome.textContent = `Not done: ${error.message}`;
    }
  }

  function targetsFor() {
    const chosen = selected();
    return chosen.length ? chosen : current ? [current] : [];
  }

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && closeDrawer()) return event.preventDefault();
    if (event.target.closest("input, textarea, select, #drawer") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (shortcuts && !shortcuts.checked) return;  // WCAG 2.1.4: single keys can be switched off
    const key = event.key;
    const actions = { a: "approve", r: "reject", e: "escalate" };
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key in actions) decide(actions[key], targetsFor());
    else if (key === "x" && current) {
      const picked = current.classList.toggle("selected");
      current.querySelector(".pick").checked = picked;
    } else if (key === "u") undo();
    else if (key === "t" && current) toggleThread(current, !current.querySelector("details.thread-inline").open);
    else if (key === "f") unfold(current);
    else if (key === "o" && current) openDrawer(current.querySelector("a.author").textContent);
    else if (key === "c") setCompact(!document.body.classList.contains("compact"));
    else if (key === "?" && help) help.hidden = !help.hidden;
    else return;
    event.preventDefault();
  });

  // The mouse does the same: buttons and checkboxes go through the same calls.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.actions");
    const authorForm = event.target.closest("#drawer form.author-action");
    if (authorForm) {
      event.preventDefault();
      return authorAction(authorForm, event.submitter);
    }
    if (!form) return;
    event.preventDefault();
    decide(event.submitter.value, [form.closest("article.item")]);
  });
  document.addEventListener("change", (event) => {
    if (event.target.classList.contains("pick")) {
      event.target.closest("article.item").classList.toggle("selected", event.target.checked);
    }
    if (event.target === shortcuts) remember("shortcuts", shortcuts.checked ? "on" : "off");
  });
  document.addEventListener("toggle", (event) => {
    if (event.target.matches("details.thread-inline")) toggleThread(event.target.closest("article.item"));
  }, true);
  document.addEventListener("click", (event) => {
    const item = event.target.closest("article.item");
    if (item && !event.target.closest("a, button, input, summary")) focus(item);
    const author = event.target.closest("article.item a.author");
    if (author && drawer && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault();
      if (item) focus(item);
      openDrawer(author.textContent);
    }
    const bulk = event.target.closest("button.bulk");
    if (bulk) decide(bulk.dataset.action, selected());
    if (event.target.closest("#undo")) undo();
    if (event.target.closest("#help-toggle") && help) help.hidden = !help.hidden;
    if (event.target.closest("#drawer-close")) closeDrawer();
    if (event.target.closest("#compact-toggle")) setCompact(!document.body.classList.contains("compact"));
    const more = event.target.closest("button.unfold");
    if (more) unfold(more.closest("article.item"));
  });

  if (shortcuts && remembered("shortcuts") === "off") shortcuts.checked = false;
  if (remembered("compact") === "on") setCompact(true);
  move(0);
  if (document.getElementById("queue")) window.setTimeout(poll, POLL_MS);
})();
