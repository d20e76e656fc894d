import { z } from "zod";

export const LoginSchema = z.object({
  email: z.string({ error: "Enter your email address" }).trim().min(1, "Enter your email address").max(254, "Enter a valid email address"),
  password: z.string({ error: "Enter your password" }).min(1, "Enter your password").max(200, "Passwords are at most 200 characters"),
  next: z.string().max(500).optional(),
});

export const SetPasswordSchema = z
  .object({
    password: z
      .string({ error: "Choose a password" })
      .min(10, "Use at least 10 characters")
      .max(200, "Use at most 200 characters"),
    confirm: z.string({ error: "Type the password again" }),
  })
  .refine((value) => value.password === value.confirm, { path: ["confirm"], message: "The two passwords are not the same" });

/** Form fields as strings for zod (a file in a text field counts as missing). */
export function formFields(form: FormData, names: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(names.map((name) => [name, typeof form.get(name) === "string" ? (form.get(name) as string) : undefined]));
}

/** zod issues → the first message per field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = String(issue.path[0] ?? "form");
    errors[key] ??= issue.message;
  }
  return errors;
}
