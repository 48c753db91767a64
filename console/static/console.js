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
