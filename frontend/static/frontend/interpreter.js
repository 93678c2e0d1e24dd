// Live updates for the interpreter page: reload when a request is offered, taken or changed.
// Without JavaScript the page works the same; it just needs a reload by hand.
(function () {
  if (!("WebSocket" in window)) return;
  var scheme = location.protocol === "https:" ? "wss://" : "ws://";
  var socket = new WebSocket(scheme + location.host + "/ws/interpreters/");
  socket.onmessage = function (message) {
    var event = JSON.parse(message.data);
    if (event.type === "interpreter_request") location.reload();
  };
})();
