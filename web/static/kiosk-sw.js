// The kiosk pages' service worker: the page, its script and its programme are fetched from the network
// first and kept; poster images (content-hashed, never changing) come from the cache first. So a screen
// goes on rotating for days without the server, and takes the new version as soon as it is back.
const CACHE = "kiosk-v1";
const NETWORK_FIRST = [/^\/kiosk\/[^/]+$/, /^\/kiosk\/[^/]+\/programme\.json$/, /^\/static\//];
const CACHE_FIRST = [/^\/posters\/[0-9a-f]{16}\//];

self.addEventListener("install", (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("message", (event) => {
  const urls = (event.data && event.data.precache) || [];
  event.waitUntil(
    caches.open(CACHE).then(async (cache) => {
      for (const url of urls) {
        if (!(await cache.match(url))) {
          try {
            await cache.add(url);
          } catch (error) {
            // offline now: the next programme load tries again
          }
        }
      }
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
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (CACHE_FIRST.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(cacheFirst(event.request));
  } else if (NETWORK_FIRST.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(event.request));
  }
});
