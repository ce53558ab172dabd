// Saves quiz answers in the background as the learner goes. The page works without this
// file: the "Save my answers" button does the same through a normal form post.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var seqField = form.querySelector("input[name=seq]");
  var timer = null;

  function save() {
    var data = new FormData(form);
    data.delete("action");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: data, credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.ok) {
        seqField.value = String(Number(seqField.value) + 1);
        if (status) { status.textContent = "Answers saved " + new Date().toLocaleTimeString() + "."; }
      } else if (status) {
        status.textContent = "Could not save automatically. Use \u201cSave my answers\u201d.";
      }
    }).catch(function () {
      if (status) { status.textContent = "You seem to be offline. Your answers will be saved when you submit."; }
    });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
}());
