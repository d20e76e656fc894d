import { data, redirect, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AdminErrorPage } from "~/components/admin-error";
import { requireOrganizer } from "~/lib/auth.server";
import { MAX_CSV_BYTES, readCsvForm } from "~/lib/csv-parse.server";
import { guard } from "~/lib/http.server";
import { importTargets, previewTargetImport, targetOwnerOptions } from "~/models/targets-admin.server";
import { fieldErrors, formFields } from "~/validation/organizer.server";
import { MAX_TARGET_ROWS, TARGET_CSV_COLUMNS, TargetImportSchema, validateTargetCsv, type RowError } from "~/validation/targets.server";

export const meta: MetaFunction = () => [{ title: "Import officials · Sanctuary" }, { name: "robots", content: "noindex" }];

const NO_ROLE = "Importing officials takes the organizer or owner role in an organization.";
/** Rows of the file shown in the preview table; the counts cover all of them. */
const PREVIEW_ROWS = 100;

export const loader = /* @__PURE__ */ guard(async ({ request, context }: LoaderFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const owners = await targetOwnerOptions(context.services.db, organizer);
  if (owners.length === 0) throw data({ message: NO_ROLE }, { status: 403 });
  // Sent with the page: values from a .server module do not exist in the browser bundle.
  return { owners, columns: TARGET_CSV_COLUMNS.join(","), maxRows: MAX_TARGET_ROWS };
});

interface PreviewRow {
  row: number;
  name: string;
  office: string;
  level: string;
  jurisdiction: string;
  state: string;
  email: string;
  zipCodes: number;
}

type ActionResult = {
  errors: Record<string, string>;
  rowErrors: RowError[];
  owner: string;
  /** The pasted text, kept so the form shows what was typed. */
  pasted: string;
  preview: null | { csv: string; create: number; update: number; zipCodes: number; rows: PreviewRow[]; total: number; ignoredColumns: string[] };
};

export const action = /* @__PURE__ */ guard(async ({ request, context }: ActionFunctionArgs) => {
  const organizer = await requireOrganizer(request, context);
  const { db } = context.services;
  const owners = await targetOwnerOptions(db, organizer);
  if (owners.length === 0) throw data({ message: NO_ROLE }, { status: 403 });
  const form = await readCsvForm(request);
  const fields = formFields(form, ["owner", "intent", "csv"]);
  const result: ActionResult = { errors: {}, rowErrors: [], owner: fields.owner ?? "", pasted: "", preview: null };
  const parsed = TargetImportSchema.safeParse(fields);
  if (!parsed.success) return data({ ...result, errors: fieldErrors(parsed.error) }, { status: 422 });
  const { owner, intent } = parsed.data;
  if (!owners.some((o) => o.value === (owner === null ? "platform" : String(owner)))) {
    return data({ ...result, errors: { owner: "Choose one of your organizations: you can import only where you are an organizer or owner" } }, { status: 422 });
  }

  // The preview reads the upload (a file, or else the pasted text); the import reads the CSV the preview sent back.
  const file = form.get("file");
  const fromFile = intent === "preview" && file instanceof File && file.size > 0;
  const csvField = fromFile ? "file" : "csv";
  if (fromFile && file.size > MAX_CSV_BYTES) {
    return data({ ...result, errors: { file: "The file is larger than 2 MB: split it into smaller files" } }, { status: 413 });
  }
  const csv = fromFile ? await file.text() : (fields.csv ?? "");
  if (!fromFile) result.pasted = intent === "preview" ? csv : "";
  if (csv.trim() === "") {
    return data({ ...result, errors: { [intent === "preview" ? "file" : "csv"]: "Choose a CSV file, or paste the CSV into the box" } }, { status: 422 });
  }
  if (new TextEncoder().encode(csv).length > MAX_CSV_BYTES) {
    return data({ ...result, errors: { [csvField]: "The CSV is larger than 2 MB: split it into smaller files" } }, { status: 413 });
  }
  if (csv.includes("\uFFFD")) {
    return data(
      { ...result, errors: { [csvField]: "The file is not UTF-8 text: in your spreadsheet, save it as “CSV UTF-8” and upload it again" } },
      { status: 422 },
    );
  }

  const validation = validateTargetCsv(csv);
  const check = await previewTargetImport(db, owner, validation.rows);
  const rowErrors = [...validation.errors, ...check.errors].sort((a, b) => a.row - b.row);
  const preview = {
    csv,
    create: check.create,
    update: check.update,
    zipCodes: check.zipCodes,
    total: validation.rows.length,
    ignoredColumns: validation.ignoredColumns,
    rows: validation.rows.slice(0, PREVIEW_ROWS).map((r) => ({
      row: r.row,
      name: r.name,
      office: r.office,
      level: r.level,
      jurisdiction: r.jurisdiction,
      state: r.state,
      email: r.email,
      zipCodes: r.zip_codes.length,
    })),
  };
  if (rowErrors.length > 0 || intent === "preview") {
    return data({ ...result, rowErrors, preview }, { status: rowErrors.length > 0 ? 422 : 200 });
  }
  const written = await importTargets(db, organizer, owner, validation.rows);
  if (!written.ok) return data({ ...result, rowErrors: written.errors, preview }, { status: 409 });
  return redirect(`/admin/targets?imported=${written.created},${written.updated}`);
});

