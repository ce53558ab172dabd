// The service worker: reading offline, for the pages a learner saved, and nothing else.
// Served from the site root so that it may answer for every page; no build step. Pages come
// from the network whenever there is one; without one, from this account's saved copies,
// else the offline page. "Mark as read" made without a connection is queued and sent later.
"use strict";
importScripts({{ store|tojson }});
var store = self.TrainingOffline;
var SHELL = "training-shell-" + {{ shell_version|tojson }};
var PRECACHE = {{ precache|tojson }};
// The offline page in every language of the platform, the default first: the learner's is
// shown (the language of the last page they opened, kept with the account's name).
var OFFLINE_PAGES = {{ offline_pages|tojson }};
var DEFAULT_LANGUAGE = {{ default_language|tojson }};
var OFFLINE_TEXT = {{ _('You are offline.')|tojson }};
var MARK_AS_READ = /^\/units\/([^/]+)\/([^/]+)\/complete$/;
var SYNC_TAG = "training-progress";

self.addEventListener("install", function (event) {
  // The offline page is kept signed out: one copy, the same for every account.
  event.waitUntil(caches.open(SHELL).then(function (cache) {
    return cache.addAll(PRECACHE.map(function (url) { return new Request(url, { credentials: "omit" }); }));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf("training-shell-") === 0 && n !== SHELL; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

function offlinePage() {
  return Promise.all([caches.open(SHELL), store.currentLanguage()]).then(function (values) {
    var page = OFFLINE_PAGES[values[1]] || OFFLINE_PAGES[DEFAULT_LANGUAGE];
    return values[0].match(page);
  }).then(function (hit) {
    return hit || new Response(OFFLINE_TEXT, { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
  });
}

function saved(request) {
  return store.currentAccount().then(function (account) {
    return account ? store.findSaved(account, request.url) : null;
  });
}

// From the network; without one (or with the server unreachable behind a proxy), the saved copy.
function networkFirst(request) {
  return fetch(request).then(function (response) {
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      return saved(request).then(function (hit) { return hit || response; });
    }
    return response;
  }, function () {
    return saved(request).then(function (hit) {
      if (hit) { return hit; }
      return request.mode === "navigate" ? offlinePage() : Response.error();
    });
  });
}

// "Mark as read": sent at once when possible. Without a connection, or when the form's token
// belongs to a session that has ended (a page saved earlier), the request is queued with its
// idempotency key and the learner goes on to the next saved lesson.
function markAsRead(request) {
  var copy = request.clone();
  return fetch(request).then(function (response) {
    return response.status === 400 ? queue(copy) : response;
  }, function () { return queue(copy); });
}

function queue(request) {
  var path = new URL(request.url).pathname;
  var match = MARK_AS_READ.exec(path);
  return Promise.all([store.currentAccount(), request.formData()]).then(function (values) {
    var account = values[0];
    var form = values[1];
    if (!account) { return offlinePage(); }
    var unitId = decodeURIComponent(match[1]);
    var lessonId = decodeURIComponent(match[2]);
    var action = {
      key: form.get("idempotency_key") || self.crypto.randomUUID(), unit: unitId, lesson: lessonId, queued_at: Date.now()
    };
    return store.enqueue(account, action).then(function () {
      if (self.registration.sync) { self.registration.sync.register(SYNC_TAG).catch(function () { return null; }); }
      return store.savedUnits(account);
    }).then(function (units) {
      var unit = units.filter(function (u) { return u.id === unitId; })[0];
      var next = new URL(request.url).origin + path.replace(/\/complete$/, "");
      if (unit) {
        var ids = unit.lessons.map(function (l) { return l.id; });
        var at = ids.indexOf(lessonId);
        next = at >= 0 && at + 1 < ids.length ? unit.lessons[at + 1].url : unit.page;
      }
      return Response.redirect(new URL(next, request.url).href, 303);
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.method === "POST" && MARK_AS_READ.test(url.pathname)) {
    event.respondWith(markAsRead(request));
  } else if (request.method === "GET") {
    event.respondWith(networkFirst(request));
  } else if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(offlinePage));
  }
});

// Open pages say what was sent: the learner sees the queue arrive whoever sent it.
function tell(message) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

// Background Sync, where the browser has it: the queue is sent when the connection returns,
// even with no page open. Elsewhere the next page sends it (offline.js).
self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG) { return; }
  event.waitUntil(store.currentAccount().then(function (account) {
    return account ? store.flush(account).then(function (result) {
      if (result.sent) { tell({ type: "sent", count: result.sent }); }
      if (result.waiting) { throw new Error("still waiting"); }  // the browser tries again later
    }) : null;
  }));
});
