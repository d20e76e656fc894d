import { z } from "zod";
import { renderDeliveryDigest } from "../../emails/delivery-digest";
import { toDigestSignature } from "../../app/models/deliveries.server";
import type { JobDeps } from "../deps";
import { persistently } from "../persistently";

export const DeliveryDigestPayload = z.object({ deliveryId: z.number().int().positive() });

/**
 * Emails one digest to an official. The signatures were claimed when the
 * delivery was created; this only sends, and checks the delivery's status
 * first so a re-run after success sends nothing.
 */
export async function sendDeliveryDigest(deps: JobDeps, payload: unknown) {
  const { deliveryId } = DeliveryDigestPayload.parse(payload);
  const delivery = await deps.db
    .selectFrom("deliveries as d")
    .innerJoin("targets as t", "t.id", "d.target_id")
    .innerJoin("petitions as p", "p.id", "d.petition_id")
    .innerJoin("petition_translations as pt", (join) => join.onRef("pt.petition_id", "=", "p.id").on("pt.locale", "=", "en"))
    .select(["d.id", "d.status", "d.petition_id", "d.target_id", "t.name", "t.office", "t.jurisdiction", "t.email", "p.slug", "pt.title", "pt.summary"])
    .where("d.id", "=", deliveryId)
    .executeTakeFirst();
  if (!delivery || delivery.status === "sent") return;
  const signatures = await deps.db
    .selectFrom("delivery_signatures as ds")
    .innerJoin("signatures as s", "s.id", "ds.signature_id")
    .select(["s.first_name", "s.last_name", "s.postal_code", "s.city", "s.state", "s.comment", "s.comment_hidden", "s.confirmed_at"])
    .where("ds.delivery_id", "=", deliveryId)
    .where("s.status", "=", "confirmed")
    // A signer who had their data erased still counts (totalToDate) but is not listed: their row would be blank.
    .where("s.erased_at", "is", null)
    .orderBy("s.confirmed_at")
    .execute();
  const total = await deps.db
    .selectFrom("delivery_signatures as ds")
    .innerJoin("deliveries as d", "d.id", "ds.delivery_id")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .where("d.petition_id", "=", delivery.petition_id)
    .where("ds.target_id", "=", delivery.target_id)
    .executeTakeFirstOrThrow();
  const email = renderDeliveryDigest({
    locale: "en",
    targetName: delivery.name,
    targetOffice: delivery.office,
    jurisdiction: delivery.jurisdiction,
    petitionTitle: delivery.title,
    petitionUrl: `${deps.appUrl}/petitions/${delivery.slug}`,
    petitionSummary: delivery.summary,
    signatures: signatures.map(toDigestSignature),
    totalToDate: Number(total.n),
  });
  await deps.mailer.send({ to: delivery.email, ...email });
  await persistently(() =>
    deps.db.updateTable("deliveries").set({ status: "sent", sent_at: new Date(), error: null }).where("id", "=", deliveryId).execute(),
  );
}

/** Records a digest that will not be sent (a permanent SMTP refusal), so the log shows it. */
export async function markDeliveryFailed(deps: JobDeps, payload: unknown, error: string) {
  const parsed = DeliveryDigestPayload.safeParse(payload);
  if (!parsed.success) return;
  await deps.db.updateTable("deliveries").set({ status: "failed", error }).where("id", "=", parsed.data.deliveryId).execute();
}
