import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createMemoryMailRateLimiter, sendInterval } from "../../jobs/mail-rate";

// The in-process pace (embedded mode). The Redis pace shared by workers is tested
// against real Redis in tests/integration/update-fanout.test.ts.

/** Starts `n` acquires at once and returns the (fake) time at which each resolved, from the start. */
async function releaseTimes(perMinute: number, n: number, advanceMs: number): Promise<number[]> {
  const limiter = createMemoryMailRateLimiter(perMinute);
  const start = Date.now();
  const times: number[] = [];
  const all = Array.from({ length: n }, () => limiter.acquire().then(() => times.push(Date.now() - start)));
  await vi.advanceTimersByTimeAsync(advanceMs);
  await Promise.all(all);
  return times.sort((a, b) => a - b);
}

describe("the in-process mail pace", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: new Date("2026-11-25T12:00:00.250Z") });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("spaces messages evenly: 600 a minute is one every 100 ms, not ten at the start of each second", async () => {
    const times = await releaseTimes(600, 30, 5_000);
    expect(times[0]).toBe(0);
    expect(times.at(-1)).toBe(2_900);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(100);
  });

  it("keeps the exact rate when the cap is not a multiple of 60", async () => {
    // A one-second window would round 90 a minute down to 60, and 59 down to 30.
    for (const perMinute of [90, 59, 7]) {
      const times = await releaseTimes(perMinute, perMinute + 1, 61_000);
      expect(times.at(-1), `${perMinute} a minute`).toBeGreaterThanOrEqual(59_999);
      expect(times.at(-1), `${perMinute} a minute`).toBeLessThanOrEqual(60_001);
    }
  });

  it("lets a message go at once after a quiet spell, without a burst to make up for it", async () => {
    const limiter = createMemoryMailRateLimiter(60);
    await limiter.acquire();
    await vi.advanceTimersByTimeAsync(10_000);
    const start = Date.now();
    let second = -1;
    let third = -1;
    void limiter.acquire().then(() => (second = Date.now() - start));
    void limiter.acquire().then(() => (third = Date.now() - start));
    await vi.advanceTimersByTimeAsync(2_000);
    expect(second).toBe(0);
    expect(third).toBe(1_000);
  });

  it("does not wait at all without a cap (0)", async () => {
    const limiter = createMemoryMailRateLimiter(0);
    expect(limiter.perMinute).toBe(0);
    let done = 0;
    await Promise.all(Array.from({ length: 1_000 }, () => limiter.acquire().then(() => done++)));
    expect(done).toBe(1_000);
  });

  it("reports the interval between messages", () => {
    expect(sendInterval(600)).toBe(100);
    expect(sendInterval(1)).toBe(60_000);
    expect(sendInterval(90)).toBeCloseTo(666.667, 2);
  });
});
