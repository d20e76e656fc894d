import { data } from "@remix-run/node";

export async function loader() {
  throw data({ messageKey: "notFound.body" }, { status: 404 });
}

export async function action() {
  throw data({ messageKey: "notFound.body" }, { status: 404 });
}

export default function NotFound() {
  return null;
}
