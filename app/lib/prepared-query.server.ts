import type { Compilable, CompiledQuery, Kysely } from "kysely";

/**
 * A query Kysely builds and compiles once per database, then runs with new
 * values. Building and compiling a query with joins costs Kysely about 0.1 ms
 * of CPU each time, which a page polled by crowds pays on every view for the
 * same SQL text.
 *
 * `build` gets one placeholder per argument and must use each as a plain value
 * (`where(column, "=", placeholder)`): the placeholders are swapped for the
 * arguments in the compiled query's parameters, so a placeholder that Kysely
 * would turn into SQL (a list for `in`, a column name) is not allowed. The
 * compiled query is reused as it is, so this is for databases without Kysely
 * plugins that keep per-query state (there are none here).
 */
export function preparedQuery<DB, Args extends readonly unknown[], Row>(
  arity: Args["length"],
  build: (db: Kysely<DB>, ...placeholders: Args) => Compilable<Row>,
): (db: Kysely<DB>, ...args: Args) => Promise<Row[]> {
  const compiled = new WeakMap<Kysely<DB>, { query: CompiledQuery<Row>; slots: (number | null)[] }>();
  const placeholders = Array.from({ length: arity }, (_, i) => `\u0000placeholder ${i}\u0000`);
  const prepare = (db: Kysely<DB>) => {
    const query = build(db, ...(placeholders as unknown as Args)).compile();
    // For each parameter: the argument it stands for, or null for a constant of the query itself.
    const slots = query.parameters.map((value) => {
      const index = placeholders.indexOf(value as string);
      return index === -1 ? null : index;
    });
    const used = new Set(slots.filter((slot) => slot !== null));
    if (used.size !== arity) throw new Error(`preparedQuery: ${arity - used.size} placeholder(s) did not become parameters`);
    return { query, slots };
  };
  return async (db, ...args) => {
    let entry = compiled.get(db);
    if (!entry) {
      entry = prepare(db);
      compiled.set(db, entry);
    }
    const { query, slots } = entry;
    const parameters = slots.map((slot, i) => (slot === null ? query.parameters[i] : args[slot]));
    const result = await db.executeQuery<Row>({ ...query, parameters });
    return result.rows;
  };
}

/**
 * preparedQuery with named values, for statements with many of them (an
 * INSERT of a whole row): `build` gets an object of placeholders, one per
 * name, under the same rule, and the returned function takes the values by name.
 */
export function preparedStatement<DB, Values extends object, Row>(
  names: readonly (keyof Values & string)[],
  build: (db: Kysely<DB>, placeholders: Values) => Compilable<Row>,
): (db: Kysely<DB>, values: Values) => Promise<Row[]> {
  const run = preparedQuery<DB, unknown[], Row>(names.length, (db, ...placeholders) =>
    build(db, Object.fromEntries(names.map((name, i) => [name, placeholders[i]])) as Values),
  );
  return (db, values) => run(db, ...names.map((name) => values[name]));
}
