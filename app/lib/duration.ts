/** `24h`, `15m`, `30s`, `500ms` or `2d` → milliseconds; null for anything else or zero. */
export function parseDuration(value: string): number | null {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) return null;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as "ms"];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : null;
}
