/* Online submission: show only the applicant section in use, confirm deletions, print the receipt.
   Everything works without this file (both applicant sections show; the server uses the checkbox). */
(function () {
  "use strict";
  var toggle = document.getElementById("on-behalf");
  function apply() {
    var behalf = toggle.checked;
    document.querySelectorAll("[data-when]").forEach(function (section) {
      section.hidden = (section.getAttribute("data-when") === "behalf") !== behalf;
    });
  }
  if (toggle) {
    toggle.addEventListener("change", apply);
    apply();
  }
  document.querySelectorAll("[data-confirm]").forEach(function (button) {
    button.addEventListener("click", function (event) {
      if (!window.confirm(button.getAttribute("data-confirm"))) event.preventDefault();
    });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
