// Following a campaign: the follow form, its confirmation page, updates on the campaign page.
// Keys are flat like the core messages; the Spanish object must have every English key.

const en = {} as const;

const es: Record<keyof typeof en, string> = {};

export const followMessages = { en, es };
