// Saves quiz answers in the background as the learner goes. The page works without this
// file: the "Save my answers" button does the same through a normal form post. Its messages
// come translated from the page (data-*-message on the form).
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
        if (status) {
          var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined);
          status.textContent = form.getAttribute("data-saved-message").replace("%(time)s", time);
        }
      } else if (status) {
        status.textContent = form.getAttribute("data-failed-message");
      }
    }).catch(function () {
      if (status) { status.textContent = form.getAttribute("data-offline-message"); }
    });
  }

  form.addEventListener("change", function () {
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
}());
