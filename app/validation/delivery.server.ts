import { z } from "zod";

/** "Deliver now" on a petition's delivery page: one official, or all with signatures waiting. */
export const DeliverNowSchema = z.discriminatedUnion("intent", [
  z.object({ intent: z.literal("deliver"), targetId: z.coerce.number().int().positive().max(2_147_483_647) }),
  z.object({ intent: z.literal("deliver-all") }),
]);

/** `?preview=<official id>` on the delivery page; anything else shows no preview. */
export const PreviewParamSchema = z.coerce.number().int().positive().max(2_147_483_647);

/** The counts "deliver now" redirects back with, to say what it did; anything else shows no notice. */
export const DeliveredNoticeSchema = z.object({
  delivered: z.coerce.number().int().min(0).max(1_000_000),
  signatures: z.coerce.number().int().min(0).max(1_000_000_000),
});
