// The kiosk pages' service worker: the page, its scripts (kiosk.js and the timeline module it imports)
// and its programme are fetched from the network first and kept; poster images (content-hashed, never
// changing) come from the cache first. So a screen goes on rotating for days without the server, and
// takes the new version as soon as it is back.
// Paths are matched below the site's root (the folder above this script's), so that the same worker
// serves the web app and a static export under any base path.
// Storage stays bounded for weeks: each screen's page names what its programme needs (kept under a
// "keep" entry of its own), and everything that no screen of this browser needs is dropped, on every
// new programme and on activation; caches of older worker versions are deleted on activation.
const CACHE = "kiosk-v3";
const SITE = new URL("../", self.location.href).href;
const NETWORK_FIRST = [/^kiosk\/[^/]+(\/(index\.html)?)?$/, /^kiosk\/[^/]+\/programme\.json$/, /^static\//];
const CACHE_FIRST = [/^posters\/[0-9a-f]{16}\//];

const KEEP = `${SITE}kiosk/.keep/`;

async function prune(cache) {
  const keys = await cache.keys();
  const needed = new Set();
  for (const request of keys) {
    if (request.url.startsWith(KEEP)) {
      const response = await cache.match(request);
      for (const url of await response.json()) needed.add(url);
    }
  }
  if (!keys.some((request) => request.url.startsWith(KEEP))) return; // nothing named yet: keep all
  for (const request of keys) {
    if (!request.url.startsWith(KEEP) && !needed.has(request.url)) await cache.delete(request);
  }
}

self.addEventListener("install", (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener("activate", (event) =>
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== CACHE && name.startsWith("kiosk-")) await caches.delete(name);
      }
      await prune(await caches.open(CACHE));
      await self.clients.claim();
    })(),
  ),
);

self.addEventListener("message", (event) => {
  const data = event.data || {};
  const urls = data.precache || [];
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      let complete = true;
      for (const url of urls) {
        if (!(await cache.match(url))) {
          try {
            await cache.add(url);
          } catch (error) {
            complete = false; // offline now: the next programme load tries again
          }
        }
      }
      if (data.screen) {
        const keep = new Request(`${KEEP}${encodeURIComponent(data.screen)}`);
        await cache.put(keep, new Response(JSON.stringify(urls), { headers: { "Content-Type": "application/json" } }));
        await prune(cache);
      }
      if (complete && event.ports[0]) event.ports[0].postMessage({ cached: data.version });
    }),
  );
});

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const page = url.origin + url.pathname;
  if (event.request.method !== "GET" || !page.startsWith(SITE)) return;
  const path = page.slice(SITE.length);
  if (CACHE_FIRST.some((pattern) => pattern.test(path))) {
    event.respondWith(cacheFirst(event.request));
  } else if (NETWORK_FIRST.some((pattern) => pattern.test(path))) {
    event.respondWith(networkFirst(event.request));
  }
});
