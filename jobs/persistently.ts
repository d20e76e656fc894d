/**
 * Runs a database write until it succeeds, waiting 0.5, 1, 2 … up to 8 s
 * between tries, for about a minute: long enough for a Postgres restart.
 */
export async function persistently<T>(write: () => Promise<T>): Promise<T> {
  let wait = 500;
  for (let elapsed = 0; ; elapsed += wait, wait = Math.min(wait * 2, 8_000)) {
    try {
      return await write();
    } catch (error) {
      if (elapsed > 60_000) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}
