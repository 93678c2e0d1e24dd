// Live updates for the caseworker's day: reload on any event; a waiting client also rings and lights up.
// Without JavaScript the page refreshes itself every minute (a <noscript> meta refresh).
(function () {
  "use strict";
  if (!("WebSocket" in window)) return;

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

  function highlight(reference) {
    var rows = document.querySelectorAll("tr[data-reference]");
    for (var i = 0; i < rows.length; i++) {
      if (rows[i].getAttribute("data-reference") === reference) rows[i].classList.add("highlight");
    }
    var live = document.getElementById("live");
    if (live) live.textContent = live.getAttribute("data-live-text");
  }

  function busy() {
    // Do not reload under the caseworker's hands while they type an outcome note.
    var active = document.activeElement;
    return active && (active.tagName === "INPUT" || active.tagName === "TEXTAREA") && active.value;
  }

  function reloadSoon(delay) {
    window.setTimeout(function retry() {
      if (busy()) window.setTimeout(retry, 5000);
      else location.reload();
    }, delay);
  }

  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + "/ws/staff/");
  socket.onmessage = function (message) {
    var event;
    try {
      event = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    if (event.type === "call" && String(event.op || "").indexOf("waiting") !== -1) {
      chime();
      highlight(event.reference);
      reloadSoon(2000);
    } else if (event.type === "appointment" || event.type === "call" || event.type === "interpreter_request") {
      reloadSoon(0);
    }
  };
})();
