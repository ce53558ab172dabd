// The quiz page's small script. The page works without it: "Save my answers" and "Review and
// submit" are plain form posts. With it:
// - answers are saved in the background as the learner goes, and the status line says
//   "saved" only when the server answered that it saved them;
// - when the session has ended (the save is sent to sign-in, or refused with 400/401/403),
//   the line says so, the answers stay in the page and in this browser's storage (a reload
//   keeps them), and they are saved as soon as the learner has signed in again (in another
//   tab, or after a reload);
// - a form is sent once, however many times its button is pressed;
// - a matching answer chosen is written out in full under its drop-down as it changes.
// Its messages come translated from the page (data-*-message on the form).
(function () {
  "use strict";

  // A submit button pressed twice sends its form once.
  Array.prototype.forEach.call(document.querySelectorAll("form.final-submit"), function (f) {
    f.addEventListener("submit", function (event) {
      if (f.getAttribute("data-sent")) { event.preventDefault(); return; }
      f.setAttribute("data-sent", "1");
    });
  });
  // A matching answer is written out in full under its drop-down (a native drop-down cannot
  // wrap, so a long answer is cut off on a phone); the page renders the saved one, this keeps
  // it current as the learner chooses. The line is a polite live region.
  function showChosen(select) {
    var line = document.getElementById(select.getAttribute("data-chosen"));
    if (!line) { return; }
    var option = select.value ? select.options[select.selectedIndex] : null;
    var label = line.getAttribute("data-label") + " ";
    if (line.textContent === (option ? label + option.text : "")) { return; }  // as shown: nothing to announce
    line.textContent = "";
    if (!option) { return; }
    var words = document.createElement("span");
    ["lang", "dir"].forEach(function (name) {
      if (option.hasAttribute(name)) { words.setAttribute(name, option.getAttribute(name)); }
    });
    words.textContent = option.text;
    line.appendChild(document.createTextNode(label));
    line.appendChild(words);
  }
  function showAllChosen() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-chosen]"), showChosen);
  }
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-chosen]")) { showChosen(event.target); }
  });
  showAllChosen();  // a browser that kept the form's choices over a reload

  var reviewed = document.querySelector("[data-saved-draft]");
  if (reviewed && window.localStorage) {
    try { window.localStorage.removeItem(reviewed.getAttribute("data-saved-draft")); } catch (e) { /* storage off */ }
  }

  var form = document.querySelector("form[data-autosave]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = form.querySelector(".autosave-status");
  var seqField = form.querySelector("input[name=seq]");
  var tokenField = form.querySelector("input[name=csrf_token]");
  var key = form.getAttribute("data-draft-key");
  var timer = null;
  var signedOut = false;
  var retry = null;

  function say(name, time) {
    if (!status) { return; }
    var text = form.getAttribute("data-" + name + "-message") || "";
    status.textContent = text.replace("%(time)s", time || "");
  }

  function answers() {
    var pairs = [];
    new FormData(form).forEach(function (value, name) {
      if (name.indexOf("q-") === 0) { pairs.push([name, String(value)]); }
    });
    return pairs;
  }

  function keep() {
    try { window.localStorage.setItem(key, JSON.stringify(answers())); } catch (e) { /* storage off or full */ }
  }

  function forget() {
    try { window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
  }

  function restore() {
    var kept = null;
    try { kept = JSON.parse(window.localStorage.getItem(key) || "null"); } catch (e) { kept = null; }
    if (!kept || !kept.length) { return false; }
    var fields = form.querySelectorAll("input[name^='q-'], select[name^='q-']");
    Array.prototype.forEach.call(fields, function (field) {
      var values = kept.filter(function (p) { return p[0] === field.name; }).map(function (p) { return p[1]; });
      if (field.type === "radio" || field.type === "checkbox") {
        field.checked = values.indexOf(field.value) !== -1;
      } else {
        field.value = values.length ? values[0] : "";
      }
    });
    showAllChosen();
    say("restored");
    return true;
  }

  function expired() {
    signedOut = true;
    keep();
    say("expired");
    if (!retry) { retry = setInterval(reconnect, 15000); }
  }

  // Signed in again? Read a fresh form token from the quiz page, then save.
  function reconnect() {
    fetch(window.location.pathname, { credentials: "same-origin", redirect: "manual" }).then(function (response) {
      if (response.type === "opaqueredirect" || !response.ok) { return; }
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var token = page.querySelector("form[data-autosave] input[name=csrf_token]");
        var seq = page.querySelector("form[data-autosave] input[name=seq]");
        var same = page.querySelector("form[data-autosave] input[name=attempt]");
        if (!token || !same || same.value !== form.querySelector("input[name=attempt]").value) { return; }
        tokenField.value = token.value;
        seqField.value = String(Math.max(Number(seqField.value), Number(seq.value)));
        save();
      });
    }).catch(function () { /* still offline */ });
  }

  function save() {
    var data = new FormData(form);
    data.delete("action");
    fetch(form.getAttribute("data-autosave"), {
      method: "POST", body: data, credentials: "same-origin", redirect: "manual",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (response.type === "opaqueredirect" || [400, 401, 403].indexOf(response.status) !== -1) {
        expired();
        return;
      }
      if (!response.ok) { keep(); say("failed"); return; }
      return response.json().then(function (body) {
        if (!body || body.saved !== true) { keep(); say("failed"); return; }
        seqField.value = String(Number(seqField.value) + 1);
        signedOut = false;
        if (retry) { clearInterval(retry); retry = null; }
        forget();
        say("saved", new Date().toLocaleTimeString(document.documentElement.lang || undefined));
      });
    }).catch(function () {
      keep();
      say("offline");
    });
  }

  form.addEventListener("change", function () {
    keep();
    clearTimeout(timer);
    timer = setTimeout(save, 600);
  });
  form.addEventListener("submit", function (event) {
    keep();  // if this post is refused, a reload still has the answers
    if (signedOut) {  // the post would be refused: try to save instead, and say why
      event.preventDefault();
      say("expired");
      reconnect();
      return;
    }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    setTimeout(function () { form.removeAttribute("data-sent"); }, 5000);
  });
  window.addEventListener("focus", function () { if (signedOut) { reconnect(); } });
  if (restore()) { save(); }
}());
