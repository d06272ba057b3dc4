// Keyboard: "/" jumps to the dossier search from anywhere outside a text field.
document.addEventListener("keydown", function (event) {
  if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var find = document.getElementById("ws-find-q");
  if (find) { event.preventDefault(); find.focus(); find.select(); }
});
