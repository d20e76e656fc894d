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
