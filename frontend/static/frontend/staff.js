// Live updates for the day, week and team pages: on an event about a shown appointment or day, the
// page's rows (#rows) are fetched again (?fragment=rows) and swapped in; a waiting client rings
// and lights up. Telephone "Call" forms post without leaving the page and remember the number.
// Without JavaScript the page refreshes itself every minute (a <noscript> meta refresh).
(function () {
  "use strict";
  var PHONE_KEY = "sprechstunde.staffPhone";

  function chime() {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    try {
      var audio = new Context();
      var tone = audio.createOscillator();
      var gain = audio.createGain();
      tone.frequency.value = 880;
      gain.gain.setValueAtTime(0.2, audio.currentTime);
      gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
      tone.connect(gain).connect(audio.destination);
      tone.start();
      tone.stop(audio.currentTime + 0.6);
    } catch (error) {
      // No sound (browser policy before any click): the highlight still shows.
    }
  }

  function say(kind) {
    var live = document.getElementById("live");
    if (!live) return;
    live.textContent = "";
    // A fresh text node after a tick, so screen readers announce a repeated message again.
    window.setTimeout(function () { live.textContent = live.getAttribute("data-" + kind + "-text"); }, 50);
  }

  function shownRows() {
    return document.getElementById("rows");
  }

  function shows(event) {
    var shown = shownRows();
    if (!shown) return false;
    if (event.reference && shown.querySelector('[data-reference="' + CSS.escape(event.reference) + '"]')) return true;
    var day = String(event.start || "").slice(0, 10); // local ISO date of the appointment
    return day !== "" && day >= shown.getAttribute("data-first") && day <= shown.getAttribute("data-last");
  }

  function busy() {
    // Do not swap the rows under the caseworker's hands while they type an outcome note or a number.
    var active = document.activeElement;
    var shown = shownRows();
    return (
      shown && active && shown.contains(active) &&
      (active.tagName === "INPUT" || active.tagName === "TEXTAREA") && active.type !== "radio" && active.value
    );
  }

  function rememberedPhone(root) {
    var number = "";
    try { number = window.localStorage.getItem(PHONE_KEY) || ""; } catch (error) { /* storage off */ }
    if (!number) return;
    var inputs = root.querySelectorAll("form[data-phone-call] input[name=phone]");
    for (var i = 0; i < inputs.length; i++) if (!inputs[i].value) inputs[i].value = number;
  }

  var pending = null;
  var fetching = false;
  function refresh(delay) {
    if (pending) return;
    pending = window.setTimeout(function run() {
      pending = null;
      if (busy() || fetching) {
        pending = window.setTimeout(run, 3000);
        return;
      }
      fetching = true;
      var url = new URL(location.href);
      url.searchParams.set("fragment", "rows");
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("rows");
          var old = shownRows();
          if (!fresh || !old) return;
          var focused = document.activeElement && old.contains(document.activeElement) ? document.activeElement.id : "";
          var reference = document.activeElement && document.activeElement.closest("[data-reference]");
          reference = reference ? reference.getAttribute("data-reference") : "";
          old.replaceWith(fresh);
          rememberedPhone(fresh);
          // Keep the keyboard where it was: the same control, else the same row's first action.
          var target = focused && document.getElementById(focused);
          if (!target && reference) {
            var row = fresh.querySelector('[data-reference="' + CSS.escape(reference) + '"]');
            target = row && row.querySelector("a, button, input");
          }
          if (target) target.focus();
        })
        .catch(function () { /* the next event or the reconnect tries again */ })
        .then(function () { fetching = false; });
    }, delay);
  }

  function onEvent(event) {
    if (!event || !event.type || event.type === "pong" || !shows(event)) return;
    if (event.type === "call" && String(event.op || "").indexOf("waiting") !== -1) {
      chime();
      say("waiting");
      var rows = document.querySelectorAll('tr[data-reference="' + CSS.escape(event.reference) + '"]');
      for (var i = 0; i < rows.length; i++) rows[i].classList.add("highlight");
    } else {
      say("updated");
    }
    refresh(150); // several events of one change arrive together: one fetch for all
  }

  var retry = 1000;
  var opened = false;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/staff/");
    socket.onopen = function () {
      if (opened) refresh(0); // events may have been missed while the connection was down
      opened = true;
      retry = 1000;
    };
    socket.onmessage = function (message) {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        // Not JSON: ignore.
      }
    };
    socket.onclose = function (closed) {
      if (closed.code === 4403) return; // no feed for this user (a superuser without a caseworker profile)
      window.setTimeout(connect, retry + Math.random() * 1000);
      retry = Math.min(retry * 2, 30000);
    };
  }

  function callByPhone(submit) {
    var form = submit.target.closest("form[data-phone-call]");
    if (!form || !window.fetch) return;
    submit.preventDefault();
    var status = form.querySelector("[role=status]");
    var data = new FormData(form);
    try { window.localStorage.setItem(PHONE_KEY, data.get("phone")); } catch (error) { /* storage off */ }
    status.textContent = form.getAttribute("data-calling-text") || "";
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": data.get("csrfmiddlewaretoken") },
    })
      .then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      })
      .then(function (result) {
        status.textContent = result.ok ? form.getAttribute("data-ringing-text") : result.body.detail || "";
      })
      .catch(function () { status.textContent = form.getAttribute("data-failed-text") || ""; });
  }

  document.addEventListener("submit", callByPhone);
  rememberedPhone(document);
  if ("WebSocket" in window && shownRows()) connect();
})();
