// The video page: device check, waiting room and a peer-to-peer WebRTC mesh (3 people at most),
// signalled over /ws/calls/{room}/ (protocol in realtime/protocol.py); in a group session, and in a
// call a fourth person joined, the media goes through Janus instead (janus_room.js), admission
// stays here. No framework, no build step.
"use strict";
(function () {
  const config = JSON.parse(document.getElementById("call-config").textContent);
  const t = config.strings;
  const root = document.getElementById("call");
  const $ = (id) => document.getElementById(id);
  const peers = new Map(); // peer id → {role, admitted, pc, figure}
  let me = null; // {peer, role, admitted}
  let waitingPeer = null; // the client's connection that waits to be admitted
  let socket = null;
  let stream = null;
  let leaving = false;
  let chain = Promise.resolve();
  let admitOnJoin = Boolean(config.admitOnJoin); // opened by "Admit" on the staff pages: once, at once
  let janusCall = null; // in a group session: our part of the Janus room
  const hosts = new Set(); // Janus participants our server announced as hosts: clients see their video
  const people = new Map(); // Janus participant → display name, for "Speaking:" and the host's list
  const speaking = new Set(); // clients of a session heard speaking now: their picture is shown meanwhile
  const quieted = new Map(); // participant → the timer that lets their picture go a while after they stop
  const SPEAKER_HOLD_MS = 4000; // a pause for breath does not make the picture come and go

  function stage(name) { root.dataset.stage = name; }
  function status(text) { $("call-status").textContent = text || ""; }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  }

  // Device check: camera preview, microphone level, a test tone for the speaker.
  async function checkDevices() {
    try {
      // A group call sends through the SFU at a low bitrate: a small picture is all it carries.
      const small = { width: { ideal: 320 }, height: { ideal: 240 }, frameRate: { max: 15 } };
      const video = config.group ? { facingMode: "user", ...small } : { facingMode: "user" };
      stream = await navigator.mediaDevices.getUserMedia({ audio: true, video });
    } catch (error) {
      if (error.name === "NotFoundError" || error.name === "OverconstrainedError") {
        try {
          stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch (second) {
          return deviceError(second);
        }
      } else {
        return deviceError(error);
      }
    }
    $("preview").srcObject = stream;
    $("self-view").srcObject = stream;
    showLevel(stream);
    $("enter").disabled = false;
  }

  function deviceError(error) {
    const message = error.name === "NotAllowedError" || error.name === "SecurityError" ? t.denied : t.nodevice;
    $("device-error").textContent = message;
    $("device-error").hidden = false;
  }

  function showLevel(media) {
    if (!media.getAudioTracks().length || !window.AudioContext) return;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(media).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    (function tick() {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) peak = Math.max(peak, Math.abs(sample - 128) / 128);
      $("mic-level").value = peak;
      if (root.dataset.stage === "check") requestAnimationFrame(tick);
    })();
  }

  function testSpeaker() {
    const context = new AudioContext();
    const tone = context.createOscillator();
    tone.frequency.value = 440;
    tone.connect(context.destination);
    tone.start();
    tone.stop(context.currentTime + 0.8);
  }

  // Signalling.
  function connect() {
    if (socket && socket.readyState <= WebSocket.OPEN) return; // already connecting or connected
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}${config.ws}`);
    socket.onopen = () => { status(""); send({ type: "join", ...config.join }); };
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      chain = chain.then(() => handle(message)).catch((error) => console.error(error));
    };
    socket.onclose = (event) => {
      if (leaving || event.code === 4403 || event.code === 4409) return;
      const later = event.code === 1013; // the call server is down: its message stays, we try again in a while
      if (!later) status(t.reconnecting);
      for (const id of [...peers.keys()]) dropPeer(id);
      if (janusCall) { janusCall.leave(); janusCall = null; }
      setTimeout(connect, (later ? 10000 : 1000) + Math.random() * 2000); // jitter: a restart must not bring every page back at once
    };
  }

  async function handle(message) {
    switch (message.type) {
      case "presence": return onPresence(message);
      case "waiting": return waitingClient(message.peer);
      case "admit":
        me.admitted = true;
        stage("call");
        if (message.janus) return enterGroupCall(message.janus);
        for (const id of peers.keys()) await maybeOffer(id);
        return;
      case "offer": return onOffer(message);
      case "answer": return peers.get(message.from)?.pc?.setRemoteDescription({ type: "answer", sdp: message.sdp });
      case "ice-candidate": {
        const pc = peers.get(message.from)?.pc;
        if (pc) await pc.addIceCandidate(message.candidate || null);
        return;
      }
      case "hang-up":
        dropPeer(message.peer);
        return status(t.left);
      case "switch-to-phone":
        if (config.role === "client") return status(t.phone_asked);
        return notice(t.phone_requested, { phone: Boolean(config.phoneUrl) });
      case "full": return notice(t.full_admit);
      case "move":
        // A fourth person: the call leaves the mesh for the server; a moment without picture.
        status(t.moving);
        for (const id of [...peers.keys()]) dropPeer(id);
        return enterGroupCall(message.janus);
      case "error":
        if (message.code === "forbidden") { leaving = true; status(t.closed); }
        if (message.code === "unavailable") status(t.unavailable);
        if (message.code === "room_full") {
          // Refused on joining (no seat yet), or still waiting after being let in.
          if (!me) leaving = true;
          status(me ? t.full_waiting : t.full);
        }
        return;
    }
  }

  async function onPresence(message) {
    if (message.op === "you") {
      me = { peer: message.peer, role: message.role, admitted: message.admitted };
      if (message.iceServers) config.iceServers = message.iceServers; // TURN for this seat, in the call window
      stage(me.admitted ? "call" : "waiting");
      if (message.janus) return enterGroupCall(message.janus);
      return;
    }
    if (message.participant) {
      hosts.add(message.participant);
      if (janusCall) janusCall.refresh();
    }
    if (config.group) return groupPresence(message);
    if (janusCall) {
      // Moved onto Janus: no more mesh connections; the caseworker still lets waiting clients in.
      if (me.role === "caseworker" && message.role === "client" && !message.admitted && message.op !== "left") waitingClient(message.peer);
      return;
    }
    if (message.op === "left") return dropPeer(message.peer);
    const known = peers.get(message.peer) || { pc: null, figure: null };
    known.role = message.role;
    known.admitted = message.admitted;
    peers.set(message.peer, known);
    if (me.role === "caseworker" && known.role === "client" && !known.admitted) waitingClient(message.peer);
    await maybeOffer(message.peer);
  }

  // Of each admitted pair, the peer with the smaller id offers: no glare, no double connection.
  async function maybeOffer(id) {
    const other = peers.get(id);
    if (!me || !me.admitted || !other || !other.admitted || other.pc || me.peer > id) return;
    const pc = peerConnection(id);
    await pc.setLocalDescription(await pc.createOffer());
    send({ type: "offer", to: id, sdp: pc.localDescription.sdp });
  }

  async function onOffer(message) {
    const known = peers.get(message.from) || { role: "", admitted: true, pc: null, figure: null };
    peers.set(message.from, known);
    const pc = known.pc || peerConnection(message.from);
    await pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
    await pc.setLocalDescription(await pc.createAnswer());
    send({ type: "answer", to: message.from, sdp: pc.localDescription.sdp });
  }

  function peerConnection(id) {
    const known = peers.get(id);
    const pc = new RTCPeerConnection({
      iceServers: config.iceServers,
      iceTransportPolicy: config.iceTransportPolicy,
    });
    known.pc = pc;
    if (stream) for (const track of stream.getTracks()) pc.addTrack(track, stream);
    pc.onicecandidate = (event) => send({ type: "ice-candidate", to: id, candidate: event.candidate ? event.candidate.toJSON() : null });
    pc.ontrack = (event) => showRemote(id, event.streams[0]);
    pc.onconnectionstatechange = () => { root.dataset.connections = JSON.stringify(connectionStates()); };
    return pc;
  }

  function showRemote(id, media) {
    const known = peers.get(id);
    if (!known.figure) {
      known.figure = document.createElement("figure");
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.className = "call-video";
      const caption = document.createElement("figcaption");
      caption.textContent = t[known.role] || "";
      known.figure.append(video, caption);
      $("videos").append(known.figure);
    }
    known.figure.querySelector("video").srcObject = media;
  }

  function dropPeer(id) {
    const known = peers.get(id);
    if (!known) return;
    if (known.pc) known.pc.close();
    if (known.figure) known.figure.remove();
    peers.delete(id);
    root.dataset.connections = JSON.stringify(connectionStates());
  }

  function connectionStates() {
    const states = {};
    for (const [id, known] of peers) if (known.pc) states[id] = known.pc.connectionState;
    return states;
  }

  // Group sessions: the room on Janus, the waiting list and the host's controls.
  async function enterGroupCall(pass) {
    stage("call");
    try {
      janusCall = await window.SprechstundeJanus.join({
        pass,
        stream,
        rtc: { iceServers: config.iceServers, iceTransportPolicy: config.iceTransportPolicy },
        // Hosts (and everyone in a one-to-one call) see and hear everyone; a session's client sees
        // the hosts and whoever speaks, and hears everyone.
        wants: (person, item) => pass.everyone || item.type === "audio" || hosts.has(person.id) || speaking.has(person.id),
        on: {
          arrived: (person) => {
            people.set(person.id, person.display);
            if (pass.host) listParticipant(person);
          },
          track: showFeed,
          left: dropFeed,
          talking: (id, now) => {
            $("speaker").textContent = now && people.has(id) ? t.speaking.replace("%(name)s", people.get(id)) : "";
            if (!pass.everyone) showSpeaker(id, now);
          },
          removed: () => { leaveGroupCall(); status(t.removed); stage("ended"); },
          lost: () => status(t.reconnecting),
        },
      });
      if (!config.group) status(""); // moved: the call goes on
    } catch (error) {
      console.error(error);
      status(t.unavailable);
    }
  }

  // A client of a session sees another client only while they speak (and a moment after).
  function showSpeaker(id, now) {
    if (hosts.has(id)) return;
    clearTimeout(quieted.get(id));
    if (now) {
      if (!speaking.has(id)) { speaking.add(id); janusCall?.refresh(); }
      const figure = document.getElementById(`feed-${id}`);
      if (figure && figure.querySelector("video").srcObject.getVideoTracks().length) figure.hidden = false;
      return;
    }
    quieted.set(id, setTimeout(() => {
      speaking.delete(id);
      const figure = document.getElementById(`feed-${id}`);
      if (figure) figure.hidden = true;
      janusCall?.refresh();
    }, SPEAKER_HOLD_MS));
  }

  function leaveGroupCall() {
    leaving = true;
    if (janusCall) janusCall.leave();
    if (socket) socket.close();
    if (stream) for (const track of stream.getTracks()) track.stop();
  }

  function showFeed(feed, track) {
    const key = `feed-${feed.id}`;
    let figure = document.getElementById(key);
    if (!figure) {
      figure = document.createElement("figure");
      figure.id = key;
      const video = document.createElement("video");
      video.autoplay = true;
      video.playsInline = true;
      video.className = "call-video";
      video.srcObject = new MediaStream();
      const caption = document.createElement("figcaption");
      caption.textContent = (config.group ? feed.display : t[feed.display]) || ""; // one-to-one: a role
      figure.append(video, caption);
      figure.hidden = true; // until a picture arrives: someone we only hear takes no space
      $("videos").append(figure);
    }
    const media = figure.querySelector("video").srcObject;
    // Taken again (someone who speaks again): the new track replaces the one let go.
    for (const old of media.getTracks()) if (old.kind === track.kind) media.removeTrack(old);
    media.addTrack(track);
    if (track.kind === "video") figure.hidden = false;
  }

  function dropFeed(id) {
    document.getElementById(`feed-${id}`)?.remove();
    document.getElementById(`person-${id}`)?.remove();
    people.delete(id);
  }

  function groupPresence(message) {
    const waiting = me && me.role === "caseworker" && message.role === "client" && !message.admitted && message.op !== "left";
    const item = document.getElementById(`waiting-${message.peer}`);
    if (!waiting) return item?.remove();
    if (item) return;
    const entry = document.createElement("li");
    entry.id = `waiting-${message.peer}`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "secondary";
    button.textContent = t.admit_one;
    button.addEventListener("click", () => { send({ type: "admit", peer: message.peer }); entry.remove(); });
    entry.append(document.createTextNode(`${message.name || t.client} `), button);
    $("waiting-list").append(entry);
  }

  async function moderate(url, fields) {
    const form = new FormData($("phone-form"));
    for (const [name, value] of Object.entries(fields)) form.set(name, value);
    const response = await fetch(url, { method: "POST", body: form, headers: { "X-CSRFToken": form.get("csrfmiddlewaretoken") } });
    if (!response.ok) status((await response.json()).detail);
    return response.ok;
  }

  function listParticipant(person) {
    if (person.id === janusCall?.participant || document.getElementById(`person-${person.id}`) || hosts.has(person.id)) return;
    const entry = document.createElement("li");
    entry.id = `person-${person.id}`;
    const audio = (person.streams || []).find((item) => item.type === "audio");
    const mute = document.createElement("button");
    mute.type = "button";
    mute.className = "secondary";
    mute.textContent = t.mute_other;
    mute.disabled = !audio;
    mute.addEventListener("click", async () => { if (await moderate(config.muteUrl, { participant: person.id, stream: audio.mid })) mute.disabled = true; });
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "danger";
    remove.textContent = t.remove;
    remove.addEventListener("click", async () => { if (await moderate(config.removeUrl, { participant: person.id })) dropFeed(person.id); });
    entry.append(document.createTextNode(`${person.display} `), mute, remove);
    $("participants").append(entry);
  }

  // Admission is per connection: "admit" names the client's connection that is waiting.
  function admitClient() {
    send(waitingPeer ? { type: "admit", peer: waitingPeer } : { type: "admit" });
    $("admit-notice").hidden = true;
  }

  function waitingClient(peer) {
    if (config.group) return; // the waiting list shows each person (groupPresence)
    waitingPeer = peer || waitingPeer;
    if (!admitOnJoin) return notice(t.waiting, { admit: true });
    admitOnJoin = false;
    history.replaceState(null, "", location.pathname); // a reload must not admit anybody again
    admitClient();
  }

  function notice(text, { admit = false, phone = false } = {}) {
    $("notice-text").textContent = text;
    $("admit").hidden = !admit;
    $("phone-form").hidden = !phone;
    $("admit-notice").hidden = false;
  }

  // Controls.
  function toggle(kind, button) {
    const tracks = stream ? (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks()) : [];
    const off = button.getAttribute("aria-pressed") !== "true";
    for (const track of tracks) track.enabled = !off;
    button.setAttribute("aria-pressed", String(off));
  }

  function hangUp() {
    leaving = true;
    send({ type: "hang-up" });
    send({ type: "leave" });
    if (janusCall) leaveGroupCall();
    for (const id of [...peers.keys()]) dropPeer(id);
    if (stream) for (const track of stream.getTracks()) track.stop();
    stage("ended");
  }

  async function callByPhone(event) {
    event.preventDefault();
    const form = new FormData($("phone-form"));
    status(t.calling);
    const response = await fetch(config.phoneUrl, {
      method: "POST",
      body: form,
      headers: { "X-CSRFToken": form.get("csrfmiddlewaretoken") },
    });
    status(response.ok ? t.calling : (await response.json()).detail);
  }

  $("enter").addEventListener("click", connect);
  $("speaker-test").addEventListener("click", testSpeaker);
  $("admit").addEventListener("click", admitClient);
  $("mute").addEventListener("click", (e) => toggle("audio", e.currentTarget));
  $("camera").addEventListener("click", (e) => toggle("video", e.currentTarget));
  $("hang-up").addEventListener("click", hangUp);
  $("phone-form").addEventListener("submit", callByPhone);
  $("admit-all")?.addEventListener("click", () => {
    send({ type: "admit" });
    $("waiting-list").replaceChildren();
  });
  const phoneButton = $("switch-to-phone");
  if (phoneButton) {
    phoneButton.addEventListener("click", () => {
      if (socket && socket.readyState === WebSocket.OPEN) send({ type: "switch-to-phone" });
      else { connect(); socket.addEventListener("open", () => send({ type: "switch-to-phone" })); }
    });
  }
  // The local candidate type ("host", "srflx", "relay") of each connection's selected pair: for support and tests.
  async function candidateTypes() {
    const types = {};
    for (const [id, known] of peers) {
      if (!known.pc) continue;
      const stats = await known.pc.getStats();
      for (const report of stats.values()) {
        if (report.type === "candidate-pair" && report.nominated && report.state === "succeeded") {
          types[id] = stats.get(report.localCandidateId)?.candidateType;
        }
      }
    }
    return types;
  }
  const received = async (kind) => (janusCall ? janusCall.received(kind) : {});
  const participant = () => janusCall?.participant;
  window.sprechstundeCall = { connections: connectionStates, candidateTypes, received, participant, stage: () => root.dataset.stage };
  // One click from the staff pages: after the device check (whatever its result) join without "Join the call".
  const checked = checkDevices();
  if (config.admitOnJoin) checked.finally(connect);
})();
