import { describe, expect, it } from "vitest";
import { CopyCsvRecords, inlineParameters, sqlLiteral } from "~/models/export-copy.server";

// COPY's CSV output (records end in ",\n": the empty last column) turned into CRLF records, whatever the chunking.

const COPY_OUTPUT = [
  `Ana,López,ana@example.com,,\n`,
  `"Smith, Jr.","Say ""no""","line one\nline two",,\n`,
  `"crlf\r\ninside","ends in LF\n",x,,\n`,
  `"",",\n,",'=1,,\n`,
].join("");
const EXPECTED = [
  `Ana,López,ana@example.com,\r\n`,
  `"Smith, Jr.","Say ""no""","line one\nline two",\r\n`,
  `"crlf\r\ninside","ends in LF\n",x,\r\n`,
  `"",",\n,",'=1,\r\n`,
].join("");

function run(chunks: Buffer[]): { text: string; records: number; handedBack: number[] } {
  const records = new CopyCsvRecords();
  const out: Buffer[] = [];
  const handedBack: number[] = [];
  for (const chunk of chunks) {
    const ready = records.push(chunk);
    if (ready) out.push(ready);
    handedBack.push(records.records);
  }
  const last = records.flush();
  if (last) out.push(last);
  return { text: Buffer.concat(out).toString("utf8"), records: records.records, handedBack };
}

describe("CopyCsvRecords", () => {
  it("ends every record in CRLF and counts them, with line breaks inside quoted fields left alone", () => {
    expect(run([Buffer.from(COPY_OUTPUT)])).toMatchObject({ text: EXPECTED, records: 4 });
  });

  it("gives the same bytes and count wherever the chunks are cut", () => {
    const bytes = Buffer.from(COPY_OUTPUT);
    for (let cut = 1; cut < bytes.length; cut++) {
      for (const second of [cut + 1, cut + 7, bytes.length]) {
        const pieces = [bytes.subarray(0, cut), bytes.subarray(cut, Math.min(second, bytes.length)), bytes.subarray(Math.min(second, bytes.length))].map((b) =>
          Buffer.from(b),
        );
        expect(run(pieces.filter((p) => p.length > 0)), `cut at ${cut}, ${second}`).toMatchObject({ text: EXPECTED, records: 4 });
      }
    }
    // One byte at a time: every record end straddles a chunk boundary.
    expect(run([...bytes].map((b) => Buffer.from([b])))).toMatchObject({ text: EXPECTED, records: 4 });
  });

  it("counts only the records of the chunks handed back (what the consumer got)", () => {
    const [a, b] = [Buffer.from("a,,\nb,,\n"), Buffer.from("c,,\n")];
    const { handedBack } = run([a, b]);
    expect(handedBack).toEqual([0, 2]);
  });

  it("refuses output whose records lack the empty last column", () => {
    expect(() => run([Buffer.from("a,b\n")])).toThrow(/empty last column/);
    expect(() => run([Buffer.from('"open,,\n')])).toThrow(/inside a quoted field/);
  });
});

describe("inlineParameters", () => {
  it("writes integers, booleans, dates and strings as SQL literals", () => {
    const text = inlineParameters({
      sql: "select 1 where a = $1 and b = $2 and c >= $3 and d = $4",
      parameters: [42, true, new Date("2026-11-01T00:00:00.000Z"), "O'Brien \\ x"],
    });
    expect(text).toBe("select 1 where a = 42 and b = true and c >= '2026-11-01T00:00:00.000Z'::timestamptz and d = 'O''Brien \\ x'");
    // $11 is the eleventh parameter, not the first followed by a 1.
    const eleven = Array.from({ length: 11 }, (_, i) => i);
    expect(inlineParameters({ sql: eleven.map((i) => `$${i + 1}`).join(","), parameters: eleven })).toBe(eleven.join(","));
  });

  it("refuses what it cannot write safely, and placeholders that do not match the parameters", () => {
    expect(() => sqlLiteral(1.5)).toThrow(TypeError);
    expect(() => sqlLiteral(Number.NaN)).toThrow(TypeError);
    expect(() => sqlLiteral(new Date("nope"))).toThrow(TypeError);
    expect(() => sqlLiteral("a\0b")).toThrow(TypeError);
    expect(() => sqlLiteral(null)).toThrow(TypeError);
    expect(() => sqlLiteral({ toString: () => "1" })).toThrow(TypeError);
    expect(() => inlineParameters({ sql: "select $2", parameters: [1] })).toThrow(/no parameter/);
    expect(() => inlineParameters({ sql: "select $1", parameters: [1, 2] })).toThrow(/no placeholder/);
  });
});
