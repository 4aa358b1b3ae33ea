import { useEffect, useRef } from "react";
import { useApi } from "../../api/ApiProvider";

/** The events complete in ``buffer`` (server-sent events end with a blank line) and what is left of it. Only
 * ``event: notification`` events count; comments (``: keep-alive``) and other events are skipped. */
export function parseEvents(buffer: string): { events: string[]; rest: string } {
  const blocks = buffer.replace(/\r\n/g, "\n").split("\n\n");
  const rest = blocks.pop() ?? "";
  const events: string[] = [];
  for (const block of blocks) {
    const lines = block.split("\n");
    if (!lines.some((l) => l === "event: notification")) continue;
    events.push(lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trimStart()).join("\n"));
  }
  return { events, rest };
}

const FIRST_DELAY_MS = 5_000;
const MAX_DELAY_MS = 120_000;

/**
 * Listens to ``GET /api/v1/notifications/stream`` (server-sent events, read with fetch so the request carries the
 * person's token, which EventSource cannot) and calls ``onNotification`` for each new notification; reconnects with
 * a growing delay (5 s to 2 min) when the stream ends or fails, and stops when the component goes.
 */
export function useNotificationStream(onNotification: () => void): void {
  const api = useApi();
  const callback = useRef(onNotification);
  callback.current = onNotification;
  useEffect(() => {
    const controller = new AbortController();
    let stopped = false;
    const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    void (async () => {
      let delay = FIRST_DELAY_MS;
      while (!stopped) {
        try {
          const { response } = await api.GET("/api/v1/notifications/stream",
            { parseAs: "stream", signal: controller.signal });
          if (response.ok && response.body) {
            delay = FIRST_DELAY_MS;
            const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
            let buffer = "";
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              const parsed = parseEvents(buffer + value);
              buffer = parsed.rest;
              if (parsed.events.length) callback.current();
            }
          }
        } catch {
          // the gateway away or the page leaving: try again later (or stop)
        }
        if (stopped) return;
        await wait(delay);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
      }
    })();
    return () => {
      stopped = true;
      controller.abort();
    };
  }, [api]);
}
