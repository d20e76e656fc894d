import type { LoaderFunctionArgs } from "@remix-run/node";
import { can, requireOrganizer } from "~/lib/auth.server";
import { guard } from "~/lib/http.server";
import { requirePetition } from "~/models/admin-petitions.server";
import { csvDownloadHeaders, exportFileName, openSignaturesExport, plainTextErrors, plainTextResponse } from "~/models/export.server";
import { parseExportFilters } from "~/validation/export.server";

/**
 * GET /admin/petitions/:slug/export?status=&from=&to=&state=&optedIn= — the
 * petition's signers as a CSV, streamed as the client reads and audited when it ends.
 * Organizers and owners (and admins); a viewer gets 403, another
 * organization's petition is a 404, a bad filter a 400 that says which.
 */
export const loader = /* @__PURE__ */ guard(({ request, params, context }: LoaderFunctionArgs) =>
  plainTextErrors(async () => {
    const organizer = await requireOrganizer(request, context);
    const { db } = context.services;
    const petition = await requirePetition(db, organizer, params.slug ?? "", "viewer");
    if (!can(organizer, petition.organizationId, "organizer")) {
      return plainTextResponse(403, "Viewers see the numbers only: ask an owner of the organization for the organizer role to export signers.");
    }
    const filters = parseExportFilters(new URL(request.url).searchParams);
    if (!filters.ok) return plainTextResponse(400, `Bad export filter: ${filters.message}.`);
    const body = await openSignaturesExport(db, { organizer, petition, filters: filters.value, signal: request.signal });
    return new Response(body, { headers: csvDownloadHeaders(exportFileName(petition.slug, "signatures")) });
  }),
);
