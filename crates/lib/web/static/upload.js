// Upload progress: sends an upload form with XMLHttpRequest to show a progress bar, then puts the
// server's answer (the page with the validation report) in place of the page's main section with
// DOM methods (nothing written as markup, nothing run as script). Without JavaScript, or if anything
// here is missing, the form submits normally.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var barId = form.getAttribute("data-progress");
  if (!barId || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
  var bar = document.getElementById(barId);
  var main = document.getElementById("main");
  if (!bar || !main) { return; }
  event.preventDefault();
  bar.hidden = false;
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.upload.addEventListener("progress", function (e) {
    if (e.lengthComputable) { bar.value = Math.round((100 * e.loaded) / e.total); bar.textContent = bar.value + "%"; }
  });
  xhr.addEventListener("load", function () {
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var fresh = page.getElementById("main");
    if (!fresh) { form.submit(); return; }
    main.replaceWith(document.importNode(fresh, true));
    if (page.title) { document.title = page.title; }
    var shown = document.getElementById("main");
    if (shown) { shown.focus(); }
  });
  xhr.addEventListener("error", function () { form.submit(); });
  xhr.send(new FormData(form));
});
