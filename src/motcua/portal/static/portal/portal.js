// Progressive enhancement only: every page works without this file.
// On wide screens, open the filter panel and the table of contents (they are collapsible on a phone).
(function () {
  "use strict";
  if (!window.matchMedia || !window.matchMedia("(min-width: 64rem)").matches) return;
  document.querySelectorAll("details[data-open-wide]").forEach(function (el) { el.open = true; });
})();
