// Busy indicators for slow forms (starting a round draws the sample, ending one measures the
// risk): a form with data-busy="ID" shows the element ID (an indeterminate progress bar in a
// role=status region) while its request runs, marks itself aria-busy, and refuses to be sent
// twice — its submit buttons are disabled once the browser has taken the form's data. Without
// JavaScript the form submits as usual.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var id = form.getAttribute("data-busy");
  if (!id || event.defaultPrevented) { return; }
  if (form.getAttribute("aria-busy") === "true") { event.preventDefault(); return; }
  form.setAttribute("aria-busy", "true");
  var busy = document.getElementById(id);
  if (busy) { busy.hidden = false; }
  // After this event the browser has read the form (a disabled button would not be sent).
  setTimeout(function () {
    var buttons = form.querySelectorAll("button[type=submit], input[type=submit]");
    for (var i = 0; i < buttons.length; i++) { buttons[i].disabled = true; }
  }, 0);
});
// Back to a page kept in the browser's cache: the form is idle again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) { return; }
  var forms = document.querySelectorAll("form[data-busy][aria-busy=true]");
  for (var i = 0; i < forms.length; i++) {
    forms[i].removeAttribute("aria-busy");
    var busy = document.getElementById(forms[i].getAttribute("data-busy"));
    if (busy) { busy.hidden = true; }
    var buttons = forms[i].querySelectorAll("button[type=submit], input[type=submit]");
    for (var j = 0; j < buttons.length; j++) { buttons[j].disabled = false; }
  }
});
