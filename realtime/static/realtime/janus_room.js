// A participant of a Janus videoroom over Janus' documented HTTP API (long poll, no trickle): it
// publishes the page's camera and microphone and subscribes to the streams `wants` picks. Our own
// small client rather than janus.js: that brings adapter.js and many callbacks this page does not use.
"use strict";
window.SprechstundeJanus = (function () {
  const transaction = () => Math.random().toString(36).slice(2, 14);

  // Janus gets each description whole, candidates included: one request instead of a trickle each.
  function gathered(pc) {
    return new Promise((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") resolve();
      });
      setTimeout(resolve, 3000);
    });
  }

  async function join(options) {
    const { pass, stream, rtc, wants, on } = options;
    const waiting = new Map(); // transaction → resolve, for the plugin's answer to a request
    const handlers = new Map(); // handle → its unsolicited events
    let closed = false;

    async function post(path, body) {
      const response = await fetch(pass.url + path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...body, transaction: body.transaction || transaction(), token: pass.token }),
      });
      const answer = await response.json();
      if (answer.janus === "error") throw new Error(answer.error.reason);
      return answer;
    }

    const session = (await post("", { janus: "create" })).data.id;
    const attach = async () => (await post(`/${session}`, { janus: "attach", plugin: "janus.plugin.videoroom" })).data.id;

    // The plugin answers a request later, as an event that carries the request's transaction.
    function request(handle, body, jsep) {
      const id = transaction();
      return new Promise((resolve, reject) => {
        waiting.set(id, resolve);
        post(`/${session}/${handle}`, { janus: "message", body, jsep, transaction: id }).catch((error) => {
          waiting.delete(id);
          reject(error);
        });
      }).then((event) => {
        const data = event.plugindata.data;
        if (data.error) throw new Error(data.error);
        return { data, jsep: event.jsep };
      });
    }

    async function poll() {
      while (!closed) {
        let events;
        try {
          const response = await fetch(`${pass.url}/${session}?maxev=10&token=${encodeURIComponent(pass.token)}`);
          events = await response.json();
        } catch (error) {
          if (!closed) on.lost();
          return;
        }
        for (const event of Array.isArray(events) ? events : [events]) {
          if (event.janus === "event" && waiting.has(event.transaction)) {
            waiting.get(event.transaction)(event);
            waiting.delete(event.transaction);
          } else if (event.janus === "event") {
            handlers.get(event.sender)?.(event.plugindata.data, event.jsep);
          } else if (event.janus === "hangup" || event.janus === "detached") {
            handlers.get(event.sender)?.({ videoroom: "hangup" });
          }
        }
      }
    }
    poll();
    const keepalive = setInterval(() => post(`/${session}`, { janus: "keepalive" }).catch(() => {}), 25000);

    // Publishing: our camera and microphone into the room.
    const publisher = await attach();
    // Others who publish while we are still joining and publishing are announced now: keep those
    // events until we can subscribe, or people who join at the same moment never see each other.
    const early = [];
    handlers.set(publisher, (data) => early.push(data));
    const joined = await request(publisher, {
      request: "join",
      ptype: "publisher",
      room: pass.room,
      id: pass.participant,
      display: pass.display,
      token: pass.token,
    });
    const sending = new RTCPeerConnection(rtc);
    if (stream) for (const track of stream.getTracks()) sending.addTrack(track, stream);
    await sending.setLocalDescription(await sending.createOffer());
    await gathered(sending);
    const published = await request(
      publisher,
      { request: "configure", audio: true, video: true },
      { type: "offer", sdp: sending.localDescription.sdp, trickle: false },
    );
    await sending.setRemoteDescription(published.jsep);

    // Subscribing: one connection that carries every stream we take from the others.
    const receiving = new RTCPeerConnection(rtc);
    const feedOfMid = new Map();
    const known = new Map(); // participant → their publisher entry, to take more of them later
    const taken = new Set(); // "participant:mid" already subscribed
    let subscriber = null;
    let chain = Promise.resolve();
    receiving.ontrack = (event) => {
      const feed = feedOfMid.get(event.transceiver.mid);
      if (feed) on.track(feed, event.track);
    };

    async function answer(offer) {
      await receiving.setRemoteDescription(offer);
      await receiving.setLocalDescription(await receiving.createAnswer());
      await gathered(receiving);
      await request(subscriber, { request: "start" }, { type: "answer", sdp: receiving.localDescription.sdp, trickle: false });
    }

    function remember(streams) {
      for (const item of streams || []) if (item.feed_id) feedOfMid.set(item.mid, { id: item.feed_id, display: item.feed_display, type: item.type });
    }

    function take(publishers) {
      const streams = [];
      for (const person of publishers || []) {
        if (person.id === pass.participant) continue;
        known.set(person.id, person);
        on.arrived(person);
        for (const item of person.streams || []) {
          const key = `${person.id}:${item.mid}`;
          if (taken.has(key) || item.disabled || !wants(person, item)) continue;
          taken.add(key);
          streams.push({ feed: person.id, mid: item.mid });
        }
      }
      if (!streams.length) return;
      chain = chain.then(async () => {
        if (subscriber === null) {
          subscriber = await attach();
          handlers.set(subscriber, (data, jsep) => {
            remember(data.streams);
            if (jsep) chain = chain.then(() => answer(jsep));
          });
          const attached = await request(subscriber, { request: "join", ptype: "subscriber", room: pass.room, streams, token: pass.token });
          remember(attached.data.streams);
          await answer(attached.jsep);
        } else {
          const updated = await request(subscriber, { request: "subscribe", streams });
          remember(updated.data.streams);
          if (updated.jsep) await answer(updated.jsep);
        }
      }).catch((error) => console.error(error));
    }

    function publisherEvent(data) {
      if (data.publishers) take(data.publishers);
      if (data.reason === "kicked" || data.kicked === pass.participant) return on.removed();
      if (data.leaving === "ok" || data.videoroom === "hangup") return on.lost();
      for (const gone of [data.kicked, data.leaving, data.unpublished]) {
        if (!gone || gone === "ok") continue;
        known.delete(gone);
        for (const key of [...taken]) if (key.startsWith(`${gone}:`)) taken.delete(key);
        on.left(gone);
      }
      if (data.videoroom === "talking") on.talking(data.id, true);
      if (data.videoroom === "stopped-talking") on.talking(data.id, false);
    }
    handlers.set(publisher, publisherEvent);
    take(joined.data.publishers);
    for (const data of early.splice(0)) publisherEvent(data);

    function leave() {
      if (closed) return;
      closed = true;
      clearInterval(keepalive);
      sending.close();
      receiving.close();
      post(`/${session}`, { janus: "destroy" }).catch(() => {});
    }

    // Bytes received per participant (of one kind, "audio" or "video", if given), from the
    // subscription's statistics: for support and the tests.
    async function received(kind) {
      const bytes = {};
      for (const report of (await receiving.getStats()).values()) {
        if (report.type !== "inbound-rtp" || (kind && report.kind !== kind)) continue;
        const feed = feedOfMid.get(report.mid);
        if (feed) bytes[feed.id] = (bytes[feed.id] || 0) + report.bytesReceived;
      }
      return bytes;
    }

    // Ask again what `wants` picks of those here (a host made known after they arrived, someone who
    // began or stopped speaking): take what it now picks, and let go of what it no longer does.
    function refresh() {
      take([...known.values()]);
      const unwanted = [];
      for (const key of [...taken]) {
        const [id, mid] = key.split(":");
        const person = known.get(Number(id));
        const item = (person?.streams || []).find((stream) => stream.mid === mid);
        if (!person || !item || wants(person, item)) continue;
        taken.delete(key);
        unwanted.push({ feed: person.id, mid });
      }
      if (!unwanted.length) return;
      chain = chain.then(async () => {
        const updated = await request(subscriber, { request: "unsubscribe", streams: unwanted });
        remember(updated.data.streams);
        if (updated.jsep) await answer(updated.jsep);
      }).catch((error) => console.error(error));
    }

    return { leave, received, refresh, participant: pass.participant, connection: () => sending.connectionState };
  }

  return { join };
})();
