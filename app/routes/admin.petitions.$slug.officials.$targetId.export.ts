import type { LoaderFunctionArgs } from "@remix-run/node";
import { can, requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { requirePetition } from "~/models/admin-petitions.server";
import { csvDownloadHeaders, exportFileName, findExportTarget, openDeliveredExport, plainTextErrors, plainTextResponse } from "~/models/export.server";
import { parseTargetId } from "~/validation/export.server";

const NOT_FOUND = "We could not find that official for this petition.";

/**
 * GET /admin/petitions/:slug/officials/:targetId/export — what the petition's
 * sent digests delivered to one official, as a streamed CSV (delivery id and
 * time, then the signer columns), audited when it ends. Same roles as the
 * petition export.
 */
export const loader = /* @__PURE__ */ guard(({ request, params, context }: LoaderFunctionArgs) =>
  plainTextErrors(async () => {
    const organizer = await requireOrganizer(request, context);
    const { db } = context.services;
    const petition = await requirePetition(db, organizer, params.slug ?? "", "viewer");
    if (!can(organizer, petition.organizationId, "organizer")) {
      return plainTextResponse(403, "Viewers see the numbers only: ask an owner of the organization for the organizer role to export signers.");
    }
    const targetId = parseTargetId(params.targetId);
    const target = targetId === null ? null : await findExportTarget(db, petition, targetId);
    if (!target) return plainTextResponse(404, NOT_FOUND);
    const body = await openDeliveredExport(db, { organizer, petition, target, signal: request.signal });
    return new Response(body, { headers: csvDownloadHeaders(exportFileName(petition.slug, "official", target.id)) });
  }),
);
