// Optional: counts down until a new SMS code may be asked for; the server enforces the wait anyway.
(function () {
  var button = document.querySelector("button[data-wait]");
  var note = document.getElementById("resend-wait");
  var left = button ? parseInt(button.getAttribute("data-wait"), 10) : 0;
  if (!button || !note || !(left > 0)) return;
  button.disabled = true;
  button.setAttribute("aria-describedby", "resend-wait");
  note.hidden = false;
  function tick() {
    if (left <= 0) {
      button.disabled = false;
      note.hidden = true;
      return;
    }
    note.textContent = note.getAttribute("data-template").replace("{seconds}", left);
    left -= 1;
    setTimeout(tick, 1000);
  }
  tick();
})();
