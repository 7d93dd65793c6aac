// After an action (Kvittera, Spara ...) the page comes back with a status line: move the
// keyboard focus there, so a screen reader reads the outcome and Tab goes on from the top
// of the page's content instead of from the body.
(function () {
  "use strict";
  var status = document.querySelector("[data-focus-on-load]");
  if (status && !document.querySelector("[autofocus]")) {
    status.focus();
  }
})();
