// Leaving and privacy: unsubscribe, preferences, erasure.
// Keys are flat like the core messages; the Spanish object must have every English key.

const en = {} as const;

const es: Record<keyof typeof en, string> = {};

export const preferencesMessages = { en, es };
