// Optional niceties; every page works without this file.
// Pages marked data-autorefresh="SECONDS" reload themselves while the moderator is not
// typing or has switched to another tab, so the queue stays current.
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-autorefresh") || "", 10);
  if (!seconds) {
    return;
  }
  function busy() {
    var active = document.activeElement;
    return document.hidden || (active && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName));
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
