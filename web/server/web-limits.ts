/** The bounds socklab web keeps, whatever the pages and the lab do (docs/web.md lists them). */
export const WEB_LIMITS = {
  /** Pages with an open event stream at once; one more is refused with ERR_WEB_TOO_MANY_PAGES. */
  maxPages: 4,
  /** How often the sockets of every lab container are read, while a page is open. */
  socketPollMs: 1_000,
  /** How often the lab's containers and networks are read, while a page is open. */
  labPollMs: 5_000,
  /** At most one event per topic (sockets, ladder, lab, faults, tour) per page this often. */
  minPushIntervalMs: 250,
  /** The ladder shows the newest events of the recording, this many at most. */
  ladderMaxEvents: 160,
  /** The trace behind the ladder keeps the newest events, this many at most, however long a page is open. */
  traceKeptEvents: 2_000,
  /** The lines of tour output a page is sent, the newest kept. */
  tourMaxLines: 200,
  /** A fault applied from a page lasts at most this long (and ends with the page in any case). */
  pageFaultMaxSeconds: 300,
  /** The largest request body accepted. */
  maxBodyBytes: 4_096,
} as const;
