// Parse iCalendar files with ical.js (Thunderbird's parser) and print what it read, as JSON.
// Usage: node parse_feeds.mjs FILE...   Exit 1 if any file fails to parse.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const results = [];
let failed = false;
for (const file of process.argv.slice(2)) {
  try {
    const text = readFileSync(file, "utf8");
    const calendar = new ICAL.Component(ICAL.parse(text));
    for (const zone of calendar.getAllSubcomponents("vtimezone")) {
      ICAL.TimezoneService.register(zone);
    }
    const events = calendar.getAllSubcomponents("vevent").map((component) => {
      const event = new ICAL.Event(component);
      return {
        uid: event.uid,
        summary: event.summary,
        description: event.description,
        location: event.location,
        start: event.startDate.toString(),
        end: event.endDate.toString(),
        allDay: event.startDate.isDate,
        sequence: event.sequence,
        tzid: event.startDate.isDate ? null : event.startDate.timezone,
        categories: component.getFirstProperty("categories")?.getValues() ?? [],
      };
    });
    results.push({
      file,
      name: calendar.getFirstPropertyValue("x-wr-calname"),
      version: calendar.getFirstPropertyValue("version"),
      timezones: calendar.getAllSubcomponents("vtimezone").map((z) => z.getFirstPropertyValue("tzid")),
      events,
    });
  } catch (error) {
    failed = true;
    results.push({ file, error: String(error) });
  }
}
process.stdout.write(JSON.stringify(results));
process.exitCode = failed ? 1 : 0; // not process.exit(): it would cut a large stdout short
