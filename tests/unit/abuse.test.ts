import { describe, expect, it } from "vitest";
import { hashIp, isAllowListed, parseAllowList, parseRateLimits } from "~/lib/abuse.server";

describe("signing rate limits", () => {
  it("reads limit lists and 'off'", () => {
    expect(parseRateLimits("1/1m,5/5m")).toEqual([
      { count: 1, windowSeconds: 60 },
      { count: 5, windowSeconds: 300 },
    ]);
    expect(parseRateLimits(" 3 / 30s ")).toEqual([{ count: 3, windowSeconds: 30 }]);
    expect(parseRateLimits("off")).toEqual([]);
  });
  it.each(["", "1", "0/1m", "x/1m", "1/forever", "1/1m,"])("rejects %j", (text) => {
    expect(parseRateLimits(text)).toBeNull();
  });
});

describe("the allow-list for shared connections", () => {
  const list = parseAllowList("203.0.113.0/24, 198.51.100.7, 2001:db8::/32")!;
  it("matches addresses and ranges of both families", () => {
    expect(isAllowListed(list, "203.0.113.200")).toBe(true);
    expect(isAllowListed(list, "198.51.100.7")).toBe(true);
    expect(isAllowListed(list, "2001:db8::1")).toBe(true);
    expect(isAllowListed(list, "198.51.100.8")).toBe(false);
    expect(isAllowListed(list, "not-an-ip")).toBe(false);
  });
  it.each(["300.1.1.1", "10.0.0.0/33", "library"])("rejects %j", (text) => {
    expect(parseAllowList(text)).toBeNull();
  });
  it("is empty by default", () => {
    expect(isAllowListed(parseAllowList("")!, "127.0.0.1")).toBe(false);
  });
});

describe("IP hashing", () => {
  it("is stable per secret and reveals nothing of the address", () => {
    const a = hashIp("203.0.113.9", "secret-one");
    expect(a).toBe(hashIp("203.0.113.9", "secret-one"));
    expect(a).not.toBe(hashIp("203.0.113.9", "secret-two"));
    expect(a).not.toContain("203");
    expect(a).toMatch(/^[0-9a-f]{32}$/);
  });
});
