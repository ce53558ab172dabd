// Saved units, queued "mark as read" requests and the sending of them, shared by the pages
// (offline.js) and the service worker (sw.js). Everything is kept with the Cache API, one set
// of caches per account, named by an opaque account key the server gives each page:
//   training-pages:<account>   the saved pages, handouts and the files they need
//   training-units:<account>   one record per saved unit (what it holds, its version, size)
//   training-queue:<account>   "mark as read" requests made offline, by idempotency key
//   training-answers:<account> quiz answers typed while the connection was down
// and one shared cache naming the account signed in last (training-meta). Nothing is kept
// until the learner saves a unit; signing out deletes that account's caches.
(function (scope) {
  "use strict";
  var META = "training-meta";
  var CURRENT = "/offline-meta/account";
  var KINDS = ["pages", "units", "queue", "answers"];

  function cacheName(kind, account) { return "training-" + kind + ":" + account; }

  // Reading never creates a cache: after sign-out, nothing of the account may reappear.
  function existing(name) {
    return caches.has(name).then(function (has) { return has ? caches.open(name) : null; });
  }

  function readJSON(name, key) {
    return existing(name).then(function (cache) { return cache ? cache.match(key) : null; })
      .then(function (hit) { return hit ? hit.json() : null; });
  }

  function writeJSON(name, key, value) {
    return caches.open(name).then(function (cache) {
      return cache.put(key, new Response(JSON.stringify(value), { headers: { "Content-Type": "application/json" } }));
    });
  }

  function listJSON(name) {
    return existing(name).then(function (cache) {
      if (!cache) { return []; }
      return cache.keys().then(function (keys) {
        return Promise.all(keys.map(function (key) { return cache.match(key).then(function (r) { return r.json(); }); }));
      });
    });
  }

  function currentAccount() { return readJSON(META, CURRENT).then(function (v) { return v && v.account; }); }

  // The language of the last page the account opened: the offline page answers in it.
  function currentLanguage() { return readJSON(META, CURRENT).then(function (v) { return v && v.lang; }); }

  // Called by every signed-in page. Another account on this device: its saved pages go
  // (they show that learner's name and progress); its unsent requests stay, unreachable
  // from here, until that learner signs in again or signs out.
  function setCurrentAccount(account, lang) {
    return currentAccount().then(function (previous) {
      var drop = previous && previous !== account
        ? Promise.all([caches.delete(cacheName("pages", previous)), caches.delete(cacheName("units", previous)),
          caches.delete(cacheName("answers", previous))])
        : Promise.resolve();
      return drop.then(function () { return writeJSON(META, CURRENT, { account: account, lang: lang }); });
    });
  }

  // Sign-out on a shared device: every saved page, record, queued request and kept answer.
  function clearAccount(account) {
    return Promise.all(KINDS.map(function (kind) { return caches.delete(cacheName(kind, account)); }))
      .then(currentAccount)
      .then(function (current) { return current === account ? caches.open(META).then(function (c) { return c.delete(CURRENT); }) : null; });
  }

  function savedUnits(account) {
    return listJSON(cacheName("units", account)).then(function (units) {
      return units.sort(function (a, b) { return a.order - b.order; });
    });
  }

  function queued(account) { return listJSON(cacheName("queue", account)); }

  function enqueue(account, action) {
    return writeJSON(cacheName("queue", account), "/offline-queue/" + encodeURIComponent(action.key), action);
  }

  // Fetch one URL the way a saved copy needs it and keep it; resolves to its size in bytes.
  // Pages must come back for this account (the server names it): never file a page of a
  // session signed in as someone else in another tab.
  function keep(account, url, checkAccount) {
    return findSaved(account, url).then(function (old) {
      var headers = { "Offline-Save": "1" };
      var tag = old && old.headers.get("ETag");
      if (tag) { headers["If-None-Match"] = tag; }  // a copy still current costs no body
      return fetch(url, { credentials: "same-origin", cache: "no-store", headers: headers }).then(function (response) {
        if (response.status === 304 && old) { return old.blob().then(function (blob) { return blob.size; }); }
        if (!response.ok || response.redirected) { throw new Error("not saved: " + url + " " + response.status); }
        if (checkAccount && response.headers.get("Offline-Account") !== account) { throw new Error("other account"); }
        return response.clone().blob().then(function (blob) {
          return caches.open(cacheName("pages", account))
            .then(function (cache) { return cache.put(url, response); })
            .then(function () { return blob.size; });
        });
      });
    });
  }

  // Save one unit: its page, its lessons, its handout, the course map, the saved-units list
  // and the static files. plan is one unit of /offline/units.json; info the rest of it.
  function saveUnit(account, info, plan, onStep) {
    var pages = [plan.page].concat(plan.lessons.map(function (l) { return l.url; }), [plan.handout, info.course_map, info.saved_list]);
    var all = pages.concat(info.assets);
    var done = 0;
    var total = 0;
    var chain = Promise.resolve();
    all.forEach(function (url) {
      chain = chain.then(function () {
        return keep(account, url, pages.indexOf(url) >= 0).then(function (size) {
          total += size;
          done += 1;
          if (onStep) { onStep(done, all.length); }
        });
      });
    });
    return chain.then(function () {
      var record = {
        id: plan.id, order: plan.order, title: plan.title, version: plan.version, page: plan.page,
        handout: plan.handout, quiz: plan.quiz, lessons: plan.lessons.map(function (l) { return { id: l.id, url: l.url, title: l.title }; }),
        course_version: info.content_version, lang: info.lang, saved_at: Date.now(), bytes: total
      };
      return writeJSON(cacheName("units", account), "/offline-units/" + encodeURIComponent(plan.id), record).then(function () { return record; });
    });
  }

  // Remove one saved unit; the course map, the list and the static files go with the last one.
  function removeUnit(account, unitId) {
    return savedUnits(account).then(function (units) {
      var unit = units.filter(function (u) { return u.id === unitId; })[0];
      if (!unit) { return null; }
      if (units.length === 1) {
        return Promise.all([caches.delete(cacheName("pages", account)), caches.delete(cacheName("units", account))]);
      }
      var urls = [unit.page, unit.handout].concat(unit.lessons.map(function (l) { return l.url; }));
      return caches.open(cacheName("pages", account)).then(function (cache) {
        return Promise.all(urls.map(function (url) { return cache.delete(url); }));
      }).then(function () {
        return caches.open(cacheName("units", account)).then(function (cache) { return cache.delete("/offline-units/" + encodeURIComponent(unitId)); });
      });
    });
  }

  function findSaved(account, url) {
    return existing(cacheName("pages", account)).then(function (cache) {
      if (!cache) { return null; }
      return cache.match(url).then(function (hit) { return hit || cache.match(url, { ignoreSearch: true }); });
    });
  }

  // Send this account's queued requests. The server says who is signed in: requests are
  // sent only in a session of the account that made them. A request the server counted,
  // or had already counted (same idempotency key), leaves the queue.
  function flush(account) {
    return queued(account).then(function (actions) {
      if (!actions.length) { return { sent: 0, waiting: 0 }; }
      return fetch("/offline/sync", { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
        .then(function (response) {
          var json = (response.headers.get("Content-Type") || "").indexOf("json") >= 0;
          if (!response.ok || response.redirected || !json) { return { sent: 0, waiting: actions.length, signin: true }; }
          return response.json().then(function (session) {
            if (session.account !== account) { return { sent: 0, waiting: actions.length, signin: true }; }
            return fetch("/offline/sync", {
              method: "POST", credentials: "same-origin",
              headers: { "Content-Type": "application/json", "X-CSRFToken": session.csrf_token, Accept: "application/json" },
              body: JSON.stringify({ actions: actions.map(function (a) { return { key: a.key, unit: a.unit, lesson: a.lesson }; }) })
            }).then(function (sent) {
              if (!sent.ok) { throw new Error("sync refused: " + sent.status); }
              return sent.json();
            }).then(function (answer) {
              return caches.open(cacheName("queue", account)).then(function (cache) {
                return Promise.all(answer.results.map(function (r) {
                  return r.key ? cache.delete("/offline-queue/" + encodeURIComponent(r.key)) : null;
                }));
              }).then(function () {
                var recorded = answer.results.filter(function (r) { return r.status === "recorded" || r.status === "duplicate"; });
                return { sent: recorded.length, waiting: actions.length - answer.results.length };
              });
            });
          });
        });
    });
  }

  function keepAnswers(account, key, answers) {
    return writeJSON(cacheName("answers", account), "/offline-answers/" + encodeURIComponent(key), answers);
  }

  function keptAnswers(account, key) {
    return readJSON(cacheName("answers", account), "/offline-answers/" + encodeURIComponent(key));
  }

  function forgetAnswers(account, key) {
    return existing(cacheName("answers", account)).then(function (c) { return c && c.delete("/offline-answers/" + encodeURIComponent(key)); });
  }

  scope.TrainingOffline = {
    cacheName: cacheName, currentAccount: currentAccount, currentLanguage: currentLanguage,
    setCurrentAccount: setCurrentAccount,
    clearAccount: clearAccount, savedUnits: savedUnits, queued: queued, enqueue: enqueue,
    saveUnit: saveUnit, removeUnit: removeUnit, findSaved: findSaved, flush: flush,
    keepAnswers: keepAnswers, keptAnswers: keptAnswers, forgetAnswers: forgetAnswers
  };
}(self));
