import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unsubscribeToken } from "../../app/lib/subscriber-links.server";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { addFollower, CAMPUS, CASA, campaignId, followsOf, unsubscribePath } from "../support/subscribers";

// One-click unsubscribe (RFC 8058) on Postgres, through the real HTTP stack.

let database: TestDatabase;
let app: TestApp;
let campus: number;
let casa: number;

beforeAll(async () => {
  database = await createTestDatabase();
  app = await startTestApp({ DATABASE_URL: database.url });
  campus = await campaignId(database.db, CAMPUS);
  casa = await campaignId(database.db, CASA);
});

afterAll(async () => {
  await app?.close();
  await database?.drop();
});

/** The POST a mail provider's server makes: no cookies, no Origin, no Sec-Fetch-* headers. */
function oneClick(path: string): Promise<Response> {
  return fetch(app.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: "List-Unsubscribe=One-Click",
  });
}

describe("one-click unsubscribe", () => {
  it("unsubscribes at once on a cookieless POST without Origin, answers 2xx, and is idempotent", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed", [CASA]: "confirmed" } });
    const path = unsubscribePath(subscriberId, campus);

    const res = await oneClick(path);
    expect(res.status).toBe(200);
    expect(res.headers.get("location")).toBeNull();
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("referrer-policy")).toBe("no-referrer");
    expect(await res.text()).toContain("you will get no more updates of “Sanctuary Campus Movement”");
    // The token names one campaign: the other follow is untouched.
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "confirmed" });
    const follow = await database.db
      .selectFrom("follows")
      .select("unsubscribed_at")
      .where("subscriber_id", "=", subscriberId)
      .where("campaign_id", "=", campus)
      .executeTakeFirstOrThrow();
    expect(follow.unsubscribed_at).not.toBeNull();

    const again = await oneClick(path);
    expect(again.status).toBe(200);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed", [CASA]: "confirmed" });
  });

  it("never unsubscribes on GET, and shows a button and a link to the preferences page", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CASA]: "confirmed" } });
    const path = unsubscribePath(subscriberId, casa);
    for (let i = 0; i < 2; i++) {
      const res = await app.get(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("no-store");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      const html = await res.text();
      expect(html).toContain('<meta name="robots" content="noindex"/>');
      expect(html).toContain("Stop getting the updates of “CASA de Maryland Trust Act Campaign” by email?");
      expect(html).toMatch(/<form method="post"[^>]*>[\s\S]*<button type="submit"[^>]*>Unsubscribe<\/button>/);
      expect(html).toContain(`href="/preferences/${subscriberId}.`);
    }
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CASA]: "confirmed" });

    // The page's own button (a browser POST on this site) unsubscribes too.
    const pressed = await app.post(path, {});
    expect(pressed.status).toBe(200);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CASA]: "unsubscribed" });
    const after = await (await app.get(path)).text();
    expect(after).toContain("You do not get the updates of “CASA de Maryland Trust Act Campaign”.");
    expect(after).not.toContain(">Unsubscribe</button>");
  });

  it("speaks the language of the link", async () => {
    const { subscriberId } = await addFollower(database.db, { locale: "es", follows: { [CAMPUS]: "confirmed" } });
    const html = await (await app.get(`${unsubscribePath(subscriberId, campus)}?lang=es`)).text();
    expect(html).toContain("¿Dejar de recibir por correo las novedades de “Movimiento de Campus Santuario”?");
    expect(html).toContain(">Darme de baja</button>");
  });

  it("answers a forged, tampered or malformed token with 404 and changes nothing", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed", [CASA]: "confirmed" } });
    const good = unsubscribeToken("test-session-secret-that-is-at-least-32-characters", subscriberId, campus);
    const mac = good.split(".")[2];
    const forged = [
      `/unsubscribe/${unsubscribeToken("another-secret-that-is-at-least-32-characters!", subscriberId, campus)}`,
      // Campaign A's signature with campaign B's id.
      `/unsubscribe/${subscriberId}.${casa}.${mac}`,
      `/unsubscribe/${subscriberId + 1}.${campus}.${mac}`,
      "/unsubscribe/not-a-token",
      `/unsubscribe/${good}.extra`,
      "/unsubscribe/0.0.AAAA",
    ];
    for (const path of forged) {
      expect((await app.get(path)).status, path).toBe(404);
      expect((await oneClick(path)).status, path).toBe(404);
      expect((await app.post(path, {})).status, path).toBe(404);
    }
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "confirmed", [CASA]: "confirmed" });
  });

  it("answers 404 for a correctly signed link to a campaign that does not exist", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed" } });
    expect((await app.get(unsubscribePath(subscriberId, 999_999))).status).toBe(404);
    expect((await oneClick(unsubscribePath(subscriberId, 999_999))).status).toBe(404);
  });

  it("still answers 2xx for someone who no longer follows (erased or never confirmed), and unsubscribes a pending follow", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "pending" } });
    expect((await oneClick(unsubscribePath(subscriberId, campus))).status).toBe(200);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed" });
    // No follow of that campaign at all.
    expect((await oneClick(unsubscribePath(subscriberId, casa))).status).toBe(200);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "unsubscribed" });
  });

  it("refuses the same POST with another site's Origin (a browser form on another site)", async () => {
    const { subscriberId } = await addFollower(database.db, { follows: { [CAMPUS]: "confirmed" } });
    const res = await app.post(unsubscribePath(subscriberId, campus), { "List-Unsubscribe": "One-Click" }, { Origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(await followsOf(database.db, subscriberId)).toEqual({ [CAMPUS]: "confirmed" });
  });
});
