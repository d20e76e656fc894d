import { randomBytes } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDelivery, scheduleDueDeliveries } from "../../app/models/deliveries.server";
import type { SignatureStatus } from "../../db/schema";
import { startTestApp, type TestApp } from "../support/app";
import { createTestDatabase, type TestDatabase } from "../support/db";
import { waitUntil } from "../support/factories";
import { startSmtpSink, type CapturedMail, type SmtpSink } from "../support/smtp";

// Digests to officials on Postgres, sent by the in-process runner through a real SMTP server.

const DAY_MS = 86_400_000;
const SF_MAYOR = "mayor.san-francisco-ca@example.org";
const SF_SHERIFF = "sheriff.san-francisco-ca@example.org";

let database: TestDatabase;
let smtp: SmtpSink;
let app: TestApp;

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  app = await startTestApp({ DATABASE_URL: database.url, SMTP_URL: smtp.url });
});

afterAll(async () => {
  await app?.close();
  await smtp?.close();
  await database?.drop();
});

/** A petition of its own per test (local officials, city and county), so tests do not see each other's deliveries. */
async function createPetition(options: { intervalSeconds?: number } = {}) {
  const db = database.db;
  const organization = await db.selectFrom("organizations").select("id").executeTakeFirstOrThrow();
  const slug = `delivery-test-${randomBytes(4).toString("hex")}`;
  const title = `Petition ${slug}`;
  const petition = await db
    .insertInto("petitions")
    .values({
      organization_id: organization.id,
      slug,
      status: "open",
      target_rule: "local",
      target_levels: ["city", "county"],
      delivery_interval_seconds: options.intervalSeconds ?? null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await db
    .insertInto("petition_translations")
    .values([
      { petition_id: petition.id, locale: "en", title, summary: "Protect our neighbors.", body: "Body" },
      { petition_id: petition.id, locale: "es", title: `Petición ${slug}`, summary: "Protejan a nuestros vecinos.", body: "Cuerpo" },
    ])
    .execute();
  return { id: petition.id, slug, title };
}

interface SignerSpec {
  firstName: string;
  lastName: string;
  zip?: string;
  status?: SignatureStatus;
}

/** Inserts signatures as the signing flow leaves them (confirmed ones with confirmed_at); returns their ids. */
async function addSignatures(petitionId: number, signers: SignerSpec[]): Promise<number[]> {
  const rows = await database.db
    .insertInto("signatures")
    .values(
      signers.map((s) => {
        const email = `${s.firstName}.${s.lastName}.${randomBytes(3).toString("hex")}@example.com`.toLowerCase();
        const status = s.status ?? "confirmed";
        const zip = s.zip ?? "94110";
        return {
          petition_id: petitionId,
          first_name: s.firstName,
          last_name: s.lastName,
          email,
          email_normalized: email,
          postal_code: zip,
          zip5: zip,
          city: zip === "94110" ? "San Francisco" : null,
          state: zip === "94110" ? "CA" : null,
          locale: "en" as const,
          status,
          confirmed_at: status === "confirmed" ? sql<Date>`now()` : null,
        };
      }),
    )
    .returning("id")
    .execute();
  return rows.map((r) => r.id);
}

async function targetId(email: string): Promise<number> {
  const row = await database.db.selectFrom("targets").select("id").where("email", "=", email).executeTakeFirstOrThrow();
  return row.id;
}

async function deliveriesOf(petitionId: number) {
  return database.db
    .selectFrom("deliveries as d")
    .innerJoin("targets as t", "t.id", "d.target_id")
    .select(["d.id", "d.status", "d.signature_count", "d.error", "d.sent_at", "t.email"])
    .where("d.petition_id", "=", petitionId)
    .orderBy("d.id")
    .execute();
}

/** The signer names ("First Last") in a digest's CSV attachment. */
function csvSigners(mail: CapturedMail): string[] {
  const csv = mail.attachments.find((a) => a.filename?.endsWith(".csv"));
  if (!csv) throw new Error("no CSV attachment");
  const lines = csv.content.toString("utf8").replace(/^\uFEFF/, "").split("\r\n").filter(Boolean);
  expect(lines[0]).toBe("first_name,last_name,postal_code,city,state,comment,confirmed_at");
  return lines.slice(1).map((line) => line.split(",").slice(0, 2).join(" "));
}

function digestsFor(title: string, to: string): CapturedMail[] {
  return smtp.messages.filter((m) => m.to === to && m.subject.includes(title));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("delivering signatures to officials", () => {
  it("sends the mayor and the sheriff one digest each with a CSV of the signers, then waits for the interval", async () => {
    const petition = await createPetition({ intervalSeconds: 3 });
    await addSignatures(petition.id, [
      { firstName: "Alma", lastName: "Uno" },
      { firstName: "Beto", lastName: "Dos" },
      { firstName: "Cira", lastName: "Tres" },
    ]);

    const created = await scheduleDueDeliveries(database.db, DAY_MS);
    const firstRun = Date.now();
    const deliveries = await deliveriesOf(petition.id);
    expect(deliveries.map((d) => d.email).sort()).toEqual([SF_MAYOR, SF_SHERIFF]);
    expect(deliveries.map((d) => d.signature_count)).toEqual([3, 3]);
    expect(created.every((id) => deliveries.some((d) => d.id === id))).toBe(true);

    // Signed after the digest: not sent within the interval, however often the scheduler runs.
    await addSignatures(petition.id, [
      { firstName: "Dora", lastName: "Cuatro" },
      { firstName: "Elio", lastName: "Cinco" },
    ]);
    await scheduleDueDeliveries(database.db, DAY_MS);
    expect(Date.now() - firstRun).toBeLessThan(3_000);
    expect(await deliveriesOf(petition.id)).toHaveLength(2);

    for (const to of [SF_MAYOR, SF_SHERIFF]) {
      const [digest] = await smtp.waitFor((m) => m.to === to && m.subject.includes(petition.title));
      expect(digest.subject).toMatch(/^3 constituents of .*San Francisco signed/);
      expect(csvSigners(digest).sort()).toEqual(["Alma Uno", "Beto Dos", "Cira Tres"]);
      expect(digest.text).toContain("Alma Uno (94110 San Francisco, CA)");
      expect(digest.text + digest.html).not.toContain("@example.com");
    }
    await waitUntil(async () => (await deliveriesOf(petition.id)).every((d) => d.status === "sent"), 5_000, "deliveries sent");

    await sleep(Math.max(0, firstRun + 3_100 - Date.now()));
    await scheduleDueDeliveries(database.db, DAY_MS);
    const later = await deliveriesOf(petition.id);
    expect(later).toHaveLength(4);
    expect(later.slice(2).map((d) => d.signature_count)).toEqual([2, 2]);
    for (const to of [SF_MAYOR, SF_SHERIFF]) {
      await smtp.waitFor((m) => m.to === to && m.subject.includes(petition.title), 2);
      const second = digestsFor(petition.title, to)[1];
      expect(csvSigners(second).sort()).toEqual(["Dora Cuatro", "Elio Cinco"]);
      expect(second.text).toContain("In total, 5 constituents of yours have signed so far.");
    }
  });

  it("honours a default interval that is not a whole number of seconds (DELIVERY_INTERVAL=1500ms)", async () => {
    const petition = await createPetition();
    await addSignatures(petition.id, [{ firstName: "Fina", lastName: "Seis" }]);
    await scheduleDueDeliveries(database.db, 1_500);
    const firstRun = Date.now();
    expect(await deliveriesOf(petition.id)).toHaveLength(2);

    await addSignatures(petition.id, [{ firstName: "Gil", lastName: "Siete" }]);
    await scheduleDueDeliveries(database.db, 1_500);
    expect(Date.now() - firstRun).toBeLessThan(1_500);
    expect(await deliveriesOf(petition.id)).toHaveLength(2);

    await sleep(Math.max(0, firstRun + 1_600 - Date.now()));
    await scheduleDueDeliveries(database.db, 1_500);
    expect((await deliveriesOf(petition.id)).map((d) => d.signature_count)).toEqual([1, 1, 1, 1]);
  });

  it("delivers each signature to each official exactly once when digests are made concurrently", async () => {
    const petition = await createPetition();
    const signers = Array.from({ length: 200 }, (_, i) => ({ firstName: `Signer${i}`, lastName: "Concurrent" }));
    const ids = await addSignatures(petition.id, signers);
    const mayor = await targetId(SF_MAYOR);

    const results = await Promise.all([
      ...Array.from({ length: 10 }, () =>
        createDelivery(database.db, { petitionId: petition.id, targetId: mayor }, { defaultIntervalMs: DAY_MS, force: true }),
      ),
      scheduleDueDeliveries(database.db, DAY_MS),
      scheduleDueDeliveries(database.db, DAY_MS),
    ]);
    expect(results.flat().filter((id) => id !== null).length).toBeGreaterThanOrEqual(2);

    const claims = await database.db
      .selectFrom("delivery_signatures as ds")
      .innerJoin("targets as t", "t.id", "ds.target_id")
      .select(["t.email", "ds.signature_id", sql<number>`count(*)::int`.as("n")])
      .where("ds.signature_id", "in", ids)
      .groupBy(["t.email", "ds.signature_id"])
      .execute();
    expect(claims.filter((c) => c.n !== 1)).toEqual([]);
    expect(claims.filter((c) => c.email === SF_MAYOR)).toHaveLength(200);
    expect(claims.filter((c) => c.email === SF_SHERIFF)).toHaveLength(200);

    const deliveries = await deliveriesOf(petition.id);
    for (const to of [SF_MAYOR, SF_SHERIFF]) {
      const mine = deliveries.filter((d) => d.email === to);
      expect(mine.every((d) => d.signature_count > 0)).toBe(true);
      expect(mine.reduce((sum, d) => sum + d.signature_count, 0)).toBe(200);
    }

    await waitUntil(async () => (await deliveriesOf(petition.id)).every((d) => d.status === "sent"), 15_000, "deliveries sent");
    await sleep(300);
    for (const to of [SF_MAYOR, SF_SHERIFF]) {
      const listed = digestsFor(petition.title, to).flatMap(csvSigners);
      expect(listed).toHaveLength(200);
      expect(new Set(listed).size).toBe(200);
    }
  });

  it("reaches no official for an unknown ZIP, never delivers pending or invalidated signatures, and skips inactive officials", async () => {
    const petition = await createPetition();
    const nySheriff = await database.db
      .selectFrom("targets")
      .select(["id", "email"])
      .where("email", "=", "sheriff.new-york-city-ny@example.org")
      .executeTakeFirstOrThrow();
    await database.db.updateTable("targets").set({ active: false }).where("id", "=", nySheriff.id).execute();
    try {
      const [nowhere, pending, invalidated, counted, newYorker] = await addSignatures(petition.id, [
        { firstName: "Nadie", lastName: "Desconocido", zip: "00000" },
        { firstName: "Pepa", lastName: "Pendiente", status: "pending" },
        { firstName: "Ines", lastName: "Invalidada", status: "invalidated" },
        { firstName: "Vera", lastName: "Valida" },
        { firstName: "Nico", lastName: "Neoyorquino", zip: "10001" },
      ]);
      await scheduleDueDeliveries(database.db, DAY_MS);

      const deliveries = await deliveriesOf(petition.id);
      expect(deliveries.map((d) => d.email).sort()).toEqual(["mayor.new-york-ny@example.org", SF_MAYOR, SF_SHERIFF]);
      expect(deliveries.map((d) => d.signature_count)).toEqual([1, 1, 1]);
      const claimed = await database.db
        .selectFrom("delivery_signatures")
        .select("signature_id")
        .where("signature_id", "in", [nowhere, pending, invalidated, counted, newYorker])
        .execute();
      expect(claimed.map((c) => c.signature_id).sort()).toEqual([counted, counted, newYorker].sort());

      await waitUntil(async () => (await deliveriesOf(petition.id)).every((d) => d.status === "sent"), 10_000, "deliveries sent");
      const mails = smtp.messages.filter((m) => m.subject.includes(petition.title));
      expect(mails.map((m) => m.to)).not.toContain(nySheriff.email);
      const listed = mails.flatMap(csvSigners);
      expect(listed.sort()).toEqual(["Nico Neoyorquino", "Vera Valida", "Vera Valida"]);
    } finally {
      await database.db.updateTable("targets").set({ active: true }).where("id", "=", nySheriff.id).execute();
    }
  });

  it("marks a digest that the mail server refuses for good as failed, with the error, and does not retry it", async () => {
    const petition = await createPetition();
    await addSignatures(petition.id, [{ firstName: "Rosa", lastName: "Rechazada" }]);
    const mayor = await targetId(SF_MAYOR);
    smtp.rejectWith(550);
    let deliveryId: number | null;
    try {
      deliveryId = await createDelivery(database.db, { petitionId: petition.id, targetId: mayor }, { defaultIntervalMs: DAY_MS, force: true });
      expect(deliveryId).not.toBeNull();
      await waitUntil(
        async () => (await deliveriesOf(petition.id)).some((d) => d.status === "failed"),
        10_000,
        "the delivery to fail",
      );
    } finally {
      smtp.rejectWith(null);
    }
    const [delivery] = await deliveriesOf(petition.id);
    expect(delivery).toMatchObject({ id: deliveryId, status: "failed", sent_at: null });
    expect(delivery.error).toContain("550");
    expect(delivery.error).not.toContain(SF_MAYOR);

    const outbox = await database.db
      .selectFrom("outbox")
      .select(["status", "last_error"])
      .where(sql<boolean>`(payload->>'deliveryId')::int = ${deliveryId}`)
      .executeTakeFirstOrThrow();
    expect(outbox.status).toBe("failed");
    expect(outbox.last_error).toContain("550");

    // The server takes mail again; a retry would now get through, and must not happen.
    await sleep(2_500);
    expect(digestsFor(petition.title, SF_MAYOR)).toHaveLength(0);
    expect((await deliveriesOf(petition.id))[0].status).toBe("failed");
  });
});
