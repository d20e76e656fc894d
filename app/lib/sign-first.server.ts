import type { NextFunction, Request, Response } from "express";
import { localeFromHeaders } from "~/i18n/locale.server";
import { MAX_FORM_BYTES } from "~/lib/http.server";
import { handBodyToRemix } from "~/lib/remix-handler.server";
import { submitSignature } from "~/lib/sign-submission.server";
import { getPetitionRef, peekPetitionRef } from "~/models/petitions.server";
import type { Services } from "~/services.server";

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;
/** The query of the page's own submission with JavaScript: Remix's client posts the form to the route's data URL. */
const REMIX_DATA_QUERY = `?_data=${encodeURIComponent("routes/petitions.$slug")}`;

function readBody(req: Request, length: number): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on("end", () => resolve(size === length ? Buffer.concat(chunks, size) : null));
    // The client left (or sent less than it said): nobody waits for an answer.
    req.on("aborted", () => resolve(null));
    req.on("error", () => resolve(null));
  });
}

/**
 * `POST /petitions/:slug` from the sign form without JavaScript (and any
 * client posting the form as a page would), answered before Remix. Signing
 * is the moment a petition site must not fall over, and through Remix each
 * signature cost about 1 ms of CPU, most of it matching the URL against every
 * route, building a fetch Request and parsing the form through it; here it
 * is the form's own work: validate, one INSERT, a redirect.
 *
 * It answers only the common case, a valid form for an open petition, with
 * the redirect the action gives; everything else goes on to the route's
 * action as if this were not here: an unknown or closed petition before the
 * body is read, and an invalid form with the body it read (handBodyToRemix),
 * so the action renders the page with its errors. The page's submission with
 * JavaScript (Remix's `?_data=` request) is answered as Remix answers it; any
 * other query, multipart forms, and bodies without a length or over the limit
 * go to the action.
 * The cross-site check, security headers and client address come from the
 * middleware before it, as for any route.
 */
export function signBeforeRemix(services: Pick<Services, "db" | "jobs" | "env">) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const length = Number(req.headers["content-length"]);
    const query = req.url.indexOf("?");
    const fromRemixClient = query !== -1 && req.url.slice(query) === REMIX_DATA_QUERY;
    if (
      (query !== -1 && !fromRemixClient) ||
      !FORM_TYPE.test(req.headers["content-type"] ?? "") ||
      !Number.isSafeInteger(length) ||
      length > MAX_FORM_BYTES ||
      req.headers["transfer-encoding"] !== undefined
    ) {
      return next();
    }
    let body: Buffer | null = null;
    try {
      const petition = peekPetitionRef(services.db, req.params.slug) ?? (await getPetitionRef(services.db, req.params.slug));
      if (!petition || petition.status !== "open") return next();
      body = await readBody(req, length);
      if (!body) return;
      const form = new URLSearchParams(body.toString("utf8"));
      const submission = await submitSignature(services, petition, form, { locale: await localeFromHeaders(req.headers.cookie, req.headers["accept-language"]), clientIp: req.ip ?? "" });
      if (submission.ok) {
        // To Remix's client, a redirect is a 204 naming where to go (createRemixRedirectResponse in Remix's server runtime).
        if (fromRemixClient) res.status(204).set({ "X-Remix-Redirect": submission.thanks, "X-Remix-Status": "302" });
        else res.status(302).setHeader("Location", submission.thanks);
        res.end();
        return;
      }
    } catch {
      // The database away, or a bug: the action meets it again and answers as it does (a 503 page, or a logged 500).
    }
    if (body) handBodyToRemix(req, body);
    next();
  };
}
