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
