// The kiosk pages' service worker: the page, its script and its programme are fetched from the network
// first and kept; poster images (content-hashed, never changing) come from the cache first. So a screen
// goes on rotating for days without the server, and takes the new version as soon as it is back.
// Paths are matched below the site's root (the folder above this script's), so that the same worker
// serves the web app and a static export under any base path.
const CACHE = "kiosk-v2";
const SITE = new URL("../", self.location.href).href;
const NETWORK_FIRST = [/^kiosk\/[^/]+(\/(index\.html)?)?$/, /^kiosk\/[^/]+\/programme\.json$/, /^static\//];
const CACHE_FIRST = [/^posters\/[0-9a-f]{16}\//];

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
