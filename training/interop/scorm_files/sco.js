/* The unit's SCO: shows one lesson (or the quiz) at a time, scores the quiz with the key in
   the page, and reports to the LMS through the SCORM 1.2 runtime API (window.API, found in a
   parent frame or the opener, as the SCORM 1.2 run-time environment describes).

   What it records: cmi.core.lesson_status (incomplete -> passed / failed, or completed for a
   unit without a quiz), cmi.core.score.raw/min/max (percent), cmi.core.lesson_location (the
   step the learner is on), cmi.suspend_data (the lessons read, whether the quiz was passed),
   cmi.core.session_time and cmi.core.exit. Scoring follows training/quiz.py exactly. */
(function () {
  "use strict";

  var strings = JSON.parse(document.getElementById("sco-strings").textContent);
  var key = JSON.parse(document.getElementById("sco-key").textContent);
  var lessons = Array.prototype.map.call(document.querySelectorAll("[data-lesson]"), function (el) {
    return el.getAttribute("data-lesson");
  });
  var steps = Array.prototype.slice.call(document.querySelectorAll(".step"));
  var started = Date.now();
  var state = { read: [], passed: false, best: null };
  var finished = false;

  // --- the LMS --------------------------------------------------------------------------

  function findIn(win) {
    for (var hops = 0; win && hops < 10; hops++) {
      try {
        if (win.API) { return win.API; }
      } catch (e) { /* a frame from another origin: keep looking further up */ }
      if (!win.parent || win.parent === win) { break; }
      win = win.parent;
    }
    return null;
  }

  function findAPI() {
    var api = findIn(window);
    try {
      if (!api && window.opener) { api = findIn(window.opener); }
      if (!api && window.top && window.top.opener) { api = findIn(window.top.opener); }
    } catch (e) { /* no opener we may read */ }
    return api;
  }

  var api = findAPI();
  var lms = {
    get: function (name) { return api ? String(api.LMSGetValue(name)) : ""; },
    set: function (name, value) { if (api) { api.LMSSetValue(name, String(value)); } },
    commit: function () { if (api) { api.LMSCommit(""); } }
  };

  function loadState() {
    var saved = lms.get("cmi.suspend_data");
    if (saved) {
      try {
        var parsed = JSON.parse(saved);
        state.read = (parsed.read || []).filter(function (id) { return lessons.indexOf(id) >= 0; });
        state.passed = !!parsed.passed;
        state.best = typeof parsed.best === "number" ? parsed.best : null;
      } catch (e) { /* written by another version of the package: start afresh */ }
    }
  }

  function saveState() {
    lms.set("cmi.suspend_data", JSON.stringify(state));
  }

  function allRead() {
    return lessons.every(function (id) { return state.read.indexOf(id) >= 0; });
  }

  function status() {
    if (!key) { return allRead() ? "completed" : "incomplete"; }
    if (state.passed) { return allRead() ? "passed" : "incomplete"; }
    return state.best === null ? "incomplete" : "failed";
  }

  function report() {
    lms.set("cmi.core.lesson_status", status());
    saveState();
    lms.commit();
    showStatus();
  }

  function sessionTime(ms) {
    var total = Math.floor(ms / 10);
    var cs = total % 100; total = Math.floor(total / 100);
    var s = total % 60; total = Math.floor(total / 60);
    var m = total % 60; var h = Math.min(9999, Math.floor(total / 60));
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return (h < 10 ? "000" : h < 100 ? "00" : h < 1000 ? "0" : "") + h + ":" + two(m) + ":" + two(s) + "." + two(cs);
  }

  function finish() {
    if (finished || !api) { return; }
    finished = true;
    lms.set("cmi.core.session_time", sessionTime(Date.now() - started));
    var done = status() === "passed" || status() === "completed";
    lms.set("cmi.core.exit", done ? "" : "suspend");
    lms.commit();
    api.LMSFinish("");
  }

  // --- steps -------------------------------------------------------------------------------

  function show(id, focus) {
    var target = document.getElementById(id) || steps[0];
    if (!target) { return; }
    steps.forEach(function (step) { step.hidden = step !== target; });
    Array.prototype.forEach.call(document.querySelectorAll(".toc a"), function (a) {
      if (a.getAttribute("href") === "#" + target.id) { a.setAttribute("aria-current", "step"); }
      else { a.removeAttribute("aria-current"); }
    });
    lms.set("cmi.core.lesson_location", target.id);
    if (focus) {
      var heading = target.querySelector("h2");
      if (heading) { heading.focus(); }
    }
  }

  function showStatus() {
    state.read.forEach(function (id) {
      var mark = document.querySelector('[data-read-mark="' + id + '"]');
      if (mark) { mark.textContent = strings.read; mark.classList.add("is-read"); }
    });
    var line = document.getElementById("sco-status");
    var unread = lessons.length - state.read.length;
    if (status() === "passed" || status() === "completed") { line.textContent = strings.complete; }
    else if (state.passed && unread > 0) { line.textContent = strings.unread.replace("%(n)s", unread).replace("%%", "%"); }
    else { line.textContent = ""; }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-mark-read]");
    if (!button) { return; }
    var id = button.getAttribute("data-mark-read");
    if (state.read.indexOf(id) < 0) { state.read.push(id); }
    report();
    var next = button.getAttribute("data-next");
    if (next) { location.hash = next; } else { showStatus(); }
  });

  window.addEventListener("hashchange", function () { show(location.hash.slice(1), true); });

  // --- the quiz ------------------------------------------------------------------------------

  function normalise(text) {
    // As training.quiz.normalise_text: accents, case, spaces and surrounding punctuation ignored.
    var plain = text.normalize("NFKD").replace(/\p{Mn}/gu, "").toLowerCase().replace(/\u00df/g, "ss");
    plain = plain.replace(/\s+/g, " ").trim();
    return plain.replace(/^[ .,;:!?"'()[\]«»“”‘’]+|[ .,;:!?"'()[\]«»“”‘’]+$/g, "");
  }

  // As training.content.questions.numeric.read_number: spaces, "_" and "'" group digits; a
  // comma followed by exactly three digits groups thousands; with both a comma and a point the
  // last one is the decimal separator; a trailing "%" is ignored. Python's \d and float() take
  // any Unicode decimal digit, so those are read as 0-9 first (each digit set is a run of ten
  // code points from its zero, and runs of sets are adjacent).
  var NOT_DIGITS = /[^\p{Nd}]/u;
  function asciiDigits(text) {
    return text.replace(/\p{Nd}/gu, function (digit) {
      var code = digit.codePointAt(0), start = code;
      while (!NOT_DIGITS.test(String.fromCodePoint(start - 1))) { start--; }
      return String((code - start) % 10);
    });
  }

  // Python's str.isspace() characters, the thin spaces, "_" and "'".
  var SPACES = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000_']/g;
  function readNumber(text) {
    var cleaned = asciiDigits(text).replace(SPACES, "").replace(/\u2212/g, "-");
    if (cleaned.slice(-1) === "%") { cleaned = cleaned.slice(0, -1); }
    if (!cleaned || Array.from(cleaned).length > 40) { return null; }
    if (/^-?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$/.test(cleaned)) {
      cleaned = cleaned.replace(/,/g, "");
    } else if (/^-?[0-9]{1,3}(\.[0-9]{3}){2,}(,[0-9]+)?$/.test(cleaned)) {
      cleaned = cleaned.replace(/\./g, "").replace(/,/g, ".");
    } else if (cleaned.indexOf(",") >= 0 && cleaned.indexOf(".") >= 0) {
      cleaned = cleaned.lastIndexOf(",") > cleaned.lastIndexOf(".")
        ? cleaned.replace(/\./g, "").replace(/,/g, ".") : cleaned.replace(/,/g, "");
    } else {
      cleaned = cleaned.replace(/,/g, ".");
    }
    if (!/^-?([0-9]+(\.[0-9]*)?|\.[0-9]+)$/.test(cleaned)) { return null; }
    var value = Number(cleaned);
    return isFinite(value) ? value : null;
  }

  function grade(quizKey, answers) {
    var total = 0, earned = 0, results = {};
    quizKey.questions.forEach(function (q) {
      var a = answers[q.id] || {}, credit = 0, shown = [];
      if (q.type === "single" || q.type === "true-false") {
        if (a.choice) { credit = q.correct.indexOf(a.choice) >= 0 ? 1 : 0; shown = [a.choice]; }
      } else if (q.type === "multiple") {
        var chosen = a.choices || [];
        if (chosen.length) {
          var right = chosen.filter(function (c) { return q.correct.indexOf(c) >= 0; }).length;
          credit = Math.max(0, (right - (chosen.length - right)) / q.correct.length);
          shown = chosen;
        }
      } else if (q.type === "short") {
        var text = normalise(a.text || "");
        if (text) {
          var match = q.answers.filter(function (ans) { return ans.text === text; })[0];
          if (!match && (q.alsoAccepted || []).indexOf(text) >= 0) {
            match = { id: q.firstCorrect, correct: true };  // accepted in another language of the course
          }
          match = match || q.fallback;
          credit = match && match.correct ? 1 : 0;
          shown = match ? [match.id] : [];
        }
      } else if (q.type === "numeric") {
        var typed = (a.text || "").trim();
        if (typed) {
          // As training.content.questions.numeric: the first range (in the author's order) that
          // holds the number, else the answer for any other number.
          var value = readNumber(typed);
          var hit = value === null ? null : q.ranges.filter(function (r) {
            return r.low - 1e-9 <= value && value <= r.high + 1e-9;
          })[0];
          hit = hit || q.fallback;
          credit = hit && hit.correct ? 1 : 0;
          shown = hit ? [hit.id] : [];
        }
      } else if (q.type === "matching") {
        var pairs = a.pairs || {}, lefts = Object.keys(q.pairs);
        if (Object.keys(pairs).length) {
          // An answer names the right side (as the form does) or the pair it belongs to.
          credit = lefts.filter(function (left) {
            return pairs[left] === q.pairs[left] || pairs[left] === left;
          }).length / lefts.length;
          shown = lefts;
        }
      } else if (q.type === "ordering") {
        var positions = a.positions || {};
        if (Object.keys(positions).length) {
          credit = q.order.filter(function (id, i) { return positions[id] === i + 1; }).length / q.order.length;
          shown = q.order;
        }
      }
      total += q.points;
      earned += credit * q.points;
      results[q.id] = { credit: credit, shown: shown };
    });
    var score = total ? Math.round((earned / total) * 1e6) / 1e6 : 0;
    score = Math.min(1, Math.max(0, score));
    return {
      score: score,
      percent: Math.floor(score * 100 + 1e-9),
      passed: score + 1e-9 >= quizKey.passMark / 100,
      questions: results
    };
  }

  function readAnswers(form) {
    var answers = {};
    key.questions.forEach(function (q) {
      var name = "q-" + q.id;
      if (q.type === "single" || q.type === "true-false") {
        var picked = form.querySelector('input[name="' + name + '"]:checked');
        answers[q.id] = { choice: picked ? picked.value : null };
      } else if (q.type === "multiple") {
        answers[q.id] = { choices: Array.prototype.map.call(
          form.querySelectorAll('input[name="' + name + '"]:checked'), function (i) { return i.value; }).sort() };
      } else if (q.type === "short" || q.type === "numeric") {
        answers[q.id] = { text: form.elements[name].value.trim() };
      } else if (q.type === "matching") {
        var pairs = {};
        Object.keys(q.pairs).forEach(function (left) {
          var value = form.elements[name + "-" + left].value;
          if (value) { pairs[left] = value; }
        });
        answers[q.id] = { pairs: pairs };
      } else if (q.type === "ordering") {
        var positions = {};
        q.order.forEach(function (item) {
          var value = form.elements[name + "-" + item].value;
          if (value) { positions[item] = parseInt(value, 10); }
        });
        answers[q.id] = { positions: positions };
      }
    });
    return answers;
  }

  function showFeedback(result) {
    key.questions.forEach(function (q) {
      var box = document.querySelector('[data-feedback="' + q.id + '"]');
      var r = result.questions[q.id];
      box.querySelector("[data-verdict]").textContent = r.credit >= 1 ? strings.correct : strings.incorrect;
      box.classList.toggle("is-correct", r.credit >= 1);
      Array.prototype.forEach.call(box.querySelectorAll("[data-option]"), function (el) {
        el.hidden = r.shown.indexOf(el.getAttribute("data-option")) < 0;
      });
      box.hidden = false;
    });
  }

  var form = document.getElementById("quiz-form");
  if (form && key) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var result = grade(key, readAnswers(form));
      state.best = state.best === null ? result.percent : Math.max(state.best, result.percent);
      state.passed = state.passed || result.passed;
      lms.set("cmi.core.score.min", 0);
      lms.set("cmi.core.score.max", 100);
      lms.set("cmi.core.score.raw", result.percent);
      report();
      showFeedback(result);
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = true; });
      document.getElementById("quiz-score").textContent = strings.score.replace("%(percent)s", result.percent).replace("%%", "%");
      document.getElementById("quiz-verdict").textContent = (result.passed ? strings.passed : strings.failed)
        .replace("%(mark)s", key.passMark).replace("%%", "%");
      var box = document.getElementById("quiz-result");
      box.hidden = false;
      box.focus();
    });
    document.getElementById("quiz-retry").addEventListener("click", function () {
      form.reset();
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
      Array.prototype.forEach.call(document.querySelectorAll("[data-feedback]"), function (el) { el.hidden = true; });
      document.getElementById("quiz-result").hidden = true;
      form.querySelector("input, select").focus();
    });
  }

  // --- start -----------------------------------------------------------------------------------

  window.trainingSco = { grade: grade, normalise: normalise, readNumber: readNumber };  // for checks against the server's rules
  if (api) {
    api.LMSInitialize("");
    var current = lms.get("cmi.core.lesson_status");
    loadState();
    if (!current || current === "not attempted") { lms.set("cmi.core.lesson_status", status()); lms.commit(); }
  } else {
    document.getElementById("sco-no-lms").hidden = false;
  }
  showStatus();
  show(location.hash.slice(1) || lms.get("cmi.core.lesson_location") || (steps[0] && steps[0].id), false);
  window.addEventListener("pagehide", finish);
  window.addEventListener("beforeunload", finish);
}());
