// Parse iCalendar files with node-ical (MagicMirror's and many Home Assistant add-ons' parser) and print,
// as JSON, the texts an app shows of each event, as node-ical hands them over: a property that has a
// parameter comes out as an object ({params, val}) instead of a string, and the app shows a blank.
// Usage: node node_ical_feeds.mjs FILE...   Exit 1 if any file fails to parse.
import ical from "node-ical";

const FIELDS = ["uid", "summary", "description", "location", "url"];
const results = [];
let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const data = ical.sync.parseFile(file);
    const events = Object.values(data)
      .filter((entry) => entry && entry.type === "VEVENT")
      .map((event) => Object.fromEntries(FIELDS.map((field) => [field, event[field] ?? null])));
    results.push({ file, calendar: data.vcalendar ?? {}, events });
  } catch (error) {
    failed = true;
    results.push({ file, error: String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
process.exitCode = failed ? 1 : 0; // not process.exit(): it would cut a large stdout short
