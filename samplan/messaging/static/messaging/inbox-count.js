// The header's new-message count (messaging/_new_count.html), without eval so the page's
// Content-Security-Policy can forbid it: asks at once when the tab is shown again, and tells
// the server whether the tab is hidden (it then polls less often).
(function () {
  "use strict";
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      document.dispatchEvent(new Event("samplan-tab-visible"));
    }
  });
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "inbox-count") {
      event.detail.parameters.hidden = document.hidden ? 1 : 0;
    }
  });
})();
