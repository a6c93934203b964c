// Progressive enhancement for the questionnaire form: hides questions whose show_if
// condition does not hold, as the respondent answers. The server applies the same rules
// on save (src/domain/visibility.rs); without this script every question is shown.
(function () {
  "use strict";
  var form = document.querySelector("form");
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

  function update() {
    var answers = {};
    form.querySelectorAll("div.question").forEach(function (div) {
      var rule = div.getAttribute("data-show-if");
      var shown = true;
      if (rule) {
        try { shown = holds(JSON.parse(rule), answers); } catch (e) { shown = true; }
      }
      div.hidden = !shown;
      var name = div.id.slice(2);
      if (shown) {
        var v = rawValue(name);
        if (v !== undefined) answers[name] = v;
      }
    });
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  // One submission at a time: a double click sends the form once.
  form.addEventListener("submit", function () {
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
    }, 0);
  });

  var notice = document.getElementById("notice");
  if (notice) notice.focus();
})();
