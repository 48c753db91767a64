// Optional niceties; every page works without this file.
// Pages marked data-autorefresh="SECONDS" reload themselves, so the queue stays current,
// unless the moderator is busy with the page (see `busy`) or on another tab.
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-autorefresh") || "", 10);
  if (!seconds) {
    return;
  }
  // Not while the moderator is in the middle of something a reload would undo: typing,
  // an open cluster, a bulk selection, a row chosen with j/k.
  function busy() {
    var active = document.activeElement;
    return document.hidden ||
      (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) ||
      (active && active.closest && active.closest("table.queue") !== null) ||
      document.querySelector("details[open], input[type=checkbox]:checked") !== null;
  }
  window.setInterval(function () {
    if (!busy()) {
      window.location.reload();
    }
  }, seconds * 1000);
})();

// Ask before a rejection: only its moderator (or a lead) can undo it, and only for a while.
// A form with data-confirm (merging a duplicate) asks its own question.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (form.classList && form.classList.contains("reject") && !window.confirm("Reject this report?")) {
    event.preventDefault();
    return;
  }
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// The incident form offers several blank event blocks; show one, and a button for the next.
(function () {
  "use strict";
  var blanks = Array.prototype.slice.call(document.querySelectorAll("fieldset.event[data-blank]"));
  var forms = {};
  blanks.forEach(function (slot) {
    var form = slot.closest("form");
    var key = form ? form.getAttribute("action") : "";
    forms[key] = forms[key] || [];
    forms[key].push(slot);
  });
  Object.keys(forms).forEach(function (key) {
    var hidden = forms[key].slice(1);
    if (!hidden.length) {
      return;
    }
    hidden.forEach(function (slot) { slot.hidden = true; });
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = "Add another event";
    hidden[hidden.length - 1].after(button);
    button.addEventListener("click", function () {
      var next = hidden.shift();
      next.hidden = false;
      var first = next.querySelector("select, input");
      if (first) { first.focus(); }
      if (!hidden.length) { button.remove(); }
    });
  });
})();

// Keyboard shortcuts, for a moderator working through a shift. Elements opt in with
// data-key="c" (a button: pressed), "a" (a form: its first field focused), "r" / "q" (a
// text box: focused); a table with data-key-rows gets j/k (next / previous row) and Enter
// (open the row's report). "?" lists the keys. Never while typing in a field, and never
// with a modifier held, so the browser's and screen readers' own keys are untouched.
(function () {
  "use strict";
  var KEYS = [
    ["j", "Next report in the list"],
    ["k", "Previous report in the list"],
    ["Enter", "Open the chosen report"],
    ["c", "Claim the report"],
    ["a", "Go to the approval form"],
    ["r", "Go to the rejection reason"],
    ["q", "Go to the question for the reporter"],
    ["?", "Show these keys"]
  ];
  var table = document.querySelector("table[data-key-rows]");
  var rows = table ? Array.prototype.slice.call(table.tBodies[0].rows) : [];
  var current = -1;
  var dialog = null;

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function move(step) {
    if (!rows.length) { return false; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = Math.max(0, Math.min(rows.length - 1, current + step));
    var row = rows[current];
    row.classList.add("current");
    var link = row.querySelector("td.excerpt a, a");
    if (link) { link.focus(); }
    return true;
  }

  function keysDialog() {
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.className = "keys";
    dialog.setAttribute("aria-labelledby", "keys-heading");
    var heading = document.createElement("h2");
    heading.id = "keys-heading";
    heading.textContent = "Keyboard shortcuts";
    var list = document.createElement("dl");
    KEYS.forEach(function (pair) {
      var term = document.createElement("dt");
      var key = document.createElement("kbd");
      key.textContent = pair[0];
      term.appendChild(key);
      var what = document.createElement("dd");
      what.textContent = pair[1];
      list.appendChild(term);
      list.appendChild(what);
    });
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = "Close";
    close.addEventListener("click", function () { dialog.close(); });
    dialog.appendChild(heading);
    dialog.appendChild(list);
    dialog.appendChild(close);
    document.body.appendChild(dialog);
    return dialog;
  }

  function act(key) {
    var target = document.querySelector('[data-key="' + key + '"]');
    if (!target) { return false; }
    if (target.tagName === "BUTTON") {
      target.click();
      return true;
    }
    var field = target.tagName === "FORM" ? target.querySelector("input:not([type=hidden]), select, textarea") : target;
    target.scrollIntoView({ block: "start" });
    (field || target).focus();
    return true;
  }

  if (rows.length || document.querySelector("[data-key]")) {
    var hint = document.createElement("p");
    hint.className = "key-hint";
    hint.textContent = "Press ? for keyboard shortcuts.";
    var main = document.getElementById("main");
    if (main) { main.appendChild(hint); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) {
      return;
    }
    if (dialog && dialog.open) { return; }
    var handled = false;
    if (event.key === "?") {
      keysDialog().showModal();
      handled = true;
    } else if (event.key === "j") {
      handled = move(1);
    } else if (event.key === "k") {
      handled = move(-1);
    } else if (event.key === "Enter" && current >= 0 && document.activeElement === document.body) {
      var link = rows[current].querySelector("td.excerpt a, a");
      if (link) { link.click(); handled = true; }
    } else if (/^[carq]$/.test(event.key)) {
      handled = act(event.key);
    }
    if (handled) { event.preventDefault(); }
  });
})();

