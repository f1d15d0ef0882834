// The slide that the kiosk page's timeline module picks at each of a list of moments, for a test that
// compares it with the Python timeline (tests/web/test_kiosk_timeline.py).
// Usage: node slide_at.mjs FILE, FILE being JSON: { "segments": [...], "moments": [ms, ...] }.
// Prints a JSON list: { "id": slide id, "ends": ms } for each moment, or null where no segment covers it.
import { readFileSync } from "node:fs";
import { slideAt } from "../../web/static/timeline.mjs";

const { segments, moments } = JSON.parse(readFileSync(process.argv[2], "utf8"));
const found = moments.map((t) => {
  const at = slideAt(segments, t);
  return at ? { id: at.slide.id, ends: at.ends } : null;
});
process.stdout.write(JSON.stringify(found));
