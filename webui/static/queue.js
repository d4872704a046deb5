// The review queue by keyboard or mouse: j/k move, a/r/e decide, x selects, u undoes, ? helps.
// Decisions go to the server as JSON with the CSRF token; the next comment is ready at once.
"use strict";

(() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const queue = document.getElementById("queue") || document.querySelector("main");
  const status = document.getElementById("status");
  const note = document.getElementById("note");
  const reason = document.getElementById("reason");
  const help = document.getElementById("help");
  let current = null;

  const items = () => Array.from(document.querySelectorAll("article.item:not(.gone)"));
  const selected = () => items().filter((el) => el.classList.contains("selected"));

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

  async function post(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (!response.ok) {
      const answer = await response.json().catch(() => ({}));  // a 400 says what was wrong
      throw new Error(answer.error || `the server answered ${response.status}`);
    }
    return response.json();
  }

  async function decide(action, targets) {
    if (!targets.length) return;
    const after = items()[items().indexOf(targets[targets.length - 1]) + 1] || null;
    try {
      const data = await post("/decisions", {
        action,
        note: note ? note.value : "",
        reason: reason && action === "reject" ? reason.value : "",
        items: targets.map((el) => ({ id: el.dataset.id, seen: el.dataset.seen || null })),
      });
      let done = 0;
      for (const result of data.results) {
        const el = targets.find((t) => t.dataset.id === result.comment_id);
        if (!el) continue;
        if (result.ok) {
          done += 1;
          el.classList.add("gone");
          el.hidden = true;
        } else {
          el.classList.add("conflict");
          el.querySelector(".outcome").textContent = result.message;
          el.dataset.seen = result.review_id ?? "";
        }
      }
      updateCounts(data.counts);
      if (note) note.value = "";
      if (reason) reason.value = "";
      say(`${action}: ${done} done` + (done < targets.length ? `, ${targets.length - done} already decided by someone else` : ""));
      focus(after && !after.hidden ? after : items()[0]);
    } catch (error) {
      say(`Not saved: ${error.message}`);
    }
  }

  async function undo() {
    try {
      const data = await post("/undo", {});
      updateCounts(data.counts);
      const result = data.result;
      if (!result.ok) return say(result.message);
      const old = document.querySelector(`article.item[data-id="${CSS.escape(result.comment_id)}"]`);
      if (old) old.remove();
      if (result.html) {
        const holder = document.createElement("div");
        holder.innerHTML = result.html;  // rendered by the server with every value escaped
        const restored = holder.firstElementChild;
        queue.prepend(restored);
        focus(restored);
      }
      say(`undone: back to ${result.state}`);
    } catch (error) {
      say(`Not undone: ${error.message}`);
    }
  }

  function targetsFor() {
    const chosen = selected();
    return chosen.length ? chosen : current ? [current] : [];
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    const actions = { a: "approve", r: "reject", e: "escalate" };
    if (key === "j") move(1);
    else if (key === "k") move(-1);
    else if (key in actions) decide(actions[key], targetsFor());
    else if (key === "x" && current) {
      const picked = current.classList.toggle("selected");
      current.querySelector(".pick").checked = picked;
    } else if (key === "u") undo();
    else if (key === "?" && help) help.hidden = !help.hidden;
    else return;
    event.preventDefault();
  });

  // The mouse does the same: buttons and checkboxes go through the same calls.
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.actions");
    if (!form) return;
    event.preventDefault();
    decide(event.submitter.value, [form.closest("article.item")]);
  });
  document.addEventListener("change", (event) => {
    if (event.target.classList.contains("pick")) {
      event.target.closest("article.item").classList.toggle("selected", event.target.checked);
    }
  });
  document.addEventListener("click", (event) => {
    const item = event.target.closest("article.item");
    if (item && !event.target.closest("a, button, input")) focus(item);
    const bulk = event.target.closest("button.bulk");
    if (bulk) decide(bulk.dataset.action, selected());
    if (event.target.closest("#undo")) undo();
    if (event.target.closest("#help-toggle") && help) help.hidden = !help.hidden;
  });

  move(0);
})();
