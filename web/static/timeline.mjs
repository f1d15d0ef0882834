// The slide of a published timeline at a moment: the kiosk page's half of the programme maths (the
// server's half, which publishes the segments, is generators/programme.py; tests/js/slide_at.mjs checks
// that the two agree). A segment is one programme within one local day: { from, to, anchor, programme,
// slides: [{ id, design, ms }] }, times in milliseconds since the epoch. Its slides repeat in a cycle
// that counts from the anchor, so the slide at any moment follows from the segments alone.

// The segment that moment t falls in, or null.
export function segmentAt(segments, t) {
  return segments.find((s) => s.from <= t && t < s.to) || null;
}

// The slide shown at t and when it ends (its end in the cycle, or the segment's end if that comes
// first): { slide, ends }, or null if no segment covers t.
export function slideAt(segments, t) {
  const segment = segmentAt(segments, t);
  if (!segment) return null;
  const cycle = segment.slides.reduce((sum, s) => sum + s.ms, 0);
  let position = (((t - segment.anchor) % cycle) + cycle) % cycle;
  for (const slide of segment.slides) {
    if (position < slide.ms) return { slide, ends: Math.min(t - position + slide.ms, segment.to) };
    position -= slide.ms;
  }
  return null;
}
