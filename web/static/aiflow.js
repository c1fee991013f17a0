// AIFlow's pages: the CSRF header on every htmx request, API errors shown in #notice,
// what follows a successful action (data-go, data-refresh), and live streams (data-stream).
(function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;

  function notice(text) {
    const box = document.getElementById("notice");
    box.textContent = text;
    box.hidden = !text;
  }

  document.addEventListener("htmx:configRequest", (e) => { e.detail.headers["X-CSRF-Token"] = csrf(); });
  document.addEventListener("htmx:responseError", (e) => {
    let detail = e.detail.xhr.statusText;
    try { detail = JSON.parse(e.detail.xhr.responseText).detail || detail; } catch (_) { /* not JSON */ }
    notice(`${e.detail.xhr.status}: ${detail}`);
  });
  document.addEventListener("htmx:afterRequest", (e) => {
    const element = e.detail.elt;
    if (!e.detail.successful || e.detail.requestConfig.verb === "get") return;
    notice("");
    if (element.dataset.go) {
      const body = JSON.parse(e.detail.xhr.responseText || "{}");
      window.location = element.dataset.go.replace("{id}", body.id);
    }
    if (element.dataset.refresh) {
      const [target, url] = element.dataset.refresh.split(" ");
      htmx.ajax("GET", url, { target, swap: "outerHTML" });
    }
    if (element.dataset.reload !== undefined) window.location.reload();
  });

  document.addEventListener("change", (e) => {
    if (e.target.matches("select[data-namespace-switch]")) {
      window.location = `/namespaces/${encodeURIComponent(e.target.value)}/workflows`;
    }
  });

  // A form marked data-json posts its non-empty fields to its action as a JSON object.
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (!form.matches("form[data-json]")) return;
    e.preventDefault();
    const body = Object.fromEntries(Array.from(new FormData(form)).filter(([, value]) => value !== ""));
    const response = await fetch(form.action, {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
    });
    if (response.ok) { notice(""); form.reset(); return; }
    let detail = response.statusText;
    try { detail = (await response.json()).detail || detail; } catch (_) { /* not JSON */ }
    notice(`${response.status}: ${detail}`);
  });

  // Replace each element of an HTML fragment that has an id by the element of that id on the page.
  function replace(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    for (const fresh of Array.from(template.content.children)) {
      const old = fresh.id && document.getElementById(fresh.id);
      if (old) { old.replaceWith(fresh); htmx.process(fresh); }
    }
  }

  // Set data-status on the elements named by a JSON object {element id: status} (graph nodes).
  function statuses(json) {
    for (const [id, status] of Object.entries(JSON.parse(json))) {
      const node = document.getElementById(id);
      if (node) node.setAttribute("data-status", status);
    }
  }

  function append(container, html, keep) {
    container.insertAdjacentHTML(container.dataset.order === "newest-first" ? "afterbegin" : "beforeend", html);
    const rows = container.children;
    while (keep && rows.length > keep) {
      (container.dataset.order === "newest-first" ? rows[rows.length - 1] : rows[0]).remove();
    }
    if (container.dataset.follow !== undefined) container.scrollTop = container.scrollHeight;
  }

  // A live part of a page: data-stream is its URL, data-after where it starts; it closes on "end"
  // and while the page is hidden, and goes on from the last event id when it is shown again.
  class Live {
    constructor(element) {
      this.element = element;
      this.after = element.dataset.after || "";
      this.done = false;
      this.open();
    }
    open() {
      if (this.done || this.source) return;
      const url = new URL(this.element.dataset.stream, window.location);
      if (this.after) url.searchParams.set("after", this.after);
      const source = this.source = new EventSource(url);
      const track = (e) => { if (e.lastEventId) this.after = e.lastEventId; };
      source.addEventListener("replace", (e) => { track(e); replace(e.data); });
      source.addEventListener("statuses", (e) => { track(e); statuses(e.data); });
      source.addEventListener("append", (e) => {
        track(e);
        append(this.element, e.data, Number(this.element.dataset.keep || 0));
      });
      source.addEventListener("remove", (e) => {
        for (const element of document.querySelectorAll(e.data)) element.remove();
      });
      source.addEventListener("end", () => { this.done = true; this.close(); this.element.dataset.live = "ended"; });
      source.onopen = () => { this.element.dataset.live = "open"; };
    }
    close() {
      if (this.source) { this.source.close(); this.source = null; }
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const lives = Array.from(document.querySelectorAll("[data-stream]")).map((element) => new Live(element));
    document.addEventListener("visibilitychange", () => {
      for (const live of lives) { if (document.hidden) live.close(); else live.open(); }
    });
  });
})();
