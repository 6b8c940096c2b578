// Upload progress: sends an upload form with XMLHttpRequest to show a progress bar, then shows the
// server's answer (the page with the validation report) by putting its parsed document element in
// place of this one with DOM methods (nothing written as markup; the new page's scripts do not run
// again, and this document's listeners stay). Without JavaScript, or if anything here is missing,
// the form submits normally.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var barId = form.getAttribute("data-progress");
  if (!barId || !window.FormData || !window.XMLHttpRequest || !window.DOMParser) { return; }
  var bar = document.getElementById(barId);
  if (!bar) { return; }
  event.preventDefault();
  bar.hidden = false;
  var xhr = new XMLHttpRequest();
  xhr.open("POST", form.action);
  xhr.upload.addEventListener("progress", function (e) {
    if (e.lengthComputable) { bar.value = Math.round((100 * e.loaded) / e.total); bar.textContent = bar.value + "%"; }
  });
  xhr.addEventListener("load", function () {
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    if (!page.getElementById("main")) { form.submit(); return; }
    document.replaceChild(document.importNode(page.documentElement, true), document.documentElement);
    var main = document.getElementById("main");
    if (main) { main.focus(); }
  });
  xhr.addEventListener("error", function () { form.submit(); });
  xhr.send(new FormData(form));
});
