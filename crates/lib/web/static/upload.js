// Upload progress: sends an upload form with XMLHttpRequest to show a progress bar, then shows the
// server's page (the validation report). Without JavaScript the form submits normally.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var barId = form.getAttribute("data-progress");
  if (!barId || !window.FormData || !window.XMLHttpRequest) { return; }
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
    document.open(); document.write(xhr.responseText); document.close();
  });
  xhr.addEventListener("error", function () { form.submit(); });
  xhr.send(new FormData(form));
});
