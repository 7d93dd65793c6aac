// The units to summon: a search box that narrows the list by unit or organisation name as
// one types. Without JavaScript the box stays hidden and the whole grouped list shows.
(function () {
  "use strict";
  var box = document.querySelector("[data-unit-filter]");
  if (!box) {
    return;
  }
  var wrapper = box.closest("[data-unit-filter-wrap]");
  var status = document.querySelector("[data-unit-filter-status]");
  var groups = Array.prototype.slice.call(document.querySelectorAll(".unit-choice__org"));
  if (wrapper) {
    wrapper.hidden = false;
  }
  box.addEventListener("input", function () {
    var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    groups.forEach(function (group) {
      var organisation = group.querySelector("legend").textContent.toLowerCase();
      var visible = 0;
      group.querySelectorAll(".field__check").forEach(function (item) {
        var text = organisation + " " + item.textContent.toLowerCase();
        var checked = item.querySelector("input").checked;
        var match = checked || words.every(function (word) { return text.indexOf(word) !== -1; });
        item.hidden = !match;
        if (match) {
          visible += 1;
        }
      });
      group.hidden = visible === 0;
      shown += visible;
    });
    if (status) {
      status.textContent = status.getAttribute("data-template").replace("{count}", String(shown));
    }
  });
})();