// Redaction: a selection inside one of the report's texts fills the redaction form with
// its offsets in the stored text (each plain piece carries its own, data-offset).
(function () {
  "use strict";
  var form = document.getElementById("redact-form");
  if (!form) {
    return;
  }
  var output = document.getElementById("redact-selection");
  function place(node, offset) {
    var text = node.nodeType === 3;
    var piece = text ? node.parentNode : node;
    if (!piece || !piece.hasAttribute || !piece.hasAttribute("data-offset")) {
      return null;
    }
    var holder = piece.closest("[data-redact-target]");
    if (!holder) {
      return null;
    }
    var start = parseInt(piece.getAttribute("data-offset"), 10);
    var within = text ? offset : (offset > 0 ? piece.textContent.length : 0);
    return { key: holder.getAttribute("data-redact-target"), at: start + within };
  }
  document.addEventListener("selectionchange", function () {
    var selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) {
      return;
    }
    var range = selection.getRangeAt(0);
    var from = place(range.startContainer, range.startOffset);
    var to = place(range.endContainer, range.endOffset);
    if (!from || !to || from.key !== to.key || to.at <= from.at) {
      return;
    }
    var parts = from.key.split(":");
    form.elements.target.value = parts[0];
    form.elements.message_id.value = parts[1] || "";
    form.elements.start.value = from.at;
    form.elements.end.value = to.at;
    output.textContent = "Selected: “" + selection.toString() + "”";
  });
})();

// Every page: the navigation bar's count of urgent reports stays current, the tab's title
// carries it (seen from another tab), and a new urgent report is announced at the top of
// the page, whatever the moderator is doing. These requests do not count as activity:
// an unattended console still logs itself out.
(function () {
  "use strict";
  var link = document.querySelector("a.urgent-now");
  var seconds = parseInt(document.body.getAttribute("data-urgent-poll") || "", 10);
  if (!link || !seconds || !window.fetch) {
    return;
  }
  var number = link.querySelector("[data-urgent-count]");
  var known = parseInt(number.textContent, 10) || 0;
  var title = document.title;

  function announce(arrived) {
    var old = document.getElementById("urgent-news");
    if (old) {
      old.remove();
    }
    var banner = document.createElement("p");
    banner.id = "urgent-news";
    banner.className = "urgent-banner";
    banner.setAttribute("role", "alert");
    var badge = document.createElement("span");
    badge.className = "badge urgent";
    badge.textContent = "Urgent";
    var words = document.createElement("strong");
    words.textContent = arrived === 1 ? " A new urgent report has arrived."
      : " " + arrived + " new urgent reports have arrived.";
    var go = document.createElement("a");
    go.href = link.getAttribute("href");
    go.textContent = "Show the urgent reports";
    banner.append(badge, words, " ", go);
    document.getElementById("main").prepend(banner);
  }

  function show(count) {
    number.textContent = String(count);
    link.hidden = count === 0;
    document.title = count ? "(" + count + " urgent) " + title : title;
    if (count > known) {
      announce(count - known);
    }
    known = count;
  }

  show(known);
  window.setInterval(function () {
    window.fetch(link.getAttribute("data-urgent-url"), {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "Accept": "application/json" }
    }).then(function (answer) {
      var json = (answer.headers.get("content-type") || "").indexOf("application/json") === 0;
      return answer.ok && json ? answer.json() : null;  // logged out: the login page
    }).then(function (body) {
      if (body && typeof body.urgent_open === "number") {
        show(body.urgent_open);
      }
    }).catch(function () {});  // offline for a moment: the next round tries again
  }, seconds * 1000);
})();
