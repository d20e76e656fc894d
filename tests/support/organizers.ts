import type { Role } from "../../db/schema";
import { createOrganizerAccount, setPasswordWithToken } from "../../app/models/organizers.server";
import type { TestApp } from "./app";

export const PASSWORD = "correct horse battery staple";

/** An organizer with a password, signed in: returns the Cookie header value for their session. */
export async function signedInOrganizer(
  app: TestApp,
  options: { email: string; org?: string; role?: Role | "admin" },
): Promise<{ cookie: string; organizerId: number; organizationId: number }> {
  const account = await createOrganizerAccount(app.services.db, {
    email: options.email,
    organizationSlug: options.org ?? "sanctuary",
    role: options.role ?? "organizer",
  });
  await setPasswordWithToken(app.services.db, account.token, PASSWORD);
  const res = await app.post("/admin/login", { email: options.email, password: PASSWORD });
  if (res.status !== 302) throw new Error(`sign-in failed with ${res.status}`);
  const cookie = res.headers.get("set-cookie")!.split(";")[0];
  return { cookie, organizerId: account.organizerId, organizationId: account.organizationId };
}

/** The petition editor's form (new or edit) as a person fills it in: English only, the signer's city and county as targets. */
export function petitionEditorFields(
  organizationId: number,
  petition: { slug: string; status: string; title?: string },
): Record<string, string | string[]> {
  return {
    intent: "save",
    organizationId: String(organizationId),
    slug: petition.slug,
    titleEn: petition.title ?? "Keep the clinic open",
    summaryEn: "Ask the county to keep the clinic open.",
    bodyEn: "We ask the **county** to keep the clinic open.",
    titleEs: "",
    summaryEs: "",
    bodyEs: "",
    goal: "500",
    status: petition.status,
    campaignId: "",
    targetRule: "local",
    targetLevels: ["city", "county"],
    deliveryInterval: "",
  };
}
