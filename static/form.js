// Progressive enhancement for the questionnaire form. Without this script everything
// works: the server shows every question, validates and saves on each button.
// With it:
// - questions whose show_if condition does not hold are hidden as the respondent answers
//   (the server applies the same rules on save: src/domain/visibility.rs);
// - on a section page (form[data-autosave]) the answers are saved in the background after
//   a pause in typing, with a visible "saved at" status; a failed save is retried with
//   backoff and the typed values stay on screen; leaving with unsaved changes warns;
// - "Save" and "Save and continue" post in the background too, so a network or server
//   error keeps what was typed instead of showing an error page.
(function () {
  "use strict";
  var unloadHandler = null;
  init();

  function init() {
  var notice = document.getElementById("notice");
  if (notice) notice.focus();
  var form = document.querySelector("form[enctype]");
  if (!form) return;

  function rawValue(name) {
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    if (!inputs.length) return undefined;
    var first = inputs[0];
    if (first.type === "checkbox") {
      var picked = [];
      inputs.forEach(function (i) { if (i.checked) picked.push(i.value); });
      return picked.length ? picked : undefined;
    }
    if (first.type === "radio") {
      var v;
      inputs.forEach(function (i) { if (i.checked) v = i.value; });
      return v;
    }
    // A number answered "don't know" (its box is named "<name>.dont_know").
    var dk = form.querySelector('[name="' + name + '.dont_know"]');
    if (dk && dk.checked) return "dont_know";
    return first.value.trim() === "" ? undefined : first.value.trim();
  }

  function num(v) {
    if (v === undefined || Array.isArray(v)) return NaN;
    return parseFloat(String(v).replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); }));
  }

  function holds(c, answers) {
    if (c.all) return c.all.every(function (x) { return holds(x, answers); });
    if (c.any) return c.any.some(function (x) { return holds(x, answers); });
    if (c.not) return !holds(c.not, answers);
    if (c.answered !== undefined) return answers[c.answered] !== undefined;
    if (c.equals) {
      var a = answers[c.equals.question];
      if (a === undefined || Array.isArray(a)) return false;
      return a === String(c.equals.value) || (!isNaN(num(a)) && num(a) === num(c.equals.value));
    }
    if (c.includes) {
      var m = answers[c.includes.question];
      return Array.isArray(m) && m.indexOf(c.includes.value) >= 0;
    }
    if (c.greater_than) return num(answers[c.greater_than.question]) > c.greater_than.value;
    if (c.less_than) return num(answers[c.less_than.question]) < c.less_than.value;
    return true;
  }

  // Answers of other sections that conditions here refer to are not on this page; the
  // server decided those questions' visibility when it rendered it, so a condition
  // about a question absent from the page is left as the server rendered it.
  function update() {
    var answers = {};
    form.querySelectorAll("div.question").forEach(function (div) {
      var rule = div.getAttribute("data-show-if");
      var shown = !div.hidden;
      if (rule) {
        try {
          var parsed = JSON.parse(rule);
          if (refersToPage(parsed)) shown = holds(parsed, answers);
        } catch (e) { shown = true; }
      }
      div.hidden = !shown;
      var name = div.id.slice(2);
      if (shown) {
        var v = rawValue(name);
        if (v !== undefined) answers[name] = v;
      }
    });
  }

  function refersToPage(c) {
    var ids = [];
    (function walk(x) {
      if (!x || typeof x !== "object") return;
      if (x.all) x.all.forEach(walk);
      if (x.any) x.any.forEach(walk);
      if (x.not) walk(x.not);
      if (x.answered !== undefined) ids.push(x.answered);
      ["equals", "includes", "greater_than", "less_than"].forEach(function (k) {
        if (x[k]) ids.push(x[k].question);
      });
    })(c);
    return ids.every(function (id) { return document.getElementById("q-" + id); });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  var status = document.getElementById("save-status");
  if (!form.hasAttribute("data-autosave") || !window.fetch || !window.FormData) {
    // One submission at a time: a double click sends the form once.
    form.addEventListener("submit", function () {
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
    return;
  }

  var dirty = false;
  var timer = null;
  var inFlight = false;
  var again = false;
  var retryDelay = 0;
  var stopped = false;
  var PAUSE = 1500;

  function say(text, kind) {
    if (!status) return;
    status.textContent = text;
    status.setAttribute("data-state", kind);
  }

  function clock() {
    var d = new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  // A date the browser cannot read (typed halfway: "mm/dd/2026") is sent as an empty
  // value, which a draft takes as "cleared" and would erase the stored date: it is sent
  // as it stands instead, so that the server refuses it beside its field and keeps the
  // stored date.
  function keepBadDates(data) {
    form.querySelectorAll("input[type=date]").forEach(function (i) {
      if (i.validity && i.validity.badInput) data.set(i.name, "?");
    });
    return data;
  }

  function body(action) {
    var data = keepBadDates(new FormData(form));
    // Files go with an explicit save only: a background save must stay small.
    form.querySelectorAll("input[type=file]").forEach(function (f) { data.delete(f.name); });
    data.set("action", action);
    return data;
  }

  function schedule(delay) {
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(autosave, delay);
  }

  function autosave() {
    timer = null;
    if (stopped || !dirty) return;
    if (inFlight) { again = true; return; }
    inFlight = true;
    dirty = false;
    say(form.getAttribute("data-saving"), "saving");
    fetch(form.getAttribute("action"), {
      method: "POST",
      body: body("autosave"),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (res) {
      if (res.status === 410 || res.status === 404) {
        stopped = true;
        return res.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var h = doc.querySelector("h1");
          var p = doc.querySelector("main p");
          say((h ? h.textContent : "") + " " + (p ? p.textContent : ""), "gone");
        });
      }
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json().then(function (reply) {
        retryDelay = 0;
        if (reply.status === "conflict") {
          // Another contact changed an answer: the server's page shows both values.
          stopped = true;
          explicitSave("save");
          return;
        }
        Object.keys(reply.versions || {}).forEach(function (name) {
          var input = form.querySelector('input[type=hidden][name="' + name + '"]');
          if (input) input.value = String(reply.versions[name]);
        });
        if (reply.status === "errors") {
          say(reply.message, "errors");
        } else {
          say(form.getAttribute("data-saved-at") + " " + clock(), "saved");
        }
      });
    }).catch(function () {
      dirty = true;
      retryDelay = retryDelay ? Math.min(retryDelay * 2, 60000) : 2000;
      say(form.getAttribute("data-not-saved"), "failed");
      schedule(retryDelay);
    }).then(function () {
      inFlight = false;
      if (again) { again = false; schedule(0); }
    });
  }

  function changed(e) {
    if (e.target && e.target.type === "file") return;
    dirty = true;
    schedule(PAUSE);
  }
  form.addEventListener("input", changed);
  form.addEventListener("change", changed);

  var leaving = false;
  if (unloadHandler) window.removeEventListener("beforeunload", unloadHandler);
  unloadHandler = function (e) {
    if (!leaving && (dirty || inFlight)) {
      e.preventDefault();
      e.returnValue = form.getAttribute("data-unsaved");
      return e.returnValue;
    }
  };
  window.addEventListener("beforeunload", unloadHandler);

  // Save / Save and continue / add a row, in the background: on success the browser
  // goes where the server says; on a page with errors or a conflict, that page is shown;
  // on a failure, nothing changes on screen but the status line.
  function explicitSave(action) {
    if (timer) { window.clearTimeout(timer); timer = null; }
    var data = keepBadDates(new FormData(form));
    data.set("action", action);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    say(form.getAttribute("data-saving"), "saving");
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (res) {
        if (res.status >= 500) throw new Error("HTTP " + res.status);
        leaving = true;
        if (res.redirected) { window.location.assign(res.url); return; }
        return res.text().then(replacePage);
      })
      .catch(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
        dirty = true;
        say(form.getAttribute("data-not-saved"), "failed");
        // The message says it retries: the answers (not the files) are saved in the
        // background as soon as the line is back, with the same backoff as autosave.
        retryDelay = retryDelay ? Math.min(retryDelay * 2, 60000) : 2000;
        schedule(retryDelay);
      });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var by = e.submitter && e.submitter.name === "action" ? e.submitter.value : "save";
    explicitSave(by);
  });
  }

  // The server's page for a save with errors or a conflict replaces this one in place
  // (same address: the section's), and the script starts again on it.
  function replacePage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    document.title = doc.title;
    document.documentElement.lang = doc.documentElement.lang;
    document.body.replaceWith(document.adoptNode(doc.body));
    init();
  }
})();
