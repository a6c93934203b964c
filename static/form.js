// Progressive enhancement for the questionnaire form. Without this script everything
// works: the server shows every question, validates and saves on each button.
// With it:
// - questions whose show_if condition does not hold are hidden as the respondent answers
//   (the server applies the same rules on save: src/domain/visibility.rs);
// - an answer that hides questions on the page holding typed answers says so beside it
//   ("will be removed when you save"), and stops saying it when the change is undone;
// - on a section page (form[data-autosave]) the answers are saved in the background after
//   a pause in typing, with a visible "saved at" status; a failed save is retried with
//   backoff and the typed values stay on screen; leaving with unsaved changes warns;
// - "Save" and "Save and continue" post in the background too, so a network or server
//   error keeps what was typed instead of showing an error page;
// - "Remove row" takes the row away at once there (the rows after it numbered again)
//   and the autosave records it; answers a save removed because their questions no
//   longer apply are listed (#removed-answers);
// - on the review page, the declaration's name and job title are kept for the tab;
// - on every page, a notice (#notice: errors, "saved at", a hand-over's result) takes
//   the focus, and the sticky Save bar's height is kept clear below a focused field.
(function () {
  "use strict";
  var unloadHandler = null;
  var barWatched = false;
  init();

  function init() {
  var notice = document.getElementById("notice");
  if (notice) notice.focus();
  keepFocusClearOfBar();
  var declaration = document.querySelector("form.declaration");
  if (declaration) keepDeclaration(declaration);
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

  // A number as the server reads it (src/domain/numbers.rs): thousands separators out,
  // a decimal comma read as a dot (what the server refuses as ambiguous only decides
  // what is shown until the save).
  function num(v) {
    if (v === undefined || Array.isArray(v)) return NaN;
    var s = String(v).replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); })
      .replace(/\s/g, "").replace(/，/g, ",").replace(/．/g, ".");
    var last = Math.max(s.lastIndexOf("."), s.lastIndexOf(","));
    var seps = (s.match(/[.,]/g) || []).length;
    if (seps >= 2 && /^[+-]?\d{1,3}([.,]\d{3})+$/.test(s)) {
      s = s.replace(/[.,]/g, "");
    } else if (seps >= 2) {
      s = s.slice(0, last).replace(/[.,]/g, "") + "." + s.slice(last + 1);
    } else {
      s = s.replace(",", ".");
    }
    return parseFloat(s);
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
  var pageAnswers = {};
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
    pageAnswers = answers;
  }

  function refersToPage(c) {
    return referenced(c).every(function (id) { return document.getElementById("q-" + id); });
  }

  // The questions a condition reads.
  function referenced(c) {
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
    return ids;
  }

  // Whether a question holds something typed or picked (a stored file counts).
  function typed(div) {
    if (div.querySelector("p.file")) return true;
    return Array.prototype.some.call(div.querySelectorAll("input, select, textarea"), function (i) {
      if (i.type === "hidden" || i.type === "submit") return false;
      if (i.type === "checkbox" || i.type === "radio") return i.checked;
      if (i.type === "file") return !!(i.files && i.files.length);
      return i.value.trim() !== "";
    });
  }

  // Beside each answer a condition on this page reads, a polite note (made empty here:
  // a live region announces what changes in it, not what it held when it appeared)
  // counting the questions it hides that hold something typed, which the save removes.
  var hideNotes = {};
  function rules() {
    var out = [];
    form.querySelectorAll("div.question[data-show-if]").forEach(function (div) {
      try { out.push([div, referenced(JSON.parse(div.getAttribute("data-show-if")))]); } catch (e) { /* shown */ }
    });
    return out;
  }
  function addHideNote(id) {
    var ctl = document.getElementById("q-" + id);
    if (!ctl || hideNotes[id]) return;
    var p = document.createElement("p");
    p.className = "hide-note";
    p.id = "hn-" + id;
    p.setAttribute("role", "status");
    ctl.appendChild(p);
    hideNotes[id] = p;
  }
  rules().forEach(function (r) {
    r[1].forEach(addHideNote);
  });
  // Answered questions of other sections whose condition reads this page's answers
  // (the server lists them, with the stored answers off this page those conditions
  // read): hidden by an answer here, the save removes them too.
  var elsewhere = [], elsewhereAnswers = {};
  try {
    elsewhere = JSON.parse(form.getAttribute("data-elsewhere") || "[]");
    elsewhereAnswers = JSON.parse(form.getAttribute("data-elsewhere-answers") || "{}");
  } catch (e) { elsewhere = []; }
  elsewhere.forEach(function (e) { referenced(e["if"]).forEach(addHideNote); });
  function noteHides() {
    var counts = {};
    rules().forEach(function (r) {
      if (!r[0].hidden || !typed(r[0])) return;
      r[1].forEach(function (id) { counts[id] = (counts[id] || 0) + 1; });
    });
    var known = Object.assign({}, elsewhereAnswers, pageAnswers);
    elsewhere.forEach(function (e) {
      if (holds(e["if"], known)) return;
      referenced(e["if"]).forEach(function (id) {
        if (document.getElementById("q-" + id)) counts[id] = (counts[id] || 0) + 1;
      });
    });
    Object.keys(hideNotes).forEach(function (id) {
      var n = counts[id] || 0;
      var text = n === 0 ? "" : n === 1 ? form.getAttribute("data-hides-one") :
        form.getAttribute("data-hides-many").replace("{n}", n);
      if (hideNotes[id].textContent !== text) hideNotes[id].textContent = text;
    });
  }

  function updateAll() {
    update();
    noteHides();
  }
  form.addEventListener("input", updateAll);
  form.addEventListener("change", updateAll);
  updateAll();

  // A field's refusal (or none), marked as the server's page marks it: the error's id
  // is added to (and taken from) aria-describedby beside the help's.
  function markField(div, message) {
    var name = div.id.slice(2);
    var p = document.getElementById("e-" + name);
    var inputs = div.querySelectorAll(":scope > input:not([type=hidden]), :scope > textarea, :scope > select");
    // What the error is read with: the field, or a choice group's fieldset.
    var described = div.querySelectorAll(":scope > input:not([type=hidden]), :scope > textarea, :scope > select, :scope > fieldset");
    if (!message) {
      if (p) p.remove();
      div.classList.remove("has-error");
      inputs.forEach(function (i) { i.removeAttribute("aria-invalid"); });
      described.forEach(function (i) { describedBy(i, "e-" + name, false); });
      return;
    }
    if (!p) {
      var anchor = div.querySelector(":scope > fieldset > .help, :scope > .help") ||
        div.querySelector(":scope > fieldset > legend, :scope > label");
      if (!anchor) return;
      p = document.createElement("p");
      p.className = "error";
      p.id = "e-" + name;
      anchor.insertAdjacentElement("afterend", p);
    }
    p.textContent = message;
    div.classList.add("has-error");
    inputs.forEach(function (i) { i.setAttribute("aria-invalid", "true"); });
    described.forEach(function (i) { describedBy(i, p.id, true); });
  }

  // Adds `id` to (or takes it from) an element's aria-describedby, keeping the others
  // (the help's id).
  function describedBy(el, id, on) {
    var ids = (el.getAttribute("aria-describedby") || "").split(/\s+/).filter(function (x) {
      return x && x !== id;
    });
    if (on) ids.push(id);
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }

  // Files the server would refuse for their size are refused here, beside their field,
  // before anything is sent: a post over the server's limit is refused whole, and its
  // page would replace the one holding what was typed. True when the form may go.
  function filesFit() {
    var maxFile = parseInt(form.getAttribute("data-max-file"), 10);
    var maxForm = parseInt(form.getAttribute("data-max-form"), 10);
    var total = 0;
    var first = null;
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      var div = input.closest("div.question");
      var file = input.files && input.files[0];
      if (!div || !file) return;
      var message = "";
      if (file.size > maxFile) {
        message = form.getAttribute("data-file-too-large");
      } else {
        total += file.size;
        if (total > maxForm) message = form.getAttribute("data-files-too-large");
      }
      if (message) {
        markField(div, message);
        if (!first) first = input;
      } else if (div.classList.contains("has-error") && div.hasAttribute("data-size-refused")) {
        markField(div, "");
      }
      if (message) div.setAttribute("data-size-refused", "1"); else div.removeAttribute("data-size-refused");
    });
    if (first) first.focus();
    return !first;
  }

  var status = document.getElementById("save-status");
  if (!form.hasAttribute("data-autosave") || !window.fetch || !window.FormData) {
    // One submission at a time: a double click sends the form once.
    form.addEventListener("submit", function (e) {
      if (!filesFit()) { e.preventDefault(); return; }
      window.setTimeout(function () {
        form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
      }, 0);
    });
    return;
  }

  // Statuses of a post refused whole, whose page holds no form.
  var REFUSED = [400, 403, 413, 429];

  function pageMessage(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var h = doc.querySelector("h1");
    var p = doc.querySelector("main p");
    return (h ? h.textContent : "") + " " + (p ? p.textContent : "");
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

  function clock(d) {
    d = d || new Date();
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return two(d.getHours()) + ":" + two(d.getMinutes()) + ":" + two(d.getSeconds());
  }

  // The server writes "saved at" in UTC; shown here, like the script's own, in the
  // respondent's time.
  document.querySelectorAll("#save-status time[datetime], #notice time[datetime]").forEach(function (savedTime) {
    var at = new Date(savedTime.getAttribute("datetime"));
    if (!isNaN(at.getTime())) savedTime.textContent = clock(at);
  });

  // An autosave's refusals, beside their fields as the server's page would mark them;
  // marks of fields that are now fine are taken away.
  function markErrors(errors) {
    var byField = {};
    (errors || []).forEach(function (e) { byField[e.field] = e.message; });
    form.querySelectorAll("div.question[id^='q-'], div.cell[id^='q-']").forEach(function (div) {
      if (!div.hasAttribute("data-size-refused")) markField(div, byField[div.id.slice(2)]);
    });
  }

  // Date boxes holding a date typed halfway ("mm/dd/2026"): the browser reads them as
  // empty, and fires no input event while they are typed.
  function badDates() {
    return Array.prototype.filter.call(form.querySelectorAll("input[type=date]"), function (i) {
      return i.validity && i.validity.badInput;
    });
  }

  function keepBadDates(data) {
    badDates().forEach(function (i) { data.set(i.name, "?"); });
    return data;
  }

  function body(action) {
    var data = keepBadDates(new FormData(form));
    // Files go with an explicit save only: a background save must stay small; a file is
    // removed by an explicit save only too ("Remove this file when I save").
    form.querySelectorAll("input[type=file], input[name$='.remove']").forEach(function (f) { data.delete(f.name); });
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
        return res.text().then(function (html) { say(pageMessage(html), "gone"); });
      }
      if (!res.ok) throw new Error("HTTP " + res.status);
      return res.json().then(function (reply) {
        retryDelay = 0;
        if (reply.status === "submitted") {
          // Submitted meanwhile (another page, a colleague): nothing more is saved here,
          // and what was typed stays on screen; "Save" shows what differs.
          stopped = true;
          say(reply.message, "gone");
          return;
        }
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
        markErrors(reply.errors);
        showRemoved(reply);
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
  // A date typed halfway marks nothing changed (no input event): it counts as unsaved
  // work all the same.
  unloadHandler = function (e) {
    if (!leaving && (dirty || inFlight || badDates().length)) {
      e.preventDefault();
      e.returnValue = form.getAttribute("data-unsaved");
      return e.returnValue;
    }
  };
  window.addEventListener("beforeunload", unloadHandler);

  // Save / Save and continue / add a row, in the background: on success the browser
  // goes where the server says; on a page with errors or a conflict, that page is shown;
  // on a failure, nothing changes on screen but the status line.
  function notSaved(message) {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
    dirty = true;
    say(message, "failed");
  }

  function explicitSave(action) {
    if (timer) { window.clearTimeout(timer); timer = null; }
    var data = keepBadDates(new FormData(form));
    data.set("action", action);
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    say(form.getAttribute("data-saving"), "saving");
    fetch(form.getAttribute("action"), { method: "POST", body: data, credentials: "same-origin" })
      .then(function (res) {
        if (res.status >= 500) throw new Error("HTTP " + res.status);
        if (REFUSED.indexOf(res.status) >= 0) {
          // A refusal of the whole post (too large, too many tries): its message, and
          // the page with what was typed stays.
          return res.text().then(function (html) { notSaved(pageMessage(html)); });
        }
        leaving = true;
        if (res.redirected) { window.location.assign(res.url); return; }
        return res.text().then(function (html) {
          replacePage(html);
          // "Add a row": the new row's first box takes the focus (a keyboard user is
          // not sent back to the top of the page).
          if (action.indexOf("add_row:") === 0) focusLastRow(action.slice(8));
        });
      })
      .catch(function () {
        notSaved(form.getAttribute("data-not-saved"));
        // The message says it retries: the answers (not the files) are saved in the
        // background as soon as the line is back, with the same backoff as autosave.
        retryDelay = retryDelay ? Math.min(retryDelay * 2, 60000) : 2000;
        schedule(retryDelay);
      });
  }

  // The answers an autosave removed because their questions no longer apply, listed
  // as the server's page lists them (the list stays until another save removes some).
  function showRemoved(reply) {
    var box = document.getElementById("removed-answers");
    if (!box || !reply.removed || !reply.removed.length) return;
    var notice = document.createElement("div");
    notice.className = "notice removed";
    var title = document.createElement("p");
    title.textContent = reply.removed_title;
    var list = document.createElement("ul");
    reply.removed.forEach(function (line) {
      var li = document.createElement("li");
      var label = document.createElement("strong");
      label.textContent = line.label;
      var value = document.createElement("span");
      value.className = "removed-value";
      value.textContent = line.value;
      li.append(label, ": ", value);
      list.appendChild(li);
    });
    var restore = document.createElement("p");
    restore.textContent = reply.removed_restore;
    notice.append(title, list, restore);
    box.replaceChildren(notice);
  }

  // "Remove row": the row goes at once and the rows after it take its number (their
  // fields' names too: the server reads the rows in order, as the stored answer lists
  // them), a note beside the table says which row went, and the autosave records it.
  // The focus goes to the first field of the row now in its place, else to the
  // table's "Add a row".
  function removeRow(action) {
    var group = action.slice("remove_row:".length).replace(/:\d+$/, "");
    var div = document.getElementById("q-" + group);
    var button = div && div.querySelector('button[value="' + action + '"]');
    var row = button && button.closest("fieldset.row");
    if (!row) return;
    var rows = Array.prototype.slice.call(div.querySelectorAll("fieldset.row"));
    var place = rows.indexOf(row);
    row.remove();
    rows.splice(place, 1);
    var cell = new RegExp(group.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "\\.\\d+\\.", "g");
    rows.forEach(function (r, i) {
      r.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
        ["name", "id", "for", "aria-describedby"].forEach(function (a) {
          var v = el.getAttribute(a);
          if (v !== null) el.setAttribute(a, v.replace(cell, group + "." + i + "."));
        });
      });
      r.querySelector("legend").textContent = form.getAttribute("data-row") + " " + (i + 1);
      var remove = r.querySelector("button.remove-row");
      remove.value = "remove_row:" + group + ":" + i;
      remove.firstChild.nodeValue = form.getAttribute("data-remove-row").replace("{n}", i + 1);
    });
    var note = document.getElementById("rn-" + group);
    if (note) note.textContent = form.getAttribute("data-row-removed").replace("{n}", place + 1);
    var next = rows[place];
    var box = next && next.querySelector("input:not([type=hidden]), select, textarea");
    (box || div.querySelector("button.add-row")).focus();
    updateAll();
    dirty = true;
    schedule(0);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!filesFit()) return;
    var by = e.submitter && e.submitter.name === "action" ? e.submitter.value : "save";
    if (by.indexOf("remove_row:") === 0) { removeRow(by); return; }
    explicitSave(by);
  });
  }

  // The declaration's name and job title, as typed on the review page, are kept for this
  // tab (sessionStorage): going to a section to add a missing answer and coming back
  // finds them as they were. The tick box is ticked anew each time.
  function keepDeclaration(form) {
    var key = "hrdd-declaration:" + window.location.pathname;
    var store;
    try { store = window.sessionStorage; } catch (e) { return; }
    if (!store) return;
    var fields = ["signatory_name", "signatory_title"];
    var kept = {};
    try { kept = JSON.parse(store.getItem(key) || "{}") || {}; } catch (e) { kept = {}; }
    fields.forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (input && typeof kept[name] === "string") input.value = kept[name];
    });
    form.addEventListener("input", function () {
      var now = {};
      fields.forEach(function (name) {
        var input = form.querySelector('[name="' + name + '"]');
        if (input) now[name] = input.value;
      });
      try { store.setItem(key, JSON.stringify(now)); } catch (e) { /* full or off: not kept */ }
    });
  }

  // After "Add a row", the focus in the new (last) row of `group`.
  function focusLastRow(group) {
    var div = document.getElementById("q-" + group);
    var rows = div ? div.querySelectorAll("fieldset.row") : [];
    var last = rows.length ? rows[rows.length - 1] : null;
    var box = last && last.querySelector("input:not([type=hidden]), select, textarea");
    if (box) box.focus();
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

  // The sticky Save bar must never hide what has the focus (SC 2.4.11): the page keeps
  // the bar's height (and the focus ring's) clear at its bottom when the browser
  // scrolls a focused field into view. app.css sets a fixed room for pages without the
  // script; here it is the bar's own height, whatever its words' length.
  function keepFocusClearOfBar() {
    fitBar();
    if (!barWatched) window.addEventListener("resize", fitBar);
    barWatched = true;
  }
  function fitBar() {
    var bar = document.querySelector("form > .actions");
    var sticky = bar && getComputedStyle(bar).position === "sticky";
    document.documentElement.style.scrollPaddingBottom = sticky ? (bar.offsetHeight + 12) + "px" : "";
  }
})();
