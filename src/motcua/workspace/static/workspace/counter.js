// Counter reception: keyboard paths and live hints. The page works without this file; it only saves
// keystrokes (arrows through the search results, Enter in the ID field looks the person up) and says at
// once which demanded papers are missing.
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // htmx leaves 4xx answers unswapped by default; ours carry the message to show beside the field.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    // 502-504: the population database lookup could not be answered; the page says so beside the ID.
    if (status === 422 || status === 429 || (status >= 502 && status <= 504)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Search: ↓ from the box to the first result, ↓ ↑ between results, Enter opens (a link).
  function results() {
    return Array.prototype.slice.call(document.querySelectorAll("#counter-results .counter-result"));
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (target.id === "counter-q") {
      var list = results();
      if (event.key === "ArrowDown" && list.length) { event.preventDefault(); list[0].focus(); }
      if (event.key === "Enter" && list.length === 1) { event.preventDefault(); list[0].click(); }
      return;
    }
    if (target.classList && target.classList.contains("counter-result")) {
      var items = results();
      var at = items.indexOf(target);
      if (event.key === "ArrowDown" && at < items.length - 1) { event.preventDefault(); items[at + 1].focus(); }
      if (event.key === "ArrowUp") { event.preventDefault(); (at > 0 ? items[at - 1] : byId("counter-q")).focus(); }
      return;
    }
    if (target.id === "applicant-id-number" && event.key === "Enter") {
      event.preventDefault();
      var lookup = byId("applicant-lookup");
      if (lookup) lookup.click();
    }
  });

  // Missing demanded papers: listed, guidance opened, reception (and Enter) held back until ticked.
  function refresh() {
    var form = byId("counter-form");
    if (!form) return;
    var boxes = form.querySelectorAll("input[name=tp]");
    var missing = [];
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.dataset.demanded && !box.checked) missing.push(box.dataset.name);
    });
    // Nothing ticked yet is the start, not a finding: the list shows once the officer has begun.
    var blocked = missing.length > 0 && form.querySelector("input[name=tp]:checked") !== null;
    var panel = byId("counter-missing");
    var list = byId("counter-missing-list");
    var all = byId("counter-all");
    if (all) all.hidden = !missing.length;
    if (panel && list) {
      list.textContent = "";
      missing.forEach(function (name) {
        var li = document.createElement("li");
        li.textContent = name;
        list.appendChild(li);
      });
      panel.hidden = !blocked;
    }
    ["counter-receive", "counter-default"].forEach(function (id) {
      var button = byId(id);
      if (button) button.disabled = blocked;
    });
    // Guidance opens by itself while papers are missing, and closes again if it opened by itself.
    var guide = byId("counter-guide");
    if (guide && blocked && !guide.open) { guide.open = true; guide.dataset.auto = "1"; }
    if (guide && !blocked && guide.dataset.auto) { guide.open = false; delete guide.dataset.auto; }
  }

  // A scan's holder defaults to the applicant's number until the officer types another.
  function mirrorHolder() {
    var id = byId("applicant-id-number");
    var tax = byId("applicant-tax-code");
    var number = (id && id.value.trim()) || (tax && tax.value.trim()) || "";
    Array.prototype.forEach.call(document.querySelectorAll("input[data-holder]"), function (input) {
      if (!input.dataset.typed) input.value = number;
    });
  }

  document.addEventListener("change", function (event) {
    if (event.target.name === "tp") refresh();
  });
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.dataset && target.dataset.holder) target.dataset.typed = "1";
    if (target.id === "applicant-id-number" || target.id === "applicant-tax-code") mirrorHolder();
  });
  document.addEventListener("click", function (event) {
    if (event.target.id !== "counter-all") return;
    Array.prototype.forEach.call(document.querySelectorAll("#counter-form input[data-demanded]"), function (box) {
      box.checked = true;
    });
    refresh();
    var receive = byId("counter-receive");
    if (receive) receive.focus();
  });
  document.addEventListener("htmx:afterSettle", function () { refresh(); mirrorHolder(); });
  document.addEventListener("DOMContentLoaded", refresh);
})();
