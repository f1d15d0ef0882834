// The kiosk display page. It works out the slide for the current moment from the published timeline and
// the server's clock (no chained timers, no leader screen), so every screen on one programme shows the
// same slide at the same moment; decodes the next image before showing it; keeps playing from its cache
// when the server is gone; takes a new version within seconds (server-sent events, jittered polling as
// the fallback); and reports what it shows. A module (the page loads it with type="module"): the
// timeline maths is timeline.mjs, beside it.
import * as timeline from "./timeline.mjs";

(() => {
  const root = document.documentElement;
  // This script and the module it imports, which the service worker keeps for offline play.
  const scripts = [import.meta.url, new URL("./timeline.mjs", import.meta.url).href];
  const screenId = root.dataset.screen;
  // Every address comes from the page, relative to it: the same script runs under the web app and from
  // a static export under any base path (where the clock, the pushes and the heartbeats are not there,
  // and the page plays on without them).
  const address = (name) => new URL(root.dataset[name], document.baseURI).href;
  const programmeUrl = address("programme");
  const imageUrl = (slide) => {
    const path = programme.images[slide.design];
    return path ? new URL(path, programmeUrl).href : null;
  };
  const layers = [document.getElementById("layer-0"), document.getElementById("layer-1")];
  const store = window.localStorage;
  // The screen's key, given once in the URL's fragment (#key=…, never sent to a server or its logs) by
  // the console's link: kept, and taken out of the address bar; every heartbeat carries it.
  const given = new URLSearchParams(location.hash.slice(1)).get("key");
  if (given) {
    store.setItem(`key:${screenId}`, given);
    history.replaceState(null, "", location.pathname + location.search);
  }
  const key = store.getItem(`key:${screenId}`);
  let programme = JSON.parse(store.getItem(`programme:${screenId}`) || "null");
  if (programme) root.dataset.version = programme.version;
  let offset = Number(store.getItem("clock-offset") || 0);
  let front = 0;
  let shown = null;
  let timer = 0;

  const serverNow = () => Date.now() + offset;
  const MAX_ROUND_TRIP_MS = 5000;

  const slideAt = (t) => (programme ? timeline.slideAt(programme.segments, t) : null);

  // A decode that never ends (a request that hangs) must not hold the one tick in flight for ever: after
  // a minute the slide is shown as text.
  const DECODE_MS = 60000;
  const decode = (image) =>
    Promise.race([
      image.decode(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("decode timed out")), DECODE_MS)),
    ]);

  // Decode a slide's poster off screen; the URL, or null for a slide shown as text (no poster, or one
  // that cannot be had now).
  async function decoded(slide) {
    const url = imageUrl(slide);
    if (!url) return null;
    const image = new Image();
    image.src = url;
    try {
      await decode(image);
      return url;
    } catch (error) {
      return null;
    }
  }

  async function show(slide) {
    const url = await decoded(slide); // decoded before it is shown: never a blank or half-drawn frame
    // The back layer is chosen only now, after the decode: ticks never overlap, so it is the hidden one.
    const back = layers[1 - front];
    const image = back.querySelector("img");
    if (url) {
      delete back.dataset.fallback;
      if (image.src !== url) image.src = url;
      try {
        await decode(image); // already decoded above: this only waits for the layer's own copy
      } catch (error) {
        back.dataset.fallback = slide.id;
      }
    } else {
      image.removeAttribute("src");
      back.dataset.fallback = slide.id;
    }
    back.classList.add("front");
    layers[front].classList.remove("front");
    front = 1 - front;
    shown = slide.id;
    root.dataset.currentSlide = slide.id;
    root.dispatchEvent(new CustomEvent("kiosk:slide", { detail: { slide: slide.id } }));
  }

  function warm(slide) {
    const url = slide && imageUrl(slide);
    if (url) {
      const image = new Image();
      image.src = url;
      image.decode().catch(() => {});
    }
  }

  // One tick at a time: its timer, a new programme and a tab waking up may all ask for one while a
  // decode is under way; a tick asked for meanwhile runs once more when this one ends. One timer.
  let ticking = false;
  let again = false;

  function tick() {
    if (ticking) {
      again = true;
      return;
    }
    ticking = true;
    clearTimeout(timer);
    step()
      .catch(() => {})
      .finally(() => {
        ticking = false;
        if (again) {
          again = false;
          tick();
        }
      });
  }

  async function step() {
    let current = slideAt(serverNow());
    // Decoding takes time (and a sleeping tab or a clock jump may skip slides): show what is due now,
    // until what is shown is what the clock says.
    while (current && current.slide.id !== shown) {
      await show(current.slide);
      current = slideAt(serverNow());
    }
    const now = serverNow();
    const next = current ? current.ends : now + 1000;
    const coming = slideAt(next + 1);
    if (coming) warm(coming.slide);
    clearTimeout(timer);
    timer = setTimeout(tick, Math.max(20, next - serverNow()));
  }

  async function measureClock() {
    try {
      const sent = Date.now();
      const response = await fetch(address("time"), { cache: "no-store" });
      const received = Date.now();
      if (!response.ok) return; // a static export has no clock: the screen's own (NTP) clock it is
      // A sample whose round trip took seconds (a stalled network, a tab frozen or its clock jumping
      // meanwhile) says little about when the server answered: keep the last offset.
      if (received - sent > MAX_ROUND_TRIP_MS) return;
      const { now } = await response.json();
      offset = now - (sent + received) / 2;
      store.setItem("clock-offset", String(offset));
    } catch (error) {
      // offline: keep the last offset measured
    }
  }

  async function loadProgramme() {
    try {
      const response = await fetch(programmeUrl, { cache: "no-cache" });
      if (!response.ok) return;
      const fresh = await response.json();
      if (!programme || fresh.version !== programme.version) {
        const reloadAsked = programme && fresh.version !== programme.version;
        programme = fresh;
        root.dataset.version = fresh.version;
        store.setItem(`programme:${screenId}`, JSON.stringify(fresh));
        precache();
        if (reloadAsked) shown = null; // show the new version's slide at once
        tick();
      }
    } catch (error) {
      // offline: the stored programme plays on
    }
  }

  // The service worker keeps what this programme needs and drops what no programme needs any more; it
  // answers with the version it kept, which the page shows as data-cached.
  function precache() {
    const images = Object.values(programme.images).map((path) => new URL(path, programmeUrl).href);
    const urls = [window.location.href.split("#")[0], ...scripts, document.querySelector("link[rel=stylesheet]").href, programmeUrl, ...images];
    if (navigator.serviceWorker) {
      const version = programme.version;
      navigator.serviceWorker.ready.then((registration) => {
        const reply = new MessageChannel();
        reply.port1.onmessage = (event) => {
          if (event.data && event.data.cached) root.dataset.cached = event.data.cached;
        };
        registration.active.postMessage({ precache: urls, screen: screenId, version }, [reply.port2]);
      });
    }
  }

  // Pushes: the server-sent event stream, read with fetch (which, unlike EventSource, sees a refusal's
  // status and Retry-After). A stream that ends, fails or goes silent for longer than two keep-alives
  // (a proxy that dropped it) is opened again after a back-off that doubles to a minute, with jitter,
  // so that the screens a restart cut off do not all come back in the same second; a server that
  // refuses it (503: it holds all the streams it can) is asked again after its Retry-After. While there
  // is no stream, the page polls its programme.
  const SILENT_MS = 40000;
  // A stream that stayed open this long was not refused or cut at once: the next one starts the back-off
  // again.
  const STEADY_MS = 60000;
  let live = false;
  let attempts = 0;
  function setLive(state, detail) {
    live = state === "open";
    root.dataset.live = state;
    root.dispatchEvent(new CustomEvent("kiosk:live", { detail: { state, ...detail } }));
  }
  async function listen() {
    const controller = new AbortController();
    let watchdog = 0;
    const alive = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), SILENT_MS);
    };
    let wait = null;
    let none = false;
    let opened = null;
    try {
      alive();
      const response = await fetch(address("events"), { signal: controller.signal, cache: "no-store" });
      if (response.status === 503) {
        const after = Number(response.headers.get("Retry-After"));
        wait = (Number.isFinite(after) && after > 0 ? after : 30) * 1000;
        setLive("refused", { status: 503 });
      } else if (response.status >= 400 && response.status < 500) {
        none = true; // no streams here (a static export), or no such screen: polling it is
      } else if (response.ok && response.body) {
        opened = Date.now();
        setLive("open", {});
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          alive();
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const lines = buffer.slice(0, end).split("\n");
            buffer = buffer.slice(end + 2);
            const data = lines.find((line) => line.startsWith("data:"));
            if (lines.includes("event: version") && data) {
              const version = data.slice(5).trim();
              if (!programme || version !== programme.version) loadProgramme();
            }
          }
        }
      }
    } catch (error) {
      // cut off, or silent too long: opened again below
    }
    clearTimeout(watchdog);
    if (none) {
      setLive("none", {});
      return;
    }
    attempts = opened !== null && Date.now() - opened > STEADY_MS ? 1 : attempts + 1;
    const delay = wait ?? Math.min(1000 * 2 ** attempts, 60000);
    const jittered = Math.round(delay * (0.5 + Math.random()));
    if (wait === null) setLive("closed", {});
    root.dataset.reconnectMs = String(jittered);
    root.dispatchEvent(new CustomEvent("kiosk:reconnect", { detail: { attempt: attempts, ms: jittered } }));
    setTimeout(listen, jittered);
  }

  function poll() {
    // The fallback when there is no stream (none yet, refused, cut off): jittered, so that screens that
    // booted together spread out. With a stream open it only checks, every 5 to 10 minutes, that no
    // push was missed.
    const wait = live ? 300000 + Math.random() * 300000 : 20000 + Math.random() * 20000;
    setTimeout(async () => {
      await loadProgramme();
      poll();
    }, wait);
  }

  let beatFailures = 0;
  async function heartbeat() {
    try {
      const response = await fetch(address("heartbeat"), {
        method: "POST",
        headers: { "Content-Type": "application/json", ...(key ? { Authorization: `Bearer ${key}` } : {}) },
        body: JSON.stringify({ showing: shown || "none", version: programme ? programme.version : "none" }),
      });
      beatFailures = response.ok ? 0 : beatFailures + 1;
      root.dataset.beat = response.ok ? "ok" : String(response.status);
      root.dispatchEvent(new CustomEvent("kiosk:heartbeat", { detail: { ok: response.ok, status: response.status } }));
    } catch (error) {
      beatFailures += 1;
    }
    setTimeout(heartbeat, Math.min(30000 * 2 ** beatFailures, 300000) * (0.8 + Math.random() * 0.4));
  }

  if (navigator.serviceWorker) {
    navigator.serviceWorker.register(address("worker")).catch(() => {});
  }
  tick();
  measureClock().then(loadProgramme).then(() => {
    listen();
    poll();
    heartbeat();
  });
  setInterval(measureClock, 600000);
  // A tab that was asleep (or a clock that jumped) catches up at once.
  document.addEventListener("visibilitychange", tick);
})();
