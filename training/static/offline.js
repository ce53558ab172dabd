// Reading offline, on the page side: registers the service worker, runs the "save for
// offline use" controls and the list of saved units, says what is waiting to be sent and
// sends it, refreshes saved units whose content changed, keeps quiz answers typed while the
// connection is down, and clears this account's saved data at sign-out. Every text comes
// from the page (data-* attributes written by the templates, in the page's language).
// Without this file, or without JavaScript, every page works as before.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!("serviceWorker" in navigator) || !window.caches || !window.fetch || !window.TrainingOffline) { return; }
  var store = window.TrainingOffline;
  var lang = document.documentElement.lang || "en";
  var meta = function (name) { var m = document.querySelector('meta[name="' + name + '"]'); return m ? m.content : null; };
  var pageAccount = meta("offline-account");
  var status = document.getElementById("offline-status");
  var offlinePage = document.querySelector("[data-offline-page]");
  var unitsInfo = null;

  navigator.serviceWorker.register(script.getAttribute("data-sw")).catch(function () { return null; });

  function fill(text, values) {
    return (text || "").replace(/\{(\w+)\}/g, function (m, k) { return Object.prototype.hasOwnProperty.call(values, k) ? values[k] : m; });
  }
  function says(el, name, values) { return fill(el.getAttribute("data-" + name), values || {}); }
  function counted(el, name, count) {
    var rule = window.Intl && Intl.PluralRules ? new Intl.PluralRules(lang).select(count) : (count === 1 ? "one" : "other");
    var text = el.getAttribute("data-" + name + "-" + rule) || el.getAttribute("data-" + name + "-other");
    return fill(text, { count: count.toLocaleString(lang) });
  }
  function size(bytes) {
    try {
      return new Intl.NumberFormat(lang, { style: "unit", unit: bytes >= 1e6 ? "megabyte" : "kilobyte", maximumFractionDigits: bytes >= 1e6 ? 1 : 0 })
        .format(bytes >= 1e6 ? bytes / 1e6 : Math.max(1, Math.round(bytes / 1e3)));
    } catch (e) { return Math.round(bytes / 1e3) + " kB"; }
  }
  function day(ms) { return new Date(ms).toLocaleDateString(lang, { day: "numeric", month: "short", year: "numeric" }); }

  // --- What is waiting to be sent, and notices ------------------------------------------
  var notices = [];
  function notice(text) { if (text) { notices.push(text); } }
  function showStatus(account) {
    if (!status) { return Promise.resolve(); }
    return (account ? store.queued(account) : Promise.resolve([])).then(function (waiting) {
      var lines = notices.slice();
      if (!navigator.onLine) { lines.unshift(says(status, "offline")); }
      if (waiting.length) { lines.push(counted(status, "queued", waiting.length)); }
      status.textContent = "";
      lines.forEach(function (line) { var p = document.createElement("p"); p.textContent = line; status.appendChild(p); });
      status.hidden = lines.length === 0;
    });
  }

  function send(account) {
    if (!navigator.onLine || !pageAccount) { return showStatus(account); }
    return store.flush(account).then(function (result) {
      if (result.sent) { notice(counted(status, "sent", result.sent)); }
      if (result.signin) { notice(says(status, "signin")); }
    }, function () { return null; }).then(function () { return showStatus(account); });
  }

  // --- Saving units ------------------------------------------------------------------------
  function loadUnits() {
    if (unitsInfo) { return Promise.resolve(unitsInfo); }
    return fetch(script.getAttribute("data-units"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok || r.redirected) { throw new Error("units " + r.status); } return r.json(); })
      .then(function (info) { info.lang = lang; unitsInfo = info; return info; });
  }

  function plansFor(info, which) {
    return which === "*" ? info.units : info.units.filter(function (u) { return u.id === which; });
  }

  function savingSize(info, plans) {
    var bytes = info.shared_bytes;
    var unknown = false;
    plans.forEach(function (p) {
      bytes += p.bytes;
      if (p.handout_bytes == null) { unknown = true; } else { bytes += p.handout_bytes; }
    });
    return { bytes: bytes, unknown: unknown };
  }

  function refreshControl(account, control) {
    var which = control.getAttribute("data-offline-save");
    return store.savedUnits(account).then(function (units) {
      var mine = which === "*" ? units : units.filter(function (u) { return u.id === which; });
      var state = control.querySelector("[data-part=state]");
      var remove = control.querySelector("[data-do=remove]");
      var complete = which === "*" ? unitsInfo && mine.length === unitsInfo.units.length && mine.length > 0 : mine.length > 0;
      if (mine.length && (which !== "*" || complete)) {
        var bytes = mine.reduce(function (sum, u) { return sum + u.bytes; }, 0);
        state.textContent = says(control, "saved", { date: day(mine[0].saved_at), size: size(bytes) });
      } else {
        state.textContent = "";
      }
      if (remove) { remove.hidden = mine.length === 0; }
      control.querySelector("[data-do=ask]").hidden = which !== "*" && mine.length > 0;
    });
  }

  function saveAll(account, info, plans, report) {
    var chain = Promise.resolve();
    plans.forEach(function (plan, index) {
      chain = chain.then(function () {
        return store.saveUnit(account, info, plan, function (done, total) {
          report(says(report.control, "progress", { unit: plan.title, done: done, total: total, n: index + 1, of: plans.length }));
        });
      });
    });
    return chain;
  }

  function wireControl(account, control) {
    var which = control.getAttribute("data-offline-save");
    var confirm = control.querySelector("[data-part=confirm]");
    var sizeLine = control.querySelector("[data-part=size]");
    var state = control.querySelector("[data-part=state]");
    var ask = control.querySelector("[data-do=ask]");
    function report(text) { state.textContent = text; }
    report.control = control;
    control.hidden = false;
    ask.addEventListener("click", function () {
      loadUnits().then(function (info) {
        var need = savingSize(info, plansFor(info, which));
        sizeLine.textContent = says(control, need.unknown ? "size-more" : "size", { size: size(need.bytes) });
        confirm.hidden = false;
        ask.hidden = true;
        confirm.querySelector("[data-do=save]").focus();
      }, function () { report(says(control, "failed")); });
    });
    confirm.querySelector("[data-do=cancel]").addEventListener("click", function () {
      confirm.hidden = true;
      ask.hidden = false;
      ask.focus();
    });
    confirm.querySelector("[data-do=save]").addEventListener("click", function () {
      confirm.hidden = true;
      loadUnits().then(function (info) {
        return saveAll(account, info, plansFor(info, which), report);
      }).then(function () {
        return refreshAll(account);
      }, function () {
        report(says(control, "failed"));
        ask.hidden = false;
      });
    });
    var remove = control.querySelector("[data-do=remove]");
    if (remove) {
      remove.addEventListener("click", function () {
        store.savedUnits(account).then(function (units) {
          var ids = units.map(function (u) { return u.id; }).filter(function (id) { return which === "*" || id === which; });
          return Promise.all(ids.map(function (id) { return store.removeUnit(account, id); }));
        }).then(function () { report(says(control, "removed")); return refreshAll(account, true); });
      });
    }
  }

  // --- The list of saved units (the saved-units page and the offline page) ------------------
  function renderList(account, list) {
    return (account ? store.savedUnits(account) : Promise.resolve([])).then(function (units) {
      list.textContent = "";
      var empty = document.querySelector("[data-offline-empty]");
      if (empty) { empty.hidden = units.length > 0; }
      units.forEach(function (unit) {
        var item = document.createElement("li");
        item.className = "card saved-unit";
        var title = document.createElement("h2");
        var link = document.createElement("a");
        link.href = unit.page;
        link.textContent = says(list, "unit", { order: unit.order, title: unit.title });
        title.appendChild(link);
        item.appendChild(title);
        var line = document.createElement("p");
        line.className = "small";
        line.textContent = fill(counted(list, "line", unit.lessons.length), { date: day(unit.saved_at), size: size(unit.bytes) });
        item.appendChild(line);
        var lessons = document.createElement("ol");
        unit.lessons.forEach(function (lesson) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = lesson.url;
          a.textContent = lesson.title;
          li.appendChild(a);
          lessons.appendChild(li);
        });
        item.appendChild(lessons);
        if (unit.quiz) {
          var quiz = document.createElement("p");
          quiz.className = "small muted";
          quiz.textContent = says(list, "quiz");
          item.appendChild(quiz);
        }
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button";
        remove.textContent = says(list, "remove", { title: unit.title });
        remove.addEventListener("click", function () {
          store.removeUnit(account, unit.id).then(function () {
            notice(says(list, "removed", { title: unit.title }));
            return refreshAll(account, true);
          });
        });
        item.appendChild(remove);
        list.appendChild(item);
      });
    });
  }

  function refreshAll(account, focusStatus) {
    var lists = Array.prototype.slice.call(document.querySelectorAll("[data-offline-list]"));
    var controls = Array.prototype.slice.call(document.querySelectorAll("[data-offline-save]"));
    return Promise.all(lists.map(function (l) { return renderList(account, l); })
      .concat(controls.map(function (c) { return refreshControl(account, c); })))
      .then(function () { return showStatus(account); })
      .then(function () { if (focusStatus && status && !status.hidden) { status.focus(); } });
  }

  // --- Saved copies out of date: the course changed, or the learner's language did ---------
  function checkVersions(account) {
    var version = meta("content-version");
    if (!version || !navigator.onLine) { return Promise.resolve(); }
    return store.savedUnits(account).then(function (units) {
      var stale = units.filter(function (u) { return u.course_version !== version || u.lang !== lang; });
      if (!stale.length) { return null; }
      return loadUnits().then(function (info) {
        var chain = Promise.resolve();
        stale.forEach(function (unit) {
          var plan = info.units.filter(function (p) { return p.id === unit.id; })[0];
          chain = chain.then(function () {
            if (!plan) { return store.removeUnit(account, unit.id); }
            return store.saveUnit(account, info, plan).then(function () {
              if (plan.version !== unit.version || unit.lang !== lang) { notice(says(status, "refreshed", { title: plan.title })); }
            });
          });
        });
        return chain;
      });
    }).catch(function () { return null; });
  }

  // --- Quiz answers typed while the connection is down are kept and restored --------------
  function keepQuizAnswers(account) {
    var form = document.querySelector("form[data-autosave]");
    if (!form) { return; }
    var key = form.getAttribute("action");
    function answers() {
      var out = [];
      new FormData(form).forEach(function (value, name) { if (name.indexOf("q-") === 0) { out.push([name, String(value)]); } });
      return out;
    }
    store.keptAnswers(account, key).then(function (kept) {
      if (!kept || JSON.stringify(kept) === JSON.stringify(answers())) { return; }
      var byName = {};
      kept.forEach(function (pair) { (byName[pair[0]] = byName[pair[0]] || []).push(pair[1]); });
      Array.prototype.forEach.call(form.elements, function (field) {
        if (!field.name || field.name.indexOf("q-") !== 0) { return; }
        var values = byName[field.name] || [];
        if (field.type === "checkbox" || field.type === "radio") { field.checked = values.indexOf(field.value) >= 0; } else { field.value = values[0] || ""; }
      });
      var where = form.querySelector(".autosave-status");
      if (where) { where.textContent = says(status, "restored"); }
    });
    form.addEventListener("change", function () { store.keepAnswers(account, key, answers()); });
    form.addEventListener("submit", function () { if (navigator.onLine) { store.forgetAnswers(account, key); } });
  }

  // --- Sign-out clears this account's saved pages, queue and answers ----------------------
  // Wired at once, not after the account is recorded: a learner (or a test) who signs out the
  // moment the page appears must not get the plain form submit, which offline ends on the
  // offline page with nothing cleared.
  function wireSignOut(ready) {
    Array.prototype.forEach.call(document.querySelectorAll('form[action$="/logout"]'), function (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var online = navigator.onLine;
        ready.then(function (account) {
          return (online ? store.flush(account).catch(function () { return null; }) : Promise.resolve())
            .then(function () { return store.clearAccount(account); })
            .then(function () {
              if (online) { HTMLFormElement.prototype.submit.call(form); return; }
              notice(says(status, "signout-offline"));
              refreshAll(account, true);
            });
        }).catch(function () {
          // Storage refused (private mode, quota): the session still ends when it can.
          if (online) { HTMLFormElement.prototype.submit.call(form); }
        });
      });
    });
  }

  // --- The install prompt, where the browser offers one ------------------------------------
  window.addEventListener("beforeinstallprompt", function (event) {
    var button = document.querySelector("[data-install]");
    if (!button) { return; }
    event.preventDefault();
    button.hidden = false;
    button.addEventListener("click", function () { button.hidden = true; event.prompt(); }, { once: true });
  });

  var account = pageAccount ? store.setCurrentAccount(pageAccount, lang).then(function () { return pageAccount; })
    : (offlinePage ? store.currentAccount() : Promise.resolve(null));
  if (pageAccount) { wireSignOut(account); }
  account.then(function (current) {
    if (!current) { return showStatus(null); }
    if (pageAccount) {
      Array.prototype.forEach.call(document.querySelectorAll("[data-offline-section]"), function (s) { s.hidden = false; });
      Array.prototype.forEach.call(document.querySelectorAll("[data-offline-save]"), function (c) { wireControl(current, c); });
      keepQuizAnswers(current);
      window.addEventListener("online", function () { send(current); });
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "sent") {
          notice(counted(status, "sent", event.data.count));
          showStatus(current);
        }
      });
      window.addEventListener("offline", function () { showStatus(current); });
    }
    return checkVersions(current).then(function () { return send(current); }).then(function () { return refreshAll(current); });
  });
}());
