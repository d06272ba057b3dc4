// The dossier page's action forms (htmx): a refused action (403, 409, 422) comes back as the form with
// its error next to the field, to be shown in place like a success would be.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if ((status === 403 || status === 409 || status === 422) && event.detail.target.closest("[data-action-form]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});

// "Thêm giấy tờ": one more item field in a list of papers to supplement.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-add-item]");
  if (!button) return;
  var list = document.getElementById(button.getAttribute("data-add-item"));
  var last = list && list.querySelector("li:last-child");
  if (!last || list.children.length >= 100) return;
  var row = last.cloneNode(true);
  var input = row.querySelector("input");
  var n = list.children.length + 1;
  input.value = "";
  input.required = false;
  input.removeAttribute("aria-invalid");
  input.id = list.id + "-" + n;
  input.setAttribute("aria-label", input.getAttribute("aria-label").replace(/\d+$/, String(n)));
  list.appendChild(row);
  input.focus();
});
