import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { endSession } from "~/lib/auth.server";
import { readForm } from "~/lib/http.server";

export async function action({ request, context }: ActionFunctionArgs) {
  await readForm(request);
  return redirect("/admin/login", { headers: { "Set-Cookie": await endSession(request, context) } });
}

export async function loader() {
  return redirect("/admin");
}