export default function ImportTargets() {
  const { owners, columns, maxRows } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>() as ActionResult | undefined;
  const navigation = useNavigation();
  const busy = navigation.state === "submitting";
  const errors = result?.errors ?? {};
  const rowErrors = result?.rowErrors ?? [];
  const preview = result?.preview ?? null;
  const owner = result?.owner || owners[0]?.value;
  const ownerLabel = owners.find((o) => o.value === owner)?.label ?? "";
  const errorList = Object.entries(errors);
  return (
    <section>
      <p>
        <Link to="/admin/targets">← Officials</Link>
      </p>
      <h1>Import officials</h1>
      {errorList.length > 0 ? (
        <div className="error-summary" role="alert" tabIndex={-1}>
          <h2>There is a problem with the upload</h2>
          <ul>
            {errorList.map(([name, message]) => (
              <li key={name}>
                <a href={`#${name === "csv" ? "csv" : name}`}>{message}</a>
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      {preview ? (
        <section aria-labelledby="preview-heading" className="import-preview">
          <h2 id="preview-heading">Preview (nothing is saved yet)</h2>
          {rowErrors.length > 0 ? (
            <div className="error-summary" role="alert" tabIndex={-1}>
              <h3>
                {rowErrors.length === 1 ? "1 row needs fixing" : `${rowErrors.length.toLocaleString("en-US")} problems need fixing`} before anything is imported
              </h3>
              <p>Correct the file and upload it again. Row numbers are as a spreadsheet shows them (row 1 is the header).</p>
              <div className="table-scroll">
                <table className="table">
                  <caption>Problems in the file</caption>
                  <thead>
                    <tr>
                      <th scope="col">Row</th>
                      <th scope="col">Column</th>
                      <th scope="col">What to fix</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rowErrors.slice(0, 500).map((e, i) => (
                      <tr key={`${e.row}-${e.field}-${i}`}>
                        <td>{e.row}</td>
                        <td>{e.field}</td>
                        <td>{e.message}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {rowErrors.length > 500 ? <p>…and {(rowErrors.length - 500).toLocaleString("en-US")} more.</p> : null}
            </div>
          ) : (
            <p role="status">
              {preview.total.toLocaleString("en-US")} {preview.total === 1 ? "official" : "officials"} for {ownerLabel}: {preview.create.toLocaleString("en-US")} new,{" "}
              {preview.update.toLocaleString("en-US")} replacing one already on file (their ZIP codes are replaced), {preview.zipCodes.toLocaleString("en-US")} ZIP codes in all.
            </p>
          )}
          {preview.ignoredColumns.length > 0 ? <p className="hint">Columns left out: {preview.ignoredColumns.join(", ")}.</p> : null}
          {preview.rows.length > 0 ? (
            <div className="table-scroll">
              <table className="table">
                <caption>
                  {rowErrors.length > 0 ? "Rows without problems" : "Officials to import"}
                  {preview.total > preview.rows.length ? ` (the first ${preview.rows.length} of ${preview.total.toLocaleString("en-US")})` : ""}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Row</th>
                    <th scope="col">Name</th>
                    <th scope="col">Office</th>
                    <th scope="col">Level</th>
                    <th scope="col">Jurisdiction</th>
                    <th scope="col">Email</th>
                    <th scope="col">ZIP codes</th>
                  </tr>
                </thead>
                <tbody>
                  {preview.rows.map((r) => (
                    <tr key={r.row}>
                      <td>{r.row}</td>
                      <td>{r.name}</td>
                      <td>{r.office}</td>
                      <td>{r.level}</td>
                      <td>
                        {r.jurisdiction}, {r.state}
                      </td>
                      <td>{r.email}</td>
                      <td>{r.zipCodes}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {rowErrors.length === 0 && preview.total > 0 ? (
            <Form method="post" encType="multipart/form-data">
              <input type="hidden" name="owner" value={owner} />
              <input type="hidden" name="csv" value={preview.csv} />
              <button type="submit" name="intent" value="import" className="button-primary" disabled={busy}>
                Import {preview.total.toLocaleString("en-US")} {preview.total === 1 ? "official" : "officials"}
              </button>
            </Form>
          ) : null}
        </section>
      ) : null}

      <h2>{preview ? "Upload another file" : "Upload a CSV"}</h2>
      <p className="hint">
        The first row must name the columns: <code>{columns}</code>. Level is city, county or state; state is a 2-letter code like CA;
        zip_codes lists 5-digit ZIPs separated by spaces or semicolons. At most {maxRows.toLocaleString("en-US")} officials and 2 MB per file. An
        official already on file (same level, jurisdiction, state and office) is updated.
      </p>
      <Form method="post" encType="multipart/form-data" noValidate className="admin-form">
        <div className={`field${errors.owner ? " field-error" : ""}`}>
          <label htmlFor="owner">Officials of</label>
          {errors.owner ? (
            <p className="error-message" id="owner-error">
              {errors.owner}
            </p>
          ) : null}
          <select id="owner" name="owner" defaultValue={owner} aria-describedby={errors.owner ? "owner-error" : undefined}>
            {owners.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
        <div className={`field${errors.file ? " field-error" : ""}`}>
          <label htmlFor="file">CSV file</label>
          {errors.file ? (
            <p className="error-message" id="file-error">
              {errors.file}
            </p>
          ) : null}
          <input id="file" name="file" type="file" accept=".csv,text/csv" aria-describedby={errors.file ? "file-error" : undefined} />
        </div>
        <div className={`field${errors.csv ? " field-error" : ""}`}>
          <label htmlFor="csv">Or paste the CSV</label>
          {errors.csv ? (
            <p className="error-message" id="csv-error">
              {errors.csv}
            </p>
          ) : null}
          <textarea id="csv" name="csv" rows={8} defaultValue={result?.pasted ?? ""} aria-describedby={errors.csv ? "csv-error" : undefined} spellCheck={false} />
        </div>
        <button type="submit" name="intent" value="preview" className="button-primary" disabled={busy}>
          Preview
        </button>
      </Form>
    </section>
  );
}

export function ErrorBoundary() {
  return <AdminErrorPage />;
}
