// Reads an .ics from stdin with Mozilla's ical.js and prints what it understood as JSON.
import ICAL from "ical.js";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const calendar = new ICAL.Component(ICAL.parse(Buffer.concat(chunks).toString("utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) ICAL.TimezoneService.register(zone);

const address = (property) => property && ({
  value: property.getFirstValue(),
  params: Object.fromEntries(
    ["cn", "partstat", "rsvp", "role", "cutype"]
      .map((name) => [name, property.getParameter(name)])
      .filter(([, value]) => value !== undefined),
  ),
});

const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  return {
    uid: event.uid,
    sequence: event.sequence,
    summary: event.summary,
    status: component.getFirstPropertyValue("status"),
    tzid: event.startDate.zone.tzid,
    start_utc: event.startDate.toJSDate().toISOString(),
    end_utc: event.endDate.toJSDate().toISOString(),
    organizer: address(component.getFirstProperty("organizer")),
    attendees: component.getAllProperties("attendee").map(address),
  };
});
console.log(JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }));
